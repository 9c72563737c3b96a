/* Hooks that must run inside the container's namespaces (createContainer,
 * startContainer): the host sends their state, init runs them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops.h"
#include "sync.h"

int op_sync_hooks(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  uint8_t *state;
  size_t len;
  if (kago_sync_exchange(x->sync_fd, KAGO_MSG_HOOKS_REQUEST, KAGO_MSG_HOOKS_DONE, &state, &len) != 0) return -1;
  free(x->hook_state);
  x->hook_state = state;
  x->hook_state_len = len;
  return 0;
}

static int write_all(int fd, const uint8_t *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Waits for pid, at most timeout_ms (0: forever); kills it when time is up. */
static int wait_bounded(pid_t pid, int64_t timeout_ms, int *status) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0 && timeout_ms > 0) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int rc;
    do rc = poll(&p, 1, timeout_ms > 0x7fffffff ? 0x7fffffff : (int)timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, status, 0);
      close(pidfd);
      errno = ETIMEDOUT;
      return -1;
    }
  }
  if (pidfd >= 0) close(pidfd);
  pid_t r;
  do r = waitpid(pid, status, 0);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

int op_run_hook(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_run_hook *h = &op->u.run_hook;
  x->detail = h->path;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (dup2(pipefd[0], STDIN_FILENO) < 0) _exit(127);
    execve(h->path, (char *const *)h->argv.items, (char *const *)h->envp.items);
    dprintf(STDERR_FILENO, "kago-exec: hook %s: %m\n", h->path);
    _exit(127);
  }
  close(pipefd[0]);
  /* A hook that exits without reading its stdin must not kill init with SIGPIPE. */
  struct sigaction ignore = {.sa_handler = SIG_IGN}, previous;
  sigaction(SIGPIPE, &ignore, &previous);
  if (x->hook_state_len > 0 && write_all(pipefd[1], x->hook_state, x->hook_state_len) != 0 && errno != EPIPE) {
    int err = errno;
    sigaction(SIGPIPE, &previous, NULL);
    close(pipefd[1]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    errno = err;
    return -1;
  }
  sigaction(SIGPIPE, &previous, NULL);
  close(pipefd[1]);
  int status = 0;
  if (wait_bounded(pid, h->timeout_ms, &status) != 0) {
    if (errno == ETIMEDOUT)
      snprintf(x->detail_buf, sizeof x->detail_buf, "timed out after %lld ms", (long long)h->timeout_ms);
    x->detail = x->detail_buf;
    return -1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFEXITED(status))
    snprintf(x->detail_buf, sizeof x->detail_buf, "exited with status %d", WEXITSTATUS(status));
  else
    snprintf(x->detail_buf, sizeof x->detail_buf, "killed by signal %d", WTERMSIG(status));
  x->detail = x->detail_buf;
  errno = ECANCELED;
  return -1;
}
