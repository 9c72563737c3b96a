/* Network devices. The move itself is the host's (host/plan/netdev.ts says
 * why): this process only says where its network namespace is and waits. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ops.h"
#include "sync.h"

int op_request_net_devices(struct kago_exec *x, const struct kago_op *op) {
  (void)op;
  uint8_t *payload;
  size_t len;
  if (kago_sync_exchange(x->sync_fd, KAGO_MSG_NET_DEVICES_REQUEST, KAGO_MSG_NET_DEVICES_DONE, &payload, &len) != 0)
    return -1;
  free(payload);
  return 0;
}

/* runc brings the loopback interface of a new network namespace up (its
 * "loopback" network strategy); a namespace starts with lo down. An ioctl on
 * any socket of the namespace is enough, no netlink needed for one flag. */
int op_link_up(struct kago_exec *x, const struct kago_op *op) {
  const char *name = op->u.link_up.name;
  x->detail = name;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  if (strlen(name) >= sizeof ifr.ifr_name) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(ifr.ifr_name, name, strlen(name));
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
  if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  int err = errno;
  close(fd);
  errno = err;
  return rc;
}
