#include "plan_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP_HEADER_SIZE 8u
#define STR_MIN_SIZE 5u /* u32 length + NUL */

static size_t remaining(const struct kago_reader *r) { return r->len - r->pos; }

static int read_u32(struct kago_reader *r, uint32_t *out) {
  if (remaining(r) < 4) return -1;
  const uint8_t *p = r->data + r->pos;
  *out = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  r->pos += 4;
  return 0;
}

static int read_u16(struct kago_reader *r, uint16_t *out) {
  if (remaining(r) < 2) return -1;
  const uint8_t *p = r->data + r->pos;
  *out = (uint16_t)(p[0] | p[1] << 8);
  r->pos += 2;
  return 0;
}

int kago_read_int(struct kago_reader *r, int64_t *out) {
  if (remaining(r) < 8) return -1;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | r->data[r->pos + (size_t)i];
  r->pos += 8;
  *out = (int64_t)v;
  return 0;
}

int kago_read_str(struct kago_reader *r, const char **out) {
  uint32_t len;
  if (read_u32(r, &len) != 0 || remaining(r) <= len) return -1;
  const char *s = (const char *)r->data + r->pos;
  /* An embedded NUL would silently shorten a path or a value. */
  if (s[len] != '\0' || memchr(s, '\0', len) != NULL) return -1;
  r->pos += (size_t)len + 1;
  *out = s;
  return 0;
}

int kago_read_strs(struct kago_reader *r, struct kago_strs *out) {
  uint32_t count;
  if (read_u32(r, &count) != 0 || count > remaining(r) / STR_MIN_SIZE) return -1;
  /* NULL-terminated so that argv and envp go to execve as they are. */
  const char **items = calloc((size_t)count + 1, sizeof *items);
  if (items == NULL) return -1;
  for (uint32_t i = 0; i < count; i++) {
    if (kago_read_str(r, &items[i]) != 0) {
      free(items);
      return -1;
    }
  }
  out->count = count;
  out->items = items;
  return 0;
}

int kago_read_ints(struct kago_reader *r, struct kago_ints *out) {
  uint32_t count;
  if (read_u32(r, &count) != 0 || count > remaining(r) / 8) return -1;
  int64_t *items = calloc((size_t)count + 1, sizeof *items);
  if (items == NULL) return -1;
  for (uint32_t i = 0; i < count; i++) kago_read_int(r, &items[i]);
  out->count = count;
  out->items = items;
  return 0;
}

int kago_read_bytes(struct kago_reader *r, struct kago_bytes *out) {
  uint32_t len;
  if (read_u32(r, &len) != 0 || remaining(r) < len) return -1;
  out->len = len;
  out->data = r->data + r->pos;
  r->pos += len;
  return 0;
}

static void free_args(struct kago_op *op) {
  const struct kago_op_layout *layout = kago_op_layout(op->code);
  for (size_t a = 0; layout != NULL && layout->types[a] != '\0'; a++) {
    void *field = (char *)op + layout->offsets[a];
    if (layout->types[a] == 'S') free(((struct kago_strs *)field)->items);
    if (layout->types[a] == 'I') free(((struct kago_ints *)field)->items);
  }
}

void kago_plan_free(struct kago_plan *plan) {
  for (uint32_t i = 0; i < plan->count; i++) free_args(&plan->ops[i]);
  free(plan->ops);
  plan->ops = NULL;
  plan->count = 0;
}

int kago_plan_decode(const uint8_t *data, size_t len, struct kago_plan *plan, char *why, size_t why_len) {
  struct kago_reader r = {data, len, 0};
  size_t magic_len = strlen(KAGO_PLAN_MAGIC);
  uint32_t version, count;
  if (len < magic_len || memcmp(data, KAGO_PLAN_MAGIC, magic_len) != 0) {
    snprintf(why, why_len, "bad magic");
    return -1;
  }
  r.pos = magic_len;
  if (read_u32(&r, &version) != 0 || read_u32(&r, &count) != 0) {
    snprintf(why, why_len, "truncated header");
    return -1;
  }
  if (version != KAGO_PLAN_VERSION) {
    snprintf(why, why_len, "version %u, expected %u", version, KAGO_PLAN_VERSION);
    return -1;
  }
  if (count > remaining(&r) / OP_HEADER_SIZE) {
    snprintf(why, why_len, "%u operations cannot fit in %zu bytes", count, remaining(&r));
    return -1;
  }
  struct kago_op *ops = calloc((size_t)count + 1, sizeof *ops);
  if (ops == NULL) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  /* Operations are zeroed up to `count`, so a failure can free every list
   * decoded so far, the failed operation's included, as a whole plan. */
  struct kago_plan partial = {count, ops};
  for (uint32_t i = 0; i < count; i++) {
    uint16_t code, reserved;
    uint32_t size;
    if (read_u16(&r, &code) != 0 || read_u16(&r, &reserved) != 0 || read_u32(&r, &size) != 0 || remaining(&r) < size) {
      snprintf(why, why_len, "operation %u: truncated", i);
      kago_plan_free(&partial);
      return -1;
    }
    struct kago_reader args = {data + r.pos, size, 0};
    ops[i].code = code;
    if (kago_decode_args(&args, &ops[i]) != 0 || args.pos != args.len) {
      snprintf(why, why_len, "operation %u (code %u, %s): bad arguments", i, code, kago_op_name(code));
      kago_plan_free(&partial);
      return -1;
    }
    r.pos += size;
  }
  if (remaining(&r) != 0) {
    snprintf(why, why_len, "%zu bytes after the last operation", remaining(&r));
    kago_plan_free(&partial);
    return -1;
  }
  *plan = partial;
  return 0;
}
