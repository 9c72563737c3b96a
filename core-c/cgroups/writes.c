/* The frame of the computation: the host description, the list of writes,
 * the problems, and the result as JSON. Each controller is in its own file. */
#include <stdarg.h>
#include <string.h>

#include "writes.h"

#define MAX_DEPTH 64

static bool names_contain(const struct kcg_names *n, const char *name) {
  for (size_t i = 0; i < n->count; i++) {
    if (strcmp(n->items[i], name) == 0) return true;
  }
  return false;
}

int kcg_version_of(const struct kcg_host *h, const char *controller) {
  if (names_contain(&h->v1, controller)) return 1;
  if (h->has_v2 && names_contain(&h->v2, controller)) return 2;
  return 0;
}

int kcg_require(struct kcg_ctx *c, const char *controller, const char *pointer) {
  int v = kcg_version_of(c->host, controller);
  if (v == 0)
    kcg_error(c, pointer, "needs the %s cgroup controller, which this host does not have mounted", controller);
  return v;
}

void kcg_emit(struct kcg_ctx *c, int version, const char *controller, const char *file, const char *pointer,
              const char *fmt, ...) {
  struct kcg_write *w = kago_arena_alloc(c->a, sizeof *w);
  va_list ap;
  va_start(ap, fmt);
  char *value = w == NULL ? NULL : kago_arena_vprintf(c->a, fmt, ap);
  va_end(ap);
  if (value == NULL) {
    c->problems->out_of_memory = true;
    return;
  }
  w->version = version;
  w->controller = controller;
  w->file = file;
  w->value = value;
  w->pointer = pointer;
  if (c->last) {
    c->last->next = w;
  } else {
    c->first = w;
  }
  c->last = w;
}

void kcg_error(struct kcg_ctx *c, const char *pointer, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kago_problem_vadd_at(c->problems, KAGO_ERROR, pointer, 0, 0, fmt, ap);
  va_end(ap);
}

void kcg_warning(struct kcg_ctx *c, const char *pointer, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kago_problem_vadd_at(c->problems, KAGO_WARNING, pointer, 0, 0, fmt, ap);
  va_end(ap);
}

static const struct kj_value *member(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key,
                                     const char **ptr) {
  const struct kj_value *v = obj != NULL && obj->type == KJ_OBJECT ? kj_get(obj, key) : NULL;
  if (v == NULL || v->type == KJ_NULL) return NULL;
  *ptr = kj_pointer_key(c->a, base, key);
  if (*ptr == NULL) *ptr = base;
  return v;
}

bool kcg_get_i64(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key, int64_t *out,
                 const char **ptr) {
  const struct kj_value *v = member(c, obj, base, key, ptr);
  if (v == NULL) return false;
  if (!kj_as_i64(v, out)) {
    kcg_error(c, *ptr, "must be a 64-bit integer, found %s", kj_type_name(v->type));
    return false;
  }
  return true;
}

bool kcg_get_bool(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key, bool *out,
                  const char **ptr) {
  const struct kj_value *v = member(c, obj, base, key, ptr);
  if (v == NULL) return false;
  if (v->type != KJ_BOOL) {
    kcg_error(c, *ptr, "must be a boolean, found %s", kj_type_name(v->type));
    return false;
  }
  *out = v->u.boolean;
  return true;
}

bool kcg_get_string(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key, const char **out,
                    const char **ptr) {
  const struct kj_value *v = member(c, obj, base, key, ptr);
  if (v == NULL) return false;
  if (v->type != KJ_STRING) {
    kcg_error(c, *ptr, "must be a string, found %s", kj_type_name(v->type));
    return false;
  }
  *out = v->u.string.s;
  return true;
}

static const struct kj_value *typed(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key,
                                    const char **ptr, enum kj_type type) {
  const struct kj_value *v = member(c, obj, base, key, ptr);
  if (v == NULL) return NULL;
  if (v->type != type) {
    kcg_error(c, *ptr, "must be an %s, found %s", kj_type_name(type), kj_type_name(v->type));
    return NULL;
  }
  return v;
}

const struct kj_value *kcg_get_object(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key,
                                      const char **ptr) {
  return typed(c, obj, base, key, ptr, KJ_OBJECT);
}

const struct kj_value *kcg_get_array(struct kcg_ctx *c, const struct kj_value *obj, const char *base, const char *key,
                                     const char **ptr) {
  return typed(c, obj, base, key, ptr, KJ_ARRAY);
}

/* --- the host description ----------------------------------------------------- */

static bool parse_names(struct kago_arena *a, const struct kj_value *v, struct kcg_names *out) {
  out->items = NULL;
  out->count = 0;
  if (v == NULL || v->type != KJ_ARRAY) return v == NULL || v->type == KJ_NULL;
  out->items = kago_arena_alloc(a, (v->u.array.count + 1) * sizeof *out->items);
  if (out->items == NULL) return false;
  for (size_t i = 0; i < v->u.array.count; i++) {
    const struct kj_value *s = v->u.array.items[i];
    if (s->type != KJ_STRING) return false;
    out->items[out->count++] = s->u.string.s;
  }
  return true;
}

static bool parse_host(struct kago_arena *a, const struct kj_value *h, struct kcg_host *out) {
  if (h == NULL || h->type != KJ_OBJECT) return false;
  const struct kj_value *v2 = kj_get(h, "v2");
  const struct kj_value *swap = kj_get(h, "swapAccounting");
  const struct kj_value *bfq = kj_get(h, "bfq");
  const struct kj_value *skip = kj_get(h, "skipDevices");
  const struct kj_value *kmem_tcp = kj_get(h, "kmemTcp");
  out->kmem_tcp = kmem_tcp != NULL && kmem_tcp->type == KJ_BOOL && kmem_tcp->u.boolean;
  out->skip_devices = skip != NULL && skip->type == KJ_BOOL && skip->u.boolean;
  out->has_v2 = v2 != NULL && v2->type == KJ_ARRAY;
  out->swap_accounting = swap != NULL && swap->type == KJ_BOOL && swap->u.boolean;
  out->bfq = bfq != NULL && bfq->type == KJ_BOOL && bfq->u.boolean;
  return parse_names(a, kj_get(h, "v1"), &out->v1) && parse_names(a, v2, &out->v2) &&
         parse_names(a, kj_get(h, "hugepageSizes"), &out->hugepage_sizes);
}

/* --- the result ------------------------------------------------------------------ */

static struct kj_value *str(struct kago_arena *a, const char *s) { return kj_new_string(a, s, strlen(s)); }

static struct kj_value *writes_to_json(struct kago_arena *a, const struct kcg_write *first) {
  size_t n = 0;
  for (const struct kcg_write *w = first; w != NULL; w = w->next) n++;
  struct kj_value *arr = kj_new_array(a, n);
  if (arr == NULL) return NULL;
  size_t i = 0;
  for (const struct kcg_write *w = first; w != NULL; w = w->next, i++) {
    struct kj_value *o = kj_new_object(a, 5);
    if (o == NULL || !kj_set_member(a, o, 0, "version", kj_new_i64(a, w->version)) ||
        !kj_set_member(a, o, 1, "controller", str(a, w->controller)) ||
        !kj_set_member(a, o, 2, "file", str(a, w->file)) || !kj_set_member(a, o, 3, "value", str(a, w->value)) ||
        !kj_set_member(a, o, 4, "pointer", str(a, w->pointer))) {
      return NULL;
    }
    arr->u.array.items[i] = o;
  }
  return arr;
}

static struct kj_value *parse_input(struct kago_arena *a, struct kago_problems *p, const char *text, size_t len,
                                    const char *what) {
  if (text == NULL) return NULL;
  struct kj_error err;
  struct kj_value *v = kj_parse(a, text, len, MAX_DEPTH, &err);
  if (v == NULL) kago_problem_add_at(p, KAGO_ERROR, "", err.line, err.column, "%s: %s", what, err.message);
  return v;
}

struct kj_value *kcg_writes(struct kago_arena *a, const char *resources_json, size_t resources_len,
                            const char *host_json, size_t host_len, struct kago_problems *problems) {
  struct kcg_host host;
  memset(&host, 0, sizeof host);
  struct kcg_ctx c = {.a = a, .problems = problems, .host = &host};
  const char *devices_mode = "none";

  struct kj_value *res = parse_input(a, problems, resources_json, resources_len, "linux.resources");
  struct kj_value *hostv = parse_input(a, problems, host_json, host_len, "host description");
  const char *base = "/linux/resources";
  if (hostv != NULL && !parse_host(a, hostv, &host)) {
    kago_problem_add(problems, KAGO_ERROR, "", "malformed host description");
  } else if (res != NULL && res->type != KJ_OBJECT && res->type != KJ_NULL) {
    kago_problem_add(problems, KAGO_ERROR, base, "must be an object, found %s", kj_type_name(res->type));
  } else if (hostv != NULL && problems->errors == 0) {
    const char *p = base;
    const struct kj_value *v;
    /* Devices first, as runc does on v1: a device rule must be in place
     * before anything else could use it. */
    const struct kj_value *rules = kcg_get_array(&c, res, base, "devices", &p);
    if (host.skip_devices) {
      /* update: runc leaves the device rules as create made them */
    } else if (kcg_version_of(&host, "devices") == 1) {
      struct kcg_device_rules list;
      kcg_device_rules(&c, rules, &list);
      kcg_devices_v1(&c, &list);
      devices_mode = "v1";
    } else if (host.has_v2) {
      struct kcg_device_rules list;
      kcg_device_rules(&c, rules, &list); /* only to report problems */
      devices_mode = "bpf";
    } else if (rules != NULL && rules->u.array.count > 0) {
      kcg_warning(&c, p, "this host has no devices cgroup controller and no cgroup v2: the rules are not enforced");
    }
    if ((v = kcg_get_object(&c, res, base, "memory", &p)) != NULL) kcg_memory(&c, v, p);
    if ((v = kcg_get_object(&c, res, base, "cpu", &p)) != NULL) kcg_cpu(&c, v, p);
    if ((v = kcg_get_object(&c, res, base, "pids", &p)) != NULL) kcg_pids(&c, v, p);
    if ((v = kcg_get_object(&c, res, base, "blockIO", &p)) != NULL) kcg_block_io(&c, v, p);
    if ((v = kcg_get_array(&c, res, base, "hugepageLimits", &p)) != NULL) kcg_hugetlb(&c, v, p);
    if ((v = kcg_get_object(&c, res, base, "network", &p)) != NULL) kcg_network(&c, v, p);
    if ((v = kcg_get_object(&c, res, base, "rdma", &p)) != NULL) kcg_rdma(&c, v, p);
    /* Last: a unified value overrides what a converted field wrote (runc). */
    if ((v = kcg_get_object(&c, res, base, "unified", &p)) != NULL) kcg_unified(&c, v, p);
  }

  struct kj_value *out = kj_new_object(a, 3);
  if (out == NULL || !kj_set_member(a, out, 0, "writes", writes_to_json(a, c.first)) ||
      !kj_set_member(a, out, 1, "devices", str(a, devices_mode)) ||
      !kj_set_member(a, out, 2, "checkBeforeUpdate", kj_new_bool(a, c.check_before_update))) {
    return NULL;
  }
  return out;
}
