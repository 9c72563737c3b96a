/* Namespaces, credentials and the fork into the new pid namespace. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "sync.h"

int op_unshare(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  return unshare((int)op->u.unshare.flags);
}

int op_setns(struct kago_exec *x, const struct kago_op *op) {
  int fd = kago_slot_fd(x, op->u.setns.slot);
  if (fd < 0) return -1;
  return setns(fd, (int)op->u.setns.nstype);
}

int op_request_id_maps(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  uint8_t *payload;
  size_t len;
  /* main.c makes the executor non-dumpable (CVE-2016-9962, CVE-2019-5736);
   * a non-dumpable process's /proc/PID/uid_map, gid_map and setgroups
   * belong to root, and a host without root could not write them. Only the
   * user namespace exists here: nothing of a container can see this process
   * yet (runc's nsexec does the same). */
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) return -1;
  int got = kago_sync_exchange(x->sync_fd, KAGO_MSG_ID_MAPS_REQUEST, KAGO_MSG_ID_MAPS_DONE, &payload, &len);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || got != 0) return -1;
  free(payload);
  return 0;
}

int op_setresgid(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  gid_t gid = (gid_t)op->u.setresgid.gid;
  return setresgid(gid, gid, gid);
}

int op_setresuid(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  uid_t uid = (uid_t)op->u.setresuid.uid;
  return setresuid(uid, uid, uid);
}

int op_setgroups(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  const struct kago_ints *gids = &op->u.setgroups.gids;
  gid_t *list = calloc((size_t)gids->count + 1, sizeof *list);
  if (list == NULL) return -1;
  for (uint32_t i = 0; i < gids->count; i++) list[i] = (gid_t)gids->items[i];
  int rc = setgroups(gids->count, list);
  int err = errno;
  free(list);
  errno = err;
  return rc;
}

int op_fork(struct kago_exec *x, const struct kago_op *op) {
  /* fork() cannot pass CLONE_PARENT (which makes the child the host's child,
   * so the host can wait for it) nor other clone flags. */
  return kago_fork_with(x, (unsigned long)op->u.fork.flags, -1);
}

int kago_fork_with(struct kago_exec *x, unsigned long flags, int cgroup_fd) {
  int gate[2];
  if (x->sync_fd < 0) {
    errno = EPIPE;
    return -1;
  }
  if (pipe2(gate, O_CLOEXEC) != 0) return -1;
  long pid =
      cgroup_fd >= 0 ? kago_clone_into_cgroup(flags, cgroup_fd) : syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    int err = errno;
    close(gate[0]);
    close(gate[1]);
    errno = err;
    return -1;
  }
  if (pid > 0) {
    close(gate[0]);
    if (kago_sync_send(x->sync_fd, KAGO_MSG_CHILD_PID, pid, 0, NULL, 0) != 0) return -1;
    if (write(gate[1], "1", 1) != 1) return -1;
    _exit(0);
  }
  /* Both processes share the socket: the child waits until its pid is on it,
   * so the host never sees a message of the child before it knows the child. */
  close(gate[1]);
  char go;
  ssize_t n;
  do n = read(gate[0], &go, 1);
  while (n < 0 && errno == EINTR);
  close(gate[0]);
  if (n != 1) _exit(1); /* the parent failed and has reported it */
  return 0;
}
