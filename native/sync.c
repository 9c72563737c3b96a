#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

_Static_assert(sizeof(struct kago_msg_header) == 24, "the header is 24 bytes on the wire");

int kago_sync_send(int fd, uint32_t type, int64_t a, int64_t b,
                   const void *payload, size_t payload_len) {
  struct kago_msg_header h = {.type = type, .reserved = 0, .a = a, .b = b};
  struct iovec iov[2] = {{&h, sizeof h}, {(void *)payload, payload_len}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = payload_len > 0 ? 2 : 1};
  ssize_t n;
  /* MSG_NOSIGNAL: a host that went away is an error to report, not a SIGPIPE. */
  do n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  if ((size_t)n != sizeof h + payload_len) {
    errno = EPROTO;
    return -1;
  }
  return 0;
}

static ssize_t recv_retrying(int fd, void *buf, size_t len, int flags) {
  ssize_t n;
  do n = recv(fd, buf, len, flags);
  while (n < 0 && errno == EINTR);
  return n;
}

int kago_sync_recv(int fd, struct kago_msg_header *header) {
  /* A payload, if any, is dropped with the rest of the packet. */
  ssize_t n = recv_retrying(fd, header, sizeof *header, 0);
  if (n < 0) return -1;
  if (n == 0) {
    errno = EPIPE;
    return -1;
  }
  if ((size_t)n < sizeof *header) {
    errno = EPROTO;
    return -1;
  }
  return 0;
}

int kago_sync_recv_plan(int fd, const uint8_t **plan, size_t *plan_len) {
  char probe;
  /* On a SOCK_SEQPACKET socket MSG_TRUNC makes recv return the packet's full size. */
  ssize_t size = recv_retrying(fd, &probe, 1, MSG_PEEK | MSG_TRUNC);
  if (size < 0) return -1;
  if (size == 0) {
    errno = EPIPE;
    return -1;
  }
  if ((size_t)size < sizeof(struct kago_msg_header)) {
    errno = EPROTO;
    return -1;
  }
  uint8_t *buf = malloc((size_t)size);
  if (buf == NULL) return -1;
  ssize_t n = recv_retrying(fd, buf, (size_t)size, 0);
  if (n < 0) {
    int err = errno;
    free(buf);
    errno = err;
    return -1;
  }
  struct kago_msg_header h;
  memcpy(&h, buf, sizeof h);
  if (n != size || h.type != KAGO_MSG_PLAN) {
    free(buf);
    errno = EPROTO;
    return -1;
  }
  *plan = buf + sizeof h;
  *plan_len = (size_t)size - sizeof h;
  return 0;
}
