/* The process's own settings, the hand-over to the host, and execve. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
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

/* runc's order: the working directory is entered while still privileged,
 * so a directory only root may enter works for any user; one that only the
 * container's user may enter (EACCES as root, e.g. on NFS) is tried again
 * after the user switch. */
int op_chdir_early(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.chdir_early.path;
  x->deferred_cwd = NULL;
  if (chdir(op->u.chdir_early.path) == 0) return 0;
  if (errno != EACCES && errno != EPERM) return -1;
  x->deferred_cwd = op->u.chdir_early.path;
  return 0;
}

int op_chdir_retry(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  if (x->deferred_cwd == NULL) return 0;
  x->detail = x->deferred_cwd;
  return chdir(x->deferred_cwd);
}

/* runc's fixStdioPermissions: stdio made by the host (pipes, the pty) is
 * root's, and a process of another user could not reopen it through
 * /proc/self/fd or /dev/stdout. Only the owner changes: the group is what
 * devpts or the host chose. pipes_only is for stdio that is kago's
 * caller's own: runc gives such a container pipes of its own, so the
 * caller's terminal or files must not change owner. */
int op_fix_stdio_owner(struct kago_exec *x, const struct kago_op *op) {
  struct stat null_st;
  x->detail = "/dev/null";
  if (stat("/dev/null", &null_st) != 0) return -1;
  uid_t uid = (uid_t)op->u.fix_stdio_owner.uid;
  for (int fd = 0; fd <= 2; fd++) {
    struct stat st;
    x->detail = fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr";
    if (fstat(fd, &st) != 0) {
      if (errno == EBADF) continue; /* a closed stdio fd has no owner to fix */
      return -1;
    }
    if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev)) continue;
    if (op->u.fix_stdio_owner.pipes_only) {
      struct statfs fs;
      if (fstatfs(fd, &fs) != 0) return -1;
      if (fs.f_type != PIPEFS_MAGIC) continue;
    }
    if (fchown(fd, uid, (gid_t)-1) != 0 && errno != EINVAL && errno != EPERM && errno != EROFS) return -1;
  }
  return 0;
}

int op_setsid(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  (void)op;
  return setsid() < 0 ? -1 : 0;
}

int op_prctl(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  int rc = prctl((int)op->u.prctl.option, (unsigned long)op->u.prctl.arg2, 0UL, 0UL, 0UL);
  return rc < 0 ? -1 : 0;
}

int op_ready(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  uint8_t *state;
  size_t len;
  if (kago_sync_exchange(x->sync_fd, KAGO_MSG_READY, KAGO_MSG_READY_ACK, &state, &len) != 0) return -1;
  free(x->hook_state);
  x->hook_state = state;
  x->hook_state_len = len;
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
  close(path_fd);
  /* Kept open, close-on-exec: `start` reads end-of-file exactly when execve succeeds (or init dies). */
  x->slots[op->u.wait_exec_fifo.slot] = fd;
  x->exec_fifo = fd;
  errno = err;
  return n == 1 ? 0 : -1;
}

static const char *path_of(const struct kago_strs *envp) {
  for (uint32_t i = 0; i < envp->count; i++) {
    if (strncmp(envp->items[i], "PATH=", 5) == 0) return envp->items[i] + 5;
  }
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static bool is_executable_file(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return false;
  if (!S_ISREG(st.st_mode)) {
    errno = EACCES;
    return false;
  }
  return access(path, X_OK) == 0;
}

/* Resolves name the way execvp(3) does, but with the PATH of the container's
 * env, not the executor's. Returns 0 with the path in out, or -1 and errno. */
static int find_program(const char *name, const struct kago_strs *envp, char *out, size_t out_len) {
  size_t name_len = strlen(name);
  if (name_len == 0) {
    errno = ENOENT;
    return -1;
  }
  if (strchr(name, '/') != NULL) {
    if (name_len >= out_len) {
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(out, name, name_len + 1);
    return is_executable_file(out) ? 0 : -1;
  }
  bool denied = false;
  for (const char *dir = path_of(envp);; dir++) {
    const char *end = strchrnul(dir, ':');
    size_t dir_len = (size_t)(end - dir);
    /* An empty PATH entry means the working directory, as in execvp(3). */
    if (dir_len == 0) dir = ".", dir_len = 1;
    if (dir_len + 1 + name_len < out_len) {
      memcpy(out, dir, dir_len);
      out[dir_len] = '/';
      memcpy(out + dir_len + 1, name, name_len + 1);
      if (is_executable_file(out)) return 0;
      if (errno == EACCES)
        denied = true;
      else if (errno != ENOENT && errno != ENOTDIR)
        return -1;
    }
    if (*end == '\0') break;
    dir = end;
  }
  errno = denied ? EACCES : ENOENT;
  return -1;
}

/* Checked before READY so that `create`, not `start`, reports a missing program. */
int op_check_exec(struct kago_exec *x, const struct kago_op *op) {
  char resolved[PATH_MAX];
  x->detail = op->u.check_exec.path;
  return find_program(op->u.check_exec.path, &op->u.check_exec.envp, resolved, sizeof resolved);
}

int op_exec(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_exec *e = &op->u.exec;
  char resolved[PATH_MAX];
  x->detail = e->path;
  if (find_program(e->path, &e->envp, resolved, sizeof resolved) != 0) return -1;
  return execve(resolved, (char *const *)e->argv.items, (char *const *)e->envp.items);
}

int op_new_session_keyring(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.new_session_keyring.name;
  /* KEYCTL_JOIN_SESSION_KEYRING = 1, KEYCTL_SETPERM = 5 (linux/keyctl.h) */
  long key = syscall(SYS_keyctl, 1, op->u.new_session_keyring.name, 0, 0, 0);
  if (key < 0) return errno == ENOSYS ? 0 : -1;
  return syscall(SYS_keyctl, 5, key, 0x3f1b0000, 0, 0) < 0 ? -1 : 0;
}

int op_move_fds(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_move_fds *m = &op->u.move_fds;
  int top = (int)(m->to + m->count);
  /* The exec FIFO (and any slot) must survive: move what sits in the target range above it. */
  for (int s = 0; s < KAGO_SLOTS; s++) {
    int fd = x->slots[s];
    if (fd < m->to || fd >= top) continue;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, top);
    if (moved < 0) return -1;
    close(fd);
    if (x->exec_fifo == fd) x->exec_fifo = moved;
    x->slots[s] = moved;
  }
  for (int64_t i = 0; i < m->count; i++) {
    /* dup2 leaves the copy without FD_CLOEXEC: it is what crosses execve. */
    if (dup2((int)(m->from + i), (int)(m->to + i)) < 0) return -1;
  }
  return 0;
}
