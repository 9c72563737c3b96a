#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

_Static_assert(sizeof(struct kago_msg_header) == 24, "the header is 24 bytes on the wire");

int kago_sync_send(int fd, uint32_t type, int64_t a, int64_t b, const void *payload, size_t payload_len) {
  struct kago_msg_header h = {.type = type, .flags = 0, .a = a, .b = b};
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

/* One packet, header and payload (malloc'd, NULL when empty). */
static int recv_packet(int fd, struct kago_msg_header *header, uint8_t **payload, size_t *payload_len) {
  char probe;
  ssize_t size = recv_retrying(fd, &probe, 1, MSG_PEEK | MSG_TRUNC);
  if (size < 0) return -1;
  if (size == 0) {
    errno = EPIPE;
    return -1;
  }
  if ((size_t)size < sizeof *header) {
    errno = EPROTO;
    return -1;
  }
  uint8_t *buf = malloc((size_t)size);
  if (buf == NULL) return -1;
  if (recv_retrying(fd, buf, (size_t)size, 0) != size) {
    free(buf);
    errno = EPROTO;
    return -1;
  }
  memcpy(header, buf, sizeof *header);
  *payload_len = (size_t)size - sizeof *header;
  *payload = NULL;
  if (*payload_len > 0) {
    *payload = malloc(*payload_len);
    if (*payload == NULL) {
      free(buf);
      return -1;
    }
    memcpy(*payload, buf + sizeof *header, *payload_len);
  }
  free(buf);
  return 0;
}

int kago_sync_recv_payload(int fd, struct kago_msg_header *header, uint8_t **payload, size_t *payload_len) {
  uint8_t *all = NULL;
  size_t total = 0;
  for (int first = 1;; first = 0) {
    struct kago_msg_header h;
    uint8_t *part;
    size_t part_len;
    if (recv_packet(fd, &h, &part, &part_len) != 0) {
      free(all);
      return -1;
    }
    /* The packets of one message: one type, none larger than a chunk. */
    if ((!first && h.type != header->type) || part_len > KAGO_MSG_CHUNK || total + part_len < total) {
      free(part);
      free(all);
      errno = EPROTO;
      return -1;
    }
    if (first) *header = h;
    if (part_len > 0) {
      uint8_t *grown = realloc(all, total + part_len);
      if (grown == NULL) {
        free(part);
        free(all);
        return -1;
      }
      all = grown;
      memcpy(all + total, part, part_len);
      total += part_len;
    }
    free(part);
    if (!(h.flags & KAGO_MSG_MORE)) break;
  }
  header->flags &= ~KAGO_MSG_MORE;
  *payload = all;
  *payload_len = total;
  return 0;
}

static int send_iov_with_fd(int fd, struct iovec *iov, size_t iov_count, int passed_fd) {
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {
      .msg_iov = iov, .msg_iovlen = iov_count, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &passed_fd, sizeof(int));
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

int kago_sync_send_fd(int fd, uint32_t type, int passed_fd, const void *payload, size_t payload_len) {
  struct kago_msg_header h = {.type = type, .flags = 0, .a = passed_fd, .b = 0};
  struct iovec iov[2] = {{&h, sizeof h}, {(void *)payload, payload_len}};
  return send_iov_with_fd(fd, iov, payload_len > 0 ? 2 : 1, passed_fd);
}

int kago_send_fd(int fd, int passed_fd, const void *data, size_t len) {
  struct iovec iov = {(void *)data, len};
  return send_iov_with_fd(fd, &iov, 1, passed_fd);
}

int kago_sync_recv_plan(int fd, const uint8_t **plan, size_t *plan_len) {
  struct kago_msg_header h;
  uint8_t *payload;
  if (kago_sync_recv_payload(fd, &h, &payload, plan_len) != 0) return -1;
  if (h.type != KAGO_MSG_PLAN || payload == NULL) {
    free(payload);
    errno = EPROTO;
    return -1;
  }
  *plan = payload;
  return 0;
}

int kago_sync_exchange(int fd, uint32_t request, uint32_t answer, uint8_t **payload, size_t *payload_len) {
  struct kago_msg_header h;
  if (fd < 0) {
    errno = EPIPE;
    return -1;
  }
  if (kago_sync_send(fd, request, getpid(), 0, NULL, 0) != 0) return -1;
  if (kago_sync_recv_payload(fd, &h, payload, payload_len) != 0) return -1;
  if (h.type != answer) {
    free(*payload);
    *payload = NULL;
    errno = EPROTO;
    return -1;
  }
  return 0;
}
