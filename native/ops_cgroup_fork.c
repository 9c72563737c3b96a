/* The fork of the container's process straight into its cgroup (cgroup v2,
 * Linux 5.7): with clone3(CLONE_INTO_CGROUP) the child starts in the cgroup,
 * the forking process never enters it, and no cgroup.procs write (with its
 * wait for an RCU grace period, see host/cgroups/prime.ts) happens. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"

/* What the plan did before clone3 existed: move this process in, so the child is born there. */
static int join_by_write(int cgroup_fd) {
  int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, "0", 1);
  int err = errno;
  close(fd);
  errno = err;
  return n == 1 ? 0 : -1;
}

/* ENOSYS: no clone3 (before 5.3), or a seccomp filter around kago that
 * hides it (Docker's default profile does); E2BIG: a clone3 that does not
 * know the cgroup field (5.3 to 5.6); EPERM: a filter that refuses it. A
 * permission or cgroup error (EACCES, ENOENT, EBUSY, EAGAIN from pids.max)
 * is the cgroup's own and would fail the write too: it is reported. */
static bool refused_by_kernel_or_filter(int err) { return err == ENOSYS || err == E2BIG || err == EPERM; }

long kago_clone_into_cgroup(unsigned long flags, int cgroup_fd) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = flags | CLONE_INTO_CGROUP;
  /* clone3 refuses an exit signal with CLONE_PARENT (EINVAL): the child
   * then signals its new parent as this process would, which for kago's
   * executor is SIGCHLD, as legacy clone's flags | SIGCHLD gives. */
  args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  args.cgroup = (uint64_t)cgroup_fd;
  /* No stack: the child goes on from here on a copy of this one, as after fork(2). */
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid >= 0 || !refused_by_kernel_or_filter(errno)) return pid;
  if (join_by_write(cgroup_fd) != 0) return -1;
  return syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

int op_fork_into_cgroup(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_fork_into_cgroup *f = &op->u.fork_into_cgroup;
  int cgroup_fd = kago_slot_fd(x, f->cgroup_slot);
  x->detail = "the container's cgroup";
  if (cgroup_fd < 0) return -1;
  x->slots[f->cgroup_slot] = -1;
  int rc = kago_fork_with(x, (unsigned long)f->flags, cgroup_fd);
  /* Only the child gets here on success: the container must not keep a host directory open. */
  int err = errno;
  close(cgroup_fd);
  errno = err;
  return rc;
}
