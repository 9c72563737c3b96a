/* Network devices. The move itself is the host's (host/plan/netdev.ts says
 * why): this process only says where its network namespace is and waits. */
#include <errno.h>
#include <unistd.h>

#include "ops.h"
#include "sync.h"

int op_request_net_devices(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  struct kago_msg_header reply;
  if (x->sync_fd < 0) {
    errno = EPIPE;
    return -1;
  }
  if (kago_sync_send(x->sync_fd, KAGO_MSG_NET_DEVICES_REQUEST, getpid(), 0, NULL, 0) != 0) return -1;
  if (kago_sync_recv(x->sync_fd, &reply) != 0) return -1;
  if (reply.type != KAGO_MSG_NET_DEVICES_DONE) {
    errno = EPROTO;
    return -1;
  }
  return 0;
}
