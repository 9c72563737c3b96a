/* Capabilities, resource limits and the seccomp filter: the last things init
 * does before READY, in the order the plan gives. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ops.h"
#include "sync.h"

static bool has_bit(int64_t mask, int64_t cap) { return ((uint64_t)mask >> cap) & 1u; }

int op_drop_bounding(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_drop_bounding *d = &op->u.drop_bounding;
  for (int64_t cap = 0; cap <= d->last && cap < 64; cap++) {
    if (has_bit(d->keep, cap)) continue;
    if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) != 0) {
      x->detail = "PR_CAPBSET_DROP";
      return -1;
    }
  }
  return 0;
}

int op_capset(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  const struct kago_op_capset *c = &op->u.capset;
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  for (int word = 0; word < 2; word++) {
    data[word].effective = (uint32_t)((uint64_t)c->effective >> (32 * word));
    data[word].permitted = (uint32_t)((uint64_t)c->permitted >> (32 * word));
    data[word].inheritable = (uint32_t)((uint64_t)c->inheritable >> (32 * word));
  }
  return (int)syscall(SYS_capset, &header, data);
}

int op_set_ambient(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_set_ambient *a = &op->u.set_ambient;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    x->detail = "PR_CAP_AMBIENT_CLEAR_ALL";
    return -1;
  }
  for (int64_t cap = 0; cap <= a->last && cap < 64; cap++) {
    if (!has_bit(a->raise, cap)) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) != 0) {
      x->detail = "PR_CAP_AMBIENT_RAISE";
      return -1;
    }
  }
  return 0;
}

int op_setrlimit(struct kago_exec *x, const struct kago_op *op) {
  (void)x;
  const struct kago_op_setrlimit *r = &op->u.setrlimit;
  struct rlimit limit = {
      .rlim_cur = r->soft < 0 ? RLIM_INFINITY : (rlim_t)r->soft,
      .rlim_max = r->hard < 0 ? RLIM_INFINITY : (rlim_t)r->hard,
  };
  return prlimit(0, (int)r->resource, &limit, NULL);
}

int op_seccomp(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_seccomp *s = &op->u.seccomp;
  if (s->filter.len % sizeof(struct sock_filter) != 0 || s->filter.len / sizeof(struct sock_filter) > 0xffff) {
    errno = EINVAL;
    return -1;
  }
  struct sock_fprog prog = {
      .len = (unsigned short)(s->filter.len / sizeof(struct sock_filter)),
      .filter = (struct sock_filter *)(uintptr_t)s->filter.data,
  };
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)s->flags, &prog);
  if (rc < 0) return -1;
  /* With SECCOMP_FILTER_FLAG_NEW_LISTENER the result is the listener fd. */
  if (s->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) x->seccomp_listener = (int)rc;
  return 0;
}

int op_send_seccomp_listener(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  if (x->seccomp_listener < 0 || x->sync_fd < 0) {
    errno = EBADF;
    return -1;
  }
  if (kago_sync_send_fd(x->sync_fd, KAGO_MSG_SECCOMP_LISTENER, x->seccomp_listener, NULL, 0) != 0) return -1;
  struct kago_msg_header reply;
  if (kago_sync_recv(x->sync_fd, &reply) != 0) return -1;
  close(x->seccomp_listener);
  x->seccomp_listener = -1;
  if (reply.type != KAGO_MSG_SECCOMP_LISTENER_DONE) {
    errno = EPROTO;
    return -1;
  }
  return 0;
}
