/* libFuzzer target: the executor's plan decoder (native/plan_reader.c), fed
 * with mutated plans (seeds: real plans, fuzz/plan-seeds.ts).
 *
 * The plan comes from the host, but it is the one input of a program that
 * runs as root with every privilege before the container exists: a decoder
 * that reads past the packet, or accepts what the host never meant, would
 * run operations nobody asked for.
 *
 * Properties: the decoder accepts exactly the inputs a second, independent
 * reading of the layout (plan/plan.json "layout" and "argTypes", walked here
 * with the generated argument table) accepts: the magic, this version,
 * operations whose codes plan.json defines, each one's arguments filling its
 * size exactly, strings NUL-terminated without an embedded NUL, and nothing
 * after the last operation. When it fails it says why in one line and
 * leaves the plan untouched; when it succeeds, every string and byte
 * argument points into its own operation's bytes, argv-style lists end in
 * NULL, and encoding the decoded operations again gives back the input byte
 * for byte. Sanitizers: no read outside the input, no leak on either path. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../native/plan_reader.h"
#include "fuzz_check.h"

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The independent reading: one argument of type t at *pos in p[0..n). */
static bool valid_arg(char t, const uint8_t *p, size_t n, size_t *pos) {
  size_t left = n - *pos;
  uint32_t len;
  switch (t) {
  case 'i':
    if (left < 8) return false;
    *pos += 8;
    return true;
  case 's':
    if (left < 4) return false;
    len = le32(p + *pos);
    if (left - 4 < (size_t)len + 1) return false;
    for (size_t k = 0; k < len; k++)
      if (p[*pos + 4 + k] == '\0') return false;
    if (p[*pos + 4 + len] != '\0') return false;
    *pos += 4 + (size_t)len + 1;
    return true;
  case 'S':
    if (left < 4) return false;
    len = le32(p + *pos);
    *pos += 4;
    for (uint32_t k = 0; k < len; k++)
      if (!valid_arg('s', p, n, pos)) return false; /* each takes >= 5 bytes: bounded by n */
    return true;
  case 'I':
    if (left < 4 || (uint64_t)(left - 4) < (uint64_t)le32(p + *pos) * 8) return false;
    *pos += 4 + (size_t)le32(p + *pos) * 8;
    return true;
  case 'b':
    if (left < 4 || left - 4 < le32(p + *pos)) return false;
    *pos += 4 + (size_t)le32(p + *pos);
    return true;
  default: FUZZ_CHECK(!"argument type outside plan.json's argTypes"); return false;
  }
}

static bool valid_plan(const uint8_t *p, size_t n) {
  size_t m = strlen(KAGO_PLAN_MAGIC);
  if (n < m + 8 || memcmp(p, KAGO_PLAN_MAGIC, m) != 0 || le32(p + m) != KAGO_PLAN_VERSION) return false;
  uint32_t count = le32(p + m + 4);
  size_t pos = m + 8;
  for (uint32_t i = 0; i < count; i++) {
    if (n - pos < 8) return false;
    unsigned code = (unsigned)p[pos] | (unsigned)p[pos + 1] << 8;
    uint32_t size = le32(p + pos + 4);
    pos += 8;
    if (n - pos < size) return false;
    const struct kago_op_layout *layout = kago_op_layout(code);
    if (layout == NULL) return false;
    size_t at = 0;
    for (const char *t = layout->types; *t != '\0'; t++)
      if (!valid_arg(*t, p + pos, size, &at)) return false;
    if (at != size) return false;
    pos += size;
  }
  return pos == n;
}

/* Re-encoding into a buffer the size of the operation's arguments: writing
 * past it, or stopping short of it, is already a mismatch. */
struct out {
  uint8_t *buf;
  size_t cap, len;
  bool over;
};

static void put(struct out *o, const void *b, size_t n) {
  if (o->over || o->cap - o->len < n) {
    o->over = true;
    return;
  }
  memcpy(o->buf + o->len, b, n);
  o->len += n;
}

static void put_le(struct out *o, uint64_t v, size_t width) {
  uint8_t b[8];
  for (size_t k = 0; k < width; k++) b[k] = (uint8_t)(v >> (8 * k));
  put(o, b, width);
}

static bool inside(const void *ptr, size_t n, const uint8_t *lo, size_t len) {
  const uint8_t *q = ptr;
  return q >= lo && q <= lo + len && (size_t)(lo + len - q) >= n;
}

/* A decoded string: it points into args and ends there with a NUL. */
static void put_str(struct out *o, const char *s, const uint8_t *args, size_t size) {
  FUZZ_CHECK(inside(s, 1, args, size));
  const char *nul = memchr(s, '\0', (size_t)(args + size - (const uint8_t *)s));
  FUZZ_CHECK(nul != NULL);
  size_t len = (size_t)(nul - s);
  put_le(o, len, 4);
  put(o, s, len + 1);
}

static void reencode(const struct kago_op *op, const uint8_t *args, size_t size) {
  const struct kago_op_layout *layout = kago_op_layout(op->code);
  FUZZ_CHECK(layout != NULL);
  uint8_t *buf = malloc(size ? size : 1);
  FUZZ_CHECK(buf != NULL);
  struct out o = {buf, size, 0, false};
  for (size_t a = 0; layout->types[a] != '\0'; a++) {
    const void *field = (const char *)op + layout->offsets[a];
    switch (layout->types[a]) {
    case 'i': put_le(&o, (uint64_t) * (const int64_t *)field, 8); break;
    case 's': put_str(&o, *(const char *const *)field, args, size); break;
    case 'S': {
      const struct kago_strs *v = field;
      FUZZ_CHECK(v->items != NULL && v->items[v->count] == NULL);
      put_le(&o, v->count, 4);
      for (uint32_t k = 0; k < v->count; k++) put_str(&o, v->items[k], args, size);
      break;
    }
    case 'I': {
      const struct kago_ints *v = field;
      FUZZ_CHECK(v->items != NULL && (uint64_t)v->count * 8 <= size);
      put_le(&o, v->count, 4);
      for (uint32_t k = 0; k < v->count; k++) put_le(&o, (uint64_t)v->items[k], 8);
      break;
    }
    case 'b': {
      const struct kago_bytes *v = field;
      FUZZ_CHECK(inside(v->data, v->len, args, size));
      put_le(&o, v->len, 4);
      put(&o, v->data, v->len);
      break;
    }
    }
  }
  FUZZ_CHECK(!o.over && o.len == size && memcmp(buf, args, size) == 0);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct kago_op sentinel;
  struct kago_plan plan = {.count = 0xdeadbeef, .ops = &sentinel};
  char why[160];
  memset(why, 'x', sizeof why);
  int rc = kago_plan_decode(data, size, &plan, why, sizeof why);
  bool valid = valid_plan(data, size);
  if (rc != 0) {
    FUZZ_CHECK(rc == -1 && !valid);
    const char *end = memchr(why, '\0', sizeof why);
    FUZZ_CHECK(end != NULL && end > why && memchr(why, '\n', (size_t)(end - why)) == NULL);
    FUZZ_CHECK(plan.count == 0xdeadbeef && plan.ops == &sentinel);
    return 0;
  }
  FUZZ_CHECK(valid);
  FUZZ_CHECK(plan.ops != NULL);
  size_t m = strlen(KAGO_PLAN_MAGIC);
  FUZZ_CHECK(plan.count == le32(data + m + 4));
  size_t pos = m + 8;
  for (uint32_t i = 0; i < plan.count; i++) {
    const struct kago_op *op = &plan.ops[i];
    FUZZ_CHECK(op->code == ((unsigned)data[pos] | (unsigned)data[pos + 1] << 8));
    FUZZ_CHECK(strcmp(kago_op_name(op->code), "unknown") != 0);
    uint32_t op_size = le32(data + pos + 4);
    pos += 8;
    reencode(op, data + pos, op_size);
    pos += op_size;
  }
  FUZZ_CHECK(pos == size);
  kago_plan_free(&plan);
  return 0;
}
