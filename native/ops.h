/* The executor's state and the helpers its handlers share. The handlers
 * themselves, one per op of plan/plan.json, and the table main.c runs them
 * through are declared in ops.gen.h. A handler returns 0, or -1 with errno
 * set; it may point x->detail at text (a path, a program name) that says
 * what the failure was about. */
#ifndef KAGO_OPS_H
#define KAGO_OPS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ops.gen.h"
#include "plan.gen.h"

struct kago_exec {
  int sync_fd; /* -1 once `ready` has closed it */
  int slots[KAGO_SLOTS];
  const char *detail;
  /* the container state the host sent for the next hooks (sync_hooks, ready) */
  uint8_t *hook_state;
  size_t hook_state_len;
  /* set by `seccomp` with SECCOMP_FILTER_FLAG_NEW_LISTENER */
  int seccomp_listener;
  /* the exec FIFO once `wait_exec_fifo` has passed: where a later failure is reported */
  int exec_fifo;
  /* the path chdir_early could not enter yet, for chdir_retry */
  const char *deferred_cwd;
  char detail_buf[64];
};

/* ops_fs.c */
/* path opened O_PATH without following a final symlink, and only if it is a
 * file of that type (and, for a character device, that device); EPERM if not. */
int kago_open_checked(const char *path, unsigned type, dev_t rdev);
/* mount(MS_REMOUNT | MS_BIND | flags) of target, with the flags statvfs
 * reports as set added: see ops_fs.c */
int kago_remount_keeping_flags(const char *target, unsigned long flags);
/* bind through /proc/self/fd/FD (source or target), then close fd */
int kago_bind_fd(int fd, bool fd_is_source, const char *other);
/* ops_ns.c */
/* clone with flags (and SIGCHLD), into the cgroup v2 directory cgroup_fd
 * unless it is -1; the parent reports the child's pid and exits, the child
 * returns 0 once that report is sent */
int kago_fork_with(struct kago_exec *x, unsigned long flags, int cgroup_fd);
/* ops_cgroup_fork.c */
/* clone3(CLONE_INTO_CGROUP) as fork(2) would (or, where clone3 is refused,
 * a cgroup.procs write and clone): the child's pid, 0 in the child, or -1 and errno */
long kago_clone_into_cgroup(unsigned long flags, int cgroup_fd);

/* The fd in a slot, or -1 with errno EBADF for an empty or out-of-range slot. */
static inline int kago_slot_fd(const struct kago_exec *x, int64_t slot) {
  if (slot < 0 || slot >= KAGO_SLOTS || x->slots[slot] < 0) {
    errno = EBADF;
    return -1;
  }
  return x->slots[slot];
}

#endif
