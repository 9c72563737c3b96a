/* JSON (RFC 8259) parsed into an arena-owned tree. Numbers keep their source
 * text, because seccomp arguments and cgroup limits are 64-bit integers that a
 * double cannot hold exactly. */
#ifndef KAGO_JSON_H
#define KAGO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../common/arena.h"

enum kj_type { KJ_NULL, KJ_BOOL, KJ_NUMBER, KJ_STRING, KJ_ARRAY, KJ_OBJECT };

struct kj_value;

struct kj_member {
  const char *key; /* NUL-terminated, unescaped; key_len excludes the NUL */
  size_t key_len;
  struct kj_value *value;
};

struct kj_value {
  enum kj_type type;
  uint32_t line, column; /* where the value starts, 1-based */
  union {
    bool boolean;
    struct { const char *text; size_t len; } number; /* the literal as written */
    struct { const char *s; size_t len; } string;    /* unescaped UTF-8, NUL-terminated */
    struct { struct kj_value **items; size_t count; } array;
    struct { struct kj_member *members; size_t count; } object; /* in source order */
  } u;
};

struct kj_error {
  uint32_t line, column;
  const char *message; /* arena-owned */
};

/* Parses text[0..len). Returns NULL and fills err on a syntax error (or when
 * max_depth of nesting is exceeded). */
struct kj_value *kj_parse(struct kago_arena *a, const char *text, size_t len,
                          unsigned max_depth, struct kj_error *err);

/* Last member named key, or NULL. */
const struct kj_value *kj_get(const struct kj_value *obj, const char *key);

/* Exact integer conversions of a KJ_NUMBER: false when the literal is not an
 * integer (has a fraction or exponent) or is out of range. */
bool kj_as_i64(const struct kj_value *v, int64_t *out);
bool kj_as_u64(const struct kj_value *v, uint64_t *out);
double kj_as_double(const struct kj_value *v);

/* Serializes v compactly into the arena (NUL-terminated). */
char *kj_write(struct kago_arena *a, const struct kj_value *v, size_t *len_out);

/* A JSON pointer token appended to a base pointer ("/" + escaped token). */
char *kj_pointer_key(struct kago_arena *a, const char *base, const char *key);
char *kj_pointer_index(struct kago_arena *a, const char *base, size_t index);

#endif
