/* The sync socket: one SOCK_SEQPACKET packet per message (plan/plan.json "messages"). */
#ifndef KAGO_SYNC_H
#define KAGO_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "plan.gen.h"

/* Each returns 0, or -1 with errno set (EPIPE when the host has hung up,
 * EPROTO for a packet that is not what the protocol allows). */
int kago_sync_send(int fd, uint32_t type, int64_t a, int64_t b, const void *payload, size_t payload_len);
int kago_sync_recv(int fd, struct kago_msg_header *header);
/* Receives a packet and its payload, which is malloc'd (NULL when empty). */
int kago_sync_recv_payload(int fd, struct kago_msg_header *header, uint8_t **payload, size_t *payload_len);
/* Sends a header-only packet carrying passed_fd (SCM_RIGHTS). */
int kago_sync_send_fd(int fd, uint32_t type, int passed_fd, const void *payload, size_t payload_len);
/* Sends data (no header: not the sync protocol) carrying passed_fd. */
int kago_send_fd(int fd, int passed_fd, const void *data, size_t len);
/* Sends request (a = our pid) and waits for the answer of the given type;
 * its payload is malloc'd (NULL when empty). */
int kago_sync_exchange(int fd, uint32_t request, uint32_t answer, uint8_t **payload, size_t *payload_len);
/* Reads the first packet, which must be the plan; *plan points into a
 * heap buffer that lives as long as the process. */
int kago_sync_recv_plan(int fd, const uint8_t **plan, size_t *plan_len);

#endif
