/* JSON (RFC 8259) parsed into an arena-owned tree. Numbers keep their source
 * text, because seccomp arguments and cgroup limits are 64-bit integers that a
 * double cannot hold exactly. */
#ifndef KAGO_JSON_H
#define KAGO_JSON_H

#include "../common/arena.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    struct {
      const char *text;
      size_t len;
    } number; /* the literal as written */
    struct {
      const char *s;
      size_t len;
    } string; /* unescaped UTF-8, NUL-terminated */
    struct {
      struct kj_value **items;
      size_t count;
    } array;
    struct {
      struct kj_member *members;
      size_t count;
    } object; /* in source order */
  } u;
};

struct kj_error {
  uint32_t line, column;
  const char *message; /* arena-owned */
};

/* Parses text[0..len). Returns NULL and fills err on a syntax error (or when
 * max_depth of nesting is exceeded). */
struct kj_value *kj_parse(struct kago_arena *a, const char *text, size_t len, unsigned max_depth, struct kj_error *err);

/* Last member named key, or NULL. */
const struct kj_value *kj_get(const struct kj_value *obj, const char *key);

/* Exact integer conversions of a KJ_NUMBER: false when the literal is not an
 * integer (has a fraction or exponent) or is out of range. */
bool kj_as_i64(const struct kj_value *v, int64_t *out);
bool kj_as_u64(const struct kj_value *v, uint64_t *out);
double kj_as_double(const struct kj_value *v);
/* Sign and magnitude of an integer literal, so a caller can check any range
 * (int64, uint64, -1000..1000) with one conversion: false when the literal
 * has a fraction or exponent or its magnitude exceeds UINT64_MAX. */
bool kj_integer_parts(const struct kj_value *v, bool *negative, uint64_t *magnitude);
/* A JSON type as a noun for messages ("string", "array", ...). */
const char *kj_type_name(enum kj_type t);

/* Building values to serialize (results of the core): all NULL on out of
 * memory; strings and keys are copied. Arrays and objects are created with
 * their final count and filled in place (items[i], members[i]). */
struct kj_value *kj_new_null(struct kago_arena *a);
struct kj_value *kj_new_bool(struct kago_arena *a, bool b);
struct kj_value *kj_new_i64(struct kago_arena *a, int64_t n);
struct kj_value *kj_new_u64(struct kago_arena *a, uint64_t n);
struct kj_value *kj_new_string(struct kago_arena *a, const char *s, size_t len);
struct kj_value *kj_new_array(struct kago_arena *a, size_t count);
struct kj_value *kj_new_object(struct kago_arena *a, size_t count);
/* Sets member i of an object made by kj_new_object; false on out of memory. */
bool kj_set_member(struct kago_arena *a, struct kj_value *obj, size_t i, const char *key, struct kj_value *value);

/* Serializes v compactly into the arena (NUL-terminated). */
char *kj_write(struct kago_arena *a, const struct kj_value *v, size_t *len_out);

/* A JSON pointer token appended to a base pointer ("/" + escaped token). */
char *kj_pointer_key(struct kago_arena *a, const char *base, const char *key);
char *kj_pointer_index(struct kago_arena *a, const char *base, size_t index);

#endif
