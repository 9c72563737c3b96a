#include "shape.h"

#include <stdarg.h>
#include <string.h>

/* --- pointers and reporting --------------------------------------------- */

static size_t token_size(const struct spec_path *p) {
  if (p->key == NULL) {
    size_t n = 1;
    for (size_t i = p->index; i >= 10; i /= 10) n++;
    return n;
  }
  size_t n = p->key_len;
  for (size_t i = 0; i < p->key_len; i++) {
    if (p->key[i] == '~' || p->key[i] == '/') n++;
  }
  return n;
}

static char *write_token(char *end, const struct spec_path *p) {
  if (p->key == NULL) {
    size_t i = p->index;
    do {
      *--end = (char)('0' + i % 10);
      i /= 10;
    } while (i != 0);
    return end;
  }
  for (size_t i = p->key_len; i > 0; i--) {
    char k = p->key[i - 1];
    /* RFC 6901: '~' is written "~0" and '/' is written "~1". */
    if (k == '~') {
      *--end = '0';
      *--end = '~';
    } else if (k == '/') {
      *--end = '1';
      *--end = '~';
    } else {
      *--end = k;
    }
  }
  return end;
}

char *spec_pointer(struct spec_ctx *c, const struct spec_path *at) {
  size_t n = 0;
  for (const struct spec_path *p = at; p != NULL; p = p->parent) n += 1 + token_size(p);
  char *out = kago_arena_alloc(c->arena, n + 1);
  if (out == NULL) return NULL;
  char *end = out + n;
  *end = '\0';
  for (const struct spec_path *p = at; p != NULL; p = p->parent) {
    end = write_token(end, p);
    *--end = '/';
  }
  return out;
}

static void report(struct spec_ctx *c, enum kago_severity sev, const struct kj_value *v, const struct spec_path *at,
                   const char *fmt, va_list ap) {
  char *ptr = spec_pointer(c, at);
  if (ptr == NULL) {
    c->problems->out_of_memory = true;
    ptr = "";
  }
  kago_problem_vadd_at(c->problems, sev, ptr, v ? v->line : 0, v ? v->column : 0, fmt, ap);
}

void spec_error(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(c, KAGO_ERROR, v, at, fmt, ap);
  va_end(ap);
}

void spec_warning(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(c, KAGO_WARNING, v, at, fmt, ap);
  va_end(ap);
}

/* --- small predicates --------------------------------------------------- */

bool spec_str_eq(const struct kj_value *v, const char *s) {
  size_t n = strlen(s);
  return v != NULL && v->type == KJ_STRING && v->u.string.len == n && memcmp(v->u.string.s, s, n) == 0;
}

bool spec_has_nul(const struct kj_value *v) {
  return v->type == KJ_STRING && memchr(v->u.string.s, '\0', v->u.string.len) != NULL;
}

bool spec_int_in(const struct kj_value *v, int64_t min, uint64_t max) {
  bool neg;
  uint64_t mag;
  if (!kj_integer_parts(v, &neg, &mag)) return false;
  if (neg) {
    if (min >= 0) return false;
    /* -(min+1)+1 avoids overflowing on INT64_MIN. */
    uint64_t limit = (uint64_t)(-(min + 1)) + 1;
    return mag <= limit;
  }
  if (min > 0 && mag < (uint64_t)min) return false;
  return mag <= max;
}

bool spec_int_at_most(const struct kj_value *v, int64_t bound) {
  int64_t n;
  bool neg;
  uint64_t mag;
  if (kj_as_i64(v, &n)) return n <= bound;
  /* Out of int64: a huge positive is above any bound, a huge negative below. */
  return kj_integer_parts(v, &neg, &mag) && neg;
}

const char *spec_show(struct spec_ctx *c, const struct kj_value *v) {
  switch (v->type) {
  case KJ_NUMBER: {
    size_t n = v->u.number.len > 40 ? 40 : v->u.number.len;
    const char *s = kago_arena_printf(c->arena, "%.*s%s", (int)n, v->u.number.text, n < v->u.number.len ? "..." : "");
    return s ? s : "a number";
  }
  case KJ_STRING: {
    size_t n = v->u.string.len;
    bool cut = false;
    if (n > 60) {
      n = 60;
      /* Do not cut a UTF-8 sequence: the message must stay valid UTF-8. */
      while (n > 0 && ((unsigned char)v->u.string.s[n] & 0xC0) == 0x80) n--;
      cut = true;
    }
    char *out = kago_arena_alloc(c->arena, n + 6);
    if (out == NULL) return "a string";
    char *o = out;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
      unsigned char ch = (unsigned char)v->u.string.s[i];
      *o++ = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
    }
    if (cut) {
      memcpy(o, "...", 3);
      o += 3;
    }
    *o++ = '"';
    *o = '\0';
    return out;
  }
  case KJ_BOOL: return v->u.boolean ? "true" : "false";
  case KJ_NULL: return "null";
  case KJ_ARRAY: return "an array";
  case KJ_OBJECT: return "an object";
  }
  return "a value";
}

static bool skip_spaces(const char *s, size_t len, size_t *i, bool allow) {
  if (allow) {
    while (*i < len && s[*i] == ' ') (*i)++;
  }
  return true;
}

static bool read_uint(const char *s, size_t len, size_t *i, uint64_t max, uint64_t *out) {
  size_t start = *i;
  uint64_t v = 0;
  while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
    unsigned d = (unsigned)(s[*i] - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
    (*i)++;
  }
  if (*i == start) return false;
  *out = v;
  return true;
}

bool spec_parse_id_list(const char *s, size_t len, bool allow_spaces, uint64_t max) {
  size_t i = 0;
  for (;;) {
    uint64_t lo, hi;
    skip_spaces(s, len, &i, allow_spaces);
    if (!read_uint(s, len, &i, max, &lo)) return false;
    skip_spaces(s, len, &i, allow_spaces);
    if (i < len && s[i] == '-') {
      i++;
      skip_spaces(s, len, &i, allow_spaces);
      if (!read_uint(s, len, &i, max, &hi)) return false;
      if (hi < lo) return false;
      skip_spaces(s, len, &i, allow_spaces);
    }
    if (i == len) return true;
    if (s[i] != ',') return false;
    i++;
  }
}

/* --- the walker --------------------------------------------------------- */

static const char *kind_noun(enum spec_kind k) {
  switch (k) {
  case SK_STRING: return "a string";
  case SK_BOOL: return "a boolean";
  case SK_INT: return "an integer";
  case SK_OBJECT:
  case SK_MAP: return "an object";
  case SK_ARRAY: return "an array";
  case SK_ANY: return "a value";
  }
  return "a value";
}

static bool kind_matches(enum spec_kind k, enum kj_type t) {
  switch (k) {
  case SK_ANY: return true;
  case SK_STRING: return t == KJ_STRING;
  case SK_BOOL: return t == KJ_BOOL;
  case SK_INT: return t == KJ_NUMBER;
  case SK_OBJECT:
  case SK_MAP: return t == KJ_OBJECT;
  case SK_ARRAY: return t == KJ_ARRAY;
  }
  return false;
}

static bool check_int(struct spec_ctx *c, const struct spec_shape *shape, const struct kj_value *v,
                      const struct spec_path *at) {
  bool neg;
  uint64_t mag;
  if (!kj_integer_parts(v, &neg, &mag)) {
    const char *t = v->u.number.text;
    size_t n = v->u.number.len;
    bool fraction = memchr(t, '.', n) != NULL || memchr(t, 'e', n) != NULL || memchr(t, 'E', n) != NULL;
    if (fraction) {
      /* Go's encoding/json (runc, containerd) refuses 1.0 and 1e3 for an
       * integer field too, so kago does not accept what its peers refuse. */
      spec_error(c, v, at, "must be an integer written without a fraction or exponent, found %s", spec_show(c, v));
    } else {
      spec_error(c, v, at, "must be %s (%lld to %llu), found %s", shape->range_name ? shape->range_name : "an integer",
                 (long long)shape->min, (unsigned long long)shape->max, spec_show(c, v));
    }
    return false;
  }
  if (!spec_int_in(v, shape->min, shape->max)) {
    spec_error(c, v, at, "must be %s (%lld to %llu), found %s", shape->range_name ? shape->range_name : "an integer",
               (long long)shape->min, (unsigned long long)shape->max, spec_show(c, v));
    return false;
  }
  return true;
}

static bool check_words(struct spec_ctx *c, const struct spec_shape *shape, const struct kj_value *v,
                        const struct spec_path *at) {
  for (const char *const *w = shape->words; *w != NULL; w++) {
    if (spec_str_eq(v, *w)) return true;
  }
  if (shape->range_name != NULL) {
    spec_error(c, v, at, "must be %s, found %s", shape->range_name, spec_show(c, v));
    return false;
  }
  /* List the accepted words: the fix is usually a typo away. */
  size_t n = 0;
  for (const char *const *w = shape->words; *w != NULL; w++) n += strlen(*w) + 4;
  char *list = kago_arena_alloc(c->arena, n + 1);
  if (list == NULL) {
    spec_error(c, v, at, "is not an accepted value, found %s", spec_show(c, v));
    return false;
  }
  char *o = list;
  for (const char *const *w = shape->words; *w != NULL; w++) {
    if (w != shape->words) {
      memcpy(o, ", ", 2);
      o += 2;
    }
    size_t l = strlen(*w);
    *o++ = '"';
    memcpy(o, *w, l);
    o += l;
    *o++ = '"';
  }
  *o = '\0';
  spec_error(c, v, at, "must be one of %s, found %s", list, spec_show(c, v));
  return false;
}

static void walk_object(struct spec_ctx *c, const struct spec_shape *shape, const struct kj_value *v,
                        const struct spec_path *at) {
  if (shape->fields == NULL) return;
  for (const struct spec_field *f = shape->fields; f->name != NULL; f++) {
    size_t klen = strlen(f->name);
    const struct kj_value *found = NULL;
    const struct kj_value *shadowed = NULL;
    for (size_t i = 0; i < v->u.object.count; i++) {
      const struct kj_member *m = &v->u.object.members[i];
      if (m->key_len == klen && m->key[0] == f->name[0] && memcmp(m->key, f->name, klen) == 0) {
        if (found != NULL) shadowed = found;
        found = m->value;
      }
    }
    struct spec_path child = {at, f->name, klen, 0};
    if (found == NULL) {
      if (f->flags & SF_REQUIRED) {
        spec_error(c, v, &child, "is required");
      } else if ((f->flags & SF_REQUIRED_TO_START) && c->options->require_process) {
        spec_error(c, v, &child, "is required to create and start a container");
      }
      continue;
    }
    if (shadowed != NULL) {
      /* RFC 8259 section 4: names SHOULD be unique; Go and JSON.parse keep the
       * last, and so does kago, but a reader of the file may see the first. */
      spec_warning(c, shadowed, &child, "appears more than once in the object; only the last one is used");
    }
    spec_walk(c, f->shape, found, &child);
  }
}

void spec_walk(struct spec_ctx *c, const struct spec_shape *shape, const struct kj_value *v,
               const struct spec_path *at) {
  if (!kind_matches(shape->kind, v->type)) {
    spec_error(c, v, at, "must be %s, found %s", kind_noun(shape->kind), kj_type_name(v->type));
    return;
  }
  switch (shape->kind) {
  case SK_INT:
    if (!check_int(c, shape, v, at)) return;
    break;
  case SK_STRING:
    if (shape->words != NULL && !check_words(c, shape, v, at)) return;
    break;
  case SK_OBJECT: walk_object(c, shape, v, at); break;
  case SK_ARRAY:
    if (v->u.array.count < shape->min_items) {
      if (shape->min_items == 1) {
        spec_error(c, v, at, "must not be empty");
      } else {
        spec_error(c, v, at, "must have at least %zu items", shape->min_items);
      }
    }
    if (shape->item != NULL) {
      for (size_t i = 0; i < v->u.array.count; i++) {
        struct spec_path child = spec_index(at, i);
        spec_walk(c, shape->item, v->u.array.items[i], &child);
      }
    }
    break;
  case SK_MAP:
    if (shape->item != NULL) {
      for (size_t i = 0; i < v->u.object.count; i++) {
        const struct kj_member *m = &v->u.object.members[i];
        struct spec_path child = {at, m->key, m->key_len, 0};
        spec_walk(c, shape->item, m->value, &child);
      }
    }
    break;
  case SK_ANY:
  case SK_BOOL: break;
  }
  if (shape->check != NULL) shape->check(c, v, at);
}

/* --- shared checks and shapes ------------------------------------------- */

void spec_check_no_nul(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* A NUL (written \u0000) would silently cut the string where the kernel
   * reads it. */
  if (spec_has_nul(v)) spec_error(c, v, at, "must not contain a NUL character (\\u0000)");
}

void spec_check_absolute_path(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  if (v->u.string.len == 0 || v->u.string.s[0] != '/') {
    spec_error(c, v, at, "must be an absolute path, found %s", spec_show(c, v));
    return;
  }
  spec_check_no_nul(c, v, at);
}

static void check_env_entry(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config.md gives env "the same semantics as IEEE Std 1003.1-2008's
   * environ", whose entries are strings of the form name=value (XBD 8.1). */
  const char *eq = memchr(v->u.string.s, '=', v->u.string.len);
  if (eq == NULL || eq == v->u.string.s) {
    spec_error(c, v, at, "must have the form NAME=value, found %s", spec_show(c, v));
    return;
  }
  spec_check_no_nul(c, v, at);
}

const struct spec_shape spec_any = {.kind = SK_ANY};
const struct spec_shape spec_string = {.kind = SK_STRING};
const struct spec_shape spec_bool = {.kind = SK_BOOL};
const struct spec_shape spec_int32 = {
    .kind = SK_INT, .min = INT32_MIN, .max = INT32_MAX, .range_name = "a 32-bit integer"};
const struct spec_shape spec_int64 = {
    .kind = SK_INT, .min = INT64_MIN, .max = INT64_MAX, .range_name = "a 64-bit integer"};
const struct spec_shape spec_uint16 = {
    .kind = SK_INT, .min = 0, .max = UINT16_MAX, .range_name = "an unsigned 16-bit integer"};
const struct spec_shape spec_uint32 = {
    .kind = SK_INT, .min = 0, .max = UINT32_MAX, .range_name = "an unsigned 32-bit integer"};
const struct spec_shape spec_uint64 = {
    .kind = SK_INT, .min = 0, .max = UINT64_MAX, .range_name = "an unsigned 64-bit integer"};
const struct spec_shape spec_strings = {.kind = SK_ARRAY, .item = &spec_string};
const struct spec_shape spec_string_map = {.kind = SK_MAP, .item = &spec_string};
const struct spec_shape spec_absolute_path = {.kind = SK_STRING, .check = spec_check_absolute_path};
const struct spec_shape spec_absolute_paths = {.kind = SK_ARRAY, .item = &spec_absolute_path};
const struct spec_shape spec_uint32s = {.kind = SK_ARRAY, .item = &spec_uint32};
static const struct spec_shape env_entry = {.kind = SK_STRING, .check = check_env_entry};
const struct spec_shape spec_env = {.kind = SK_ARRAY, .item = &env_entry};

static const struct spec_field id_mapping_fields[] = {
    {"containerID", &spec_uint32, SF_REQUIRED},
    {"hostID", &spec_uint32, SF_REQUIRED},
    {"size", &spec_uint32, SF_REQUIRED},
    {NULL, NULL, 0},
};

static void check_id_mapping(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const struct kj_value *size = kj_get(v, "size");
  if (size != NULL && spec_int_in(size, 0, 0)) {
    struct spec_path p = spec_key(at, "size");
    /* A zero-length range maps nothing; the kernel refuses it in uid_map. */
    spec_error(c, size, &p, "must be greater than 0");
  }
}

const struct spec_shape spec_id_mapping = {
    .kind = SK_OBJECT, .type_name = "LinuxIdMapping", .fields = id_mapping_fields, .check = check_id_mapping};
const struct spec_shape spec_id_mappings = {.kind = SK_ARRAY, .item = &spec_id_mapping};
