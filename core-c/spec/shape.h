/* The validator is a table: each field of config.json has a shape (its JSON
 * type, range or allowed words, its members or items) and optionally a check
 * function for what a table cannot say (a path must be absolute, soft <=
 * hard). One walker applies the tables, so growing the validator means adding
 * rows, and every rule reports the same way. */
#ifndef KAGO_SPEC_SHAPE_H
#define KAGO_SPEC_SHAPE_H

#include "../common/arena.h"
#include "../common/problems.h"
#include "../json/json.h"
#include "validate.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Where a value is, as a chain up to the document; turned into a JSON pointer
 * only when a problem is reported, so a clean walk allocates nothing. */
struct spec_path {
  const struct spec_path *parent;
  const char *key; /* NULL for an array index */
  size_t key_len;
  size_t index;
};

/* Namespace types as bits, for cross-field rules. */
enum spec_ns {
  SPEC_NS_PID = 1u << 0,
  SPEC_NS_NETWORK = 1u << 1,
  SPEC_NS_MOUNT = 1u << 2,
  SPEC_NS_IPC = 1u << 3,
  SPEC_NS_UTS = 1u << 4,
  SPEC_NS_USER = 1u << 5,
  SPEC_NS_CGROUP = 1u << 6,
  SPEC_NS_TIME = 1u << 7,
};

struct spec_ctx {
  struct kago_arena *arena;
  struct kago_problems *problems;
  const struct kago_spec_options *options;
  const struct kj_value *root;
  /* Facts gathered before the walk, for rules that span fields. */
  unsigned ns_listed; /* a namespace entry of that type exists */
  unsigned ns_created; /* ... without a path: the runtime creates it */
};

typedef void (*spec_check_fn)(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at);

enum spec_kind {
  SK_ANY,
  SK_STRING,
  SK_BOOL,
  SK_INT,
  SK_OBJECT,
  SK_ARRAY,
  SK_MAP, /* an object whose members all have the item shape */
};

struct spec_field;

struct spec_shape {
  enum spec_kind kind;
  /* The name of the TypeScript type generated from this shape (spec/gen.c
   * writes wasm/spec.gen.ts). Every SK_OBJECT has one; an SK_STRING with
   * words becomes a union of its words when named, a plain string if not. */
  const char *type_name;
  /* SK_INT: the accepted range and how to name it in a message. */
  int64_t min;
  uint64_t max;
  const char *range_name;
  /* SK_STRING: the accepted words (NULL-terminated), if limited. */
  const char *const *words;
  /* SK_OBJECT: the known members, ended by a row with name NULL. */
  const struct spec_field *fields;
  /* SK_ARRAY: items; SK_MAP: member values. */
  const struct spec_shape *item;
  size_t min_items;
  /* Runs when the JSON type (and range or word) is right. */
  spec_check_fn check;
};

enum spec_field_flags {
  SF_REQUIRED = 1u << 0,
  /* Required only when options->require_process (create/run). */
  SF_REQUIRED_TO_START = 1u << 1,
};

struct spec_field {
  const char *name;
  const struct spec_shape *shape;
  unsigned flags;
};

/* The walker. */
void spec_walk(struct spec_ctx *c, const struct spec_shape *shape, const struct kj_value *v,
               const struct spec_path *at);

/* Reporting: at the value's position, or at the position of the object that
 * lacks a member. */
char *spec_pointer(struct spec_ctx *c, const struct spec_path *at);
void spec_error(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void spec_warning(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline struct spec_path spec_key(const struct spec_path *parent, const char *key) {
  struct spec_path p = {parent, key, strlen(key), 0};
  return p;
}
static inline struct spec_path spec_index(const struct spec_path *parent, size_t index) {
  struct spec_path p = {parent, NULL, 0, index};
  return p;
}

/* Small predicates shared by the rule files. */
bool spec_str_eq(const struct kj_value *v, const char *s);
bool spec_has_nul(const struct kj_value *v);
/* Integer value in [min, max] (false for non-integers). */
bool spec_int_in(const struct kj_value *v, int64_t min, uint64_t max);
/* Integer value <= bound (for negative bounds, which spec_int_in cannot take). */
bool spec_int_at_most(const struct kj_value *v, int64_t bound);
/* A value's literal text for a message (numbers as written, strings quoted
 * and cut at 60 characters). */
const char *spec_show(struct spec_ctx *c, const struct kj_value *v);
/* Parses a list like "0-3,7" (cpusets, NUMA nodes); false on a syntax error. */
bool spec_parse_id_list(const char *s, size_t len, bool allow_spaces, uint64_t max);
/* The highest CPU or NUMA node number a mask in the plan holds: kago builds
 * sched_setaffinity(2) and set_mempolicy(2) masks of up to 1024 64-bit words
 * (the kernel's own limits, NR_CPUS and MAX_NUMNODES, are lower). */
#define SPEC_MAX_MASK_BIT 65535u

/* Shapes and checks used across the rule files. */
extern const struct spec_shape spec_any;
extern const struct spec_shape spec_string;
extern const struct spec_shape spec_bool;
extern const struct spec_shape spec_int32;
extern const struct spec_shape spec_int64;
extern const struct spec_shape spec_uint16;
extern const struct spec_shape spec_uint32;
extern const struct spec_shape spec_uint64;
extern const struct spec_shape spec_strings;
extern const struct spec_shape spec_string_map;
extern const struct spec_shape spec_absolute_path;
extern const struct spec_shape spec_absolute_paths;
extern const struct spec_shape spec_uint32s;
extern const struct spec_shape spec_id_mapping;
extern const struct spec_shape spec_id_mappings;
extern const struct spec_shape spec_env;
extern const struct spec_shape spec_hooks;

void spec_check_absolute_path(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at);
void spec_check_no_nul(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at);

/* Rule tables by area. */
extern const struct spec_shape spec_process;
extern const struct spec_shape spec_linux;
extern const struct spec_shape spec_linux_resources;
extern const struct spec_shape spec_linux_seccomp;
extern const struct spec_shape spec_mounts;
/* The whole config.json, where the walk starts (and the type generator). */
extern const struct spec_shape spec_document;

void spec_check_oci_version(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at);

#endif
