/* Kernel settings of the container's process: sysctls, personality, memory
 * policy, scheduling, I/O priority and CPU affinity. Each is one system call
 * with the values the host computed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"

/* A sysctl is a write to /proc/sys; if that path were anything but procfs (an
 * image that ships its own /proc/sys files, or no proc mount at all) the value
 * would land in a file of the image instead, silently. */
int op_write_proc(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_write_proc *w = &op->u.write_proc;
  x->detail = w->path;
  struct open_how how = {.flags = O_WRONLY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, w->path, &how, sizeof how);
  if (fd < 0) return -1;
  struct statfs sf;
  int rc = fstatfs(fd, &sf);
  if (rc == 0 && sf.f_type != PROC_SUPER_MAGIC) {
    errno = EXDEV;
    rc = -1;
  }
  size_t len = strlen(w->data);
  if (rc == 0) {
    /* One write: a sysctl acts on each write(2) separately. */
    ssize_t n = write(fd, w->data, len);
    if (n < 0)
      rc = -1;
    else if ((size_t)n != len) {
      errno = EIO;
      rc = -1;
    }
  }
  int err = errno;
  close(fd);
  errno = err;
  return rc;
}

int op_personality(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  /* personality(2) returns the previous persona, -1 on error. */
  return personality((unsigned long)op->u.personality.persona) == -1 ? -1 : 0;
}

/* ints (64-bit words) -> unsigned long words, which is what the kernel reads. */
static unsigned long *bit_words(const struct kago_ints *words) {
  unsigned long *out = calloc(words->count + 1, sizeof *out);
  if (out == NULL) return NULL;
  for (uint32_t i = 0; i < words->count; i++) out[i] = (unsigned long)words->items[i];
  return out;
}

int op_set_mempolicy(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  const struct kago_op_set_mempolicy *m = &op->u.set_mempolicy;
  unsigned long *mask = bit_words(&m->nodes);
  if (mask == NULL) return -1;
  /* maxnode is one more than the number of bits: the kernel's get_nodes()
   * decrements it before reading the mask (set_mempolicy(2) BUGS). */
  unsigned long maxnode = m->nodes.count ? (unsigned long)m->nodes.count * 64 + 1 : 0;
  long rc = syscall(SYS_set_mempolicy, (int)m->mode, m->nodes.count ? mask : NULL, maxnode);
  int err = errno;
  free(mask);
  errno = err;
  return rc == 0 ? 0 : -1;
}

/* include/uapi/linux/sched/types.h, SCHED_ATTR_SIZE_VER1; glibc 2.36 has no
 * wrapper for sched_setattr(2). */
struct kago_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

int op_sched_setattr(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  const struct kago_op_sched_setattr *s = &op->u.sched_setattr;
  struct kago_sched_attr attr = {
      .size = sizeof attr,
      .sched_policy = (uint32_t)s->policy,
      .sched_flags = (uint64_t)s->flags,
      .sched_nice = (int32_t)s->nice,
      .sched_priority = (uint32_t)s->priority,
      .sched_runtime = (uint64_t)s->runtime,
      .sched_deadline = (uint64_t)s->deadline,
      .sched_period = (uint64_t)s->period,
  };
  return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
}

int op_ioprio_set(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  enum { IOPRIO_WHO_PROCESS = 1 }; /* include/uapi/linux/ioprio.h */
  return (int)syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (int)op->u.ioprio_set.ioprio);
}

int op_sched_setaffinity(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  const struct kago_ints *cpus = &op->u.sched_setaffinity.cpus;
  unsigned long *mask = bit_words(cpus);
  if (mask == NULL) return -1;
  long rc = syscall(SYS_sched_setaffinity, 0, (size_t)(cpus->count + 1) * sizeof *mask, mask);
  int err = errno;
  free(mask);
  errno = err;
  return rc == 0 ? 0 : -1;
}
