/* Network devices. The move itself is the host's (host/plan/netdev.ts says
 * why): this process only says where its network namespace is and waits. */
#include <stdlib.h>

#include "ops.h"
#include "sync.h"

int op_request_net_devices(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  uint8_t *payload;
  size_t len;
  if (kago_sync_exchange(x->sync_fd, KAGO_MSG_NET_DEVICES_REQUEST, KAGO_MSG_NET_DEVICES_DONE, &payload, &len) != 0) return -1;
  free(payload);
  return 0;
}
