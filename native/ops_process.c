/* The process's own settings, the hand-over to the host, and execve. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"
#include "sync.h"

int op_sethostname(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.sethostname.name;
  return sethostname(op->u.sethostname.name, strlen(op->u.sethostname.name));
}

int op_setdomainname(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.setdomainname.name;
  return setdomainname(op->u.setdomainname.name, strlen(op->u.setdomainname.name));
}

int op_umask(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  umask((mode_t)op->u.umask.mask);
  return 0;
}

int op_chdir(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.chdir.path;
  return chdir(op->u.chdir.path);
}

int op_prctl(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  int rc = prctl((int)op->u.prctl.option, (unsigned long)op->u.prctl.arg2, 0UL, 0UL, 0UL);
  return rc < 0 ? -1 : 0;
}

int op_ready(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  if (x->sync_fd < 0) {
    errno = EPIPE;
    return -1;
  }
  if (kago_sync_send(x->sync_fd, KAGO_MSG_READY, 0, 0, NULL, 0) != 0) return -1;
  close(x->sync_fd);
  x->sync_fd = -1;
  return 0;
}

int op_wait_exec_fifo(struct kago_exec *x, const struct kago_op *op) {
  int path_fd = kago_slot_fd(x, op->u.wait_exec_fifo.slot);
  char proc_path[40];
  x->detail = "exec fifo";
  if (path_fd < 0) return -1;
  /* An O_PATH fd cannot be written; opening its /proc/self/fd link opens the
   * FIFO itself, which blocks until `start` opens the other end. */
  snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", path_fd);
  int fd = open(proc_path, O_WRONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : write(fd, "0", 1);
  int err = errno;
  if (fd >= 0) close(fd);
  close(path_fd);
  x->slots[op->u.wait_exec_fifo.slot] = -1;
  errno = err;
  return n == 1 ? 0 : -1;
}

static const char *path_of(const struct kago_strs *envp) {
  for (uint32_t i = 0; i < envp->count; i++) {
    if (strncmp(envp->items[i], "PATH=", 5) == 0) return envp->items[i] + 5;
  }
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* execvpe(3) would search the executor's PATH; the container's own env decides. */
int op_exec(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_exec *e = &op->u.exec;
  char *const *argv = (char *const *)e->argv.items;
  char *const *envp = (char *const *)e->envp.items;
  x->detail = e->path;
  if (e->path[0] == '\0') {
    errno = ENOENT;
    return -1;
  }
  if (strchr(e->path, '/') != NULL) return execve(e->path, argv, envp);
  size_t name_len = strlen(e->path);
  bool denied = false;
  for (const char *dir = path_of(&e->envp);; dir++) {
    const char *end = strchrnul(dir, ':');
    size_t dir_len = (size_t)(end - dir);
    char candidate[PATH_MAX];
    /* An empty PATH entry means the working directory, as in execvp(3). */
    if (dir_len == 0) dir = ".", dir_len = 1;
    if (dir_len + 1 + name_len < sizeof candidate) {
      memcpy(candidate, dir, dir_len);
      candidate[dir_len] = '/';
      memcpy(candidate + dir_len + 1, e->path, name_len + 1);
      execve(candidate, argv, envp);
      if (errno == EACCES) denied = true;
      else if (errno != ENOENT && errno != ENOTDIR) return -1;
    }
    if (*end == '\0') break;
    dir = end;
  }
  errno = denied ? EACCES : ENOENT;
  return -1;
}
