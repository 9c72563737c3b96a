/* The device allow list (config-linux.md "Allowed Device list"), made into
 * one ordered list of rules that both the v1 devices controller and the v2
 * eBPF program enforce. */
#include <string.h>

#include "writes.h"

/* What every container needs, as runc's default list (libcontainer/specconv
 * AllowedDevices): mknod of any device (creating a node is harmless, opening
 * it is what the rules decide), null, zero, full, random, urandom, tty,
 * console, ptmx, the pty slaves (major 136) and /dev/net/tun (10:200:
 * runc 1.1.5 allows it; runc 1.2.2 dropped it, opencontainers/runc#3468). */
static const struct kcg_device_rule standard_devices[] = {
    {true, 'c', -1, -1, KCG_ACC_MKNOD, ""}, {true, 'b', -1, -1, KCG_ACC_MKNOD, ""},
    {true, 'c', 1, 3, KCG_ACC_ALL, ""},     {true, 'c', 1, 5, KCG_ACC_ALL, ""},
    {true, 'c', 1, 7, KCG_ACC_ALL, ""},     {true, 'c', 1, 8, KCG_ACC_ALL, ""},
    {true, 'c', 1, 9, KCG_ACC_ALL, ""},     {true, 'c', 5, 0, KCG_ACC_ALL, ""},
    {true, 'c', 5, 1, KCG_ACC_ALL, ""},     {true, 'c', 5, 2, KCG_ACC_ALL, ""},
    {true, 'c', 136, -1, KCG_ACC_ALL, ""},  {true, 'c', 10, 200, KCG_ACC_ALL, ""},
};
#define STANDARD_COUNT (sizeof standard_devices / sizeof standard_devices[0])

static void push(struct kcg_device_rules *out, struct kcg_device_rule r) { out->items[out->count++] = r; }

/* The devices a container starts with. linux.devices are not among them:
 * they are nodes to create, and the rules alone decide whether the
 * container may open them (runc 1.1 leaves them out of its allow list too),
 * so a deny-all config keeps a /dev/kmsg listed there closed. */
static void baseline(struct kcg_device_rules *out) {
  out->default_allow = false;
  out->count = 0;
  for (size_t i = 0; i < STANDARD_COUNT; i++) push(out, standard_devices[i]);
  out->standard = out->count;
}

static bool parse_access(const char *s, unsigned *out) {
  unsigned acc = 0;
  for (; *s; s++) {
    if (*s == 'r') {
      acc |= KCG_ACC_READ;
    } else if (*s == 'w') {
      acc |= KCG_ACC_WRITE;
    } else if (*s == 'm') {
      acc |= KCG_ACC_MKNOD;
    } else {
      return false;
    }
  }
  *out = acc == 0 ? KCG_ACC_ALL : acc;
  return true;
}

static bool device_number(struct kcg_ctx *c, const struct kj_value *r, const char *ptr, const char *key, int64_t *out) {
  const char *p = ptr;
  *out = -1;
  /* Absent is -1; a wrong type has been reported already. */
  if (!kcg_get_i64(c, r, ptr, key, out, &p)) return true;
  if (*out < -1 || *out > 0xffffffffLL) {
    kcg_error(c, p, "must be a device number or -1 for all, found %lld", (long long)*out);
    return false;
  }
  return true;
}

void kcg_device_rules(struct kcg_ctx *c, const struct kj_value *rules, struct kcg_device_rules *out) {
  size_t rule_count = rules != NULL ? rules->u.array.count : 0;
  out->items = kago_arena_alloc(c->a, (STANDARD_COUNT + 2 * rule_count + 1) * sizeof *out->items);
  out->count = 0;
  out->standard = 0;
  out->default_allow = false;
  if (out->items == NULL) {
    c->problems->out_of_memory = true;
    return;
  }
  baseline(out);
  for (size_t i = 0; i < rule_count; i++) {
    const struct kj_value *r = rules->u.array.items[i];
    const char *ptr = kj_pointer_index(c->a, "/linux/resources/devices", i), *p = ptr;
    if (ptr == NULL) return;
    if (r->type != KJ_OBJECT) {
      kcg_error(c, ptr, "must be an object, found %s", kj_type_name(r->type));
      continue;
    }
    bool allow;
    const char *type = "a", *access = "";
    int64_t major, minor;
    unsigned acc;
    if (!kcg_get_bool(c, r, ptr, "allow", &allow, &p)) {
      kcg_error(c, ptr, "needs allow (true or false)");
      continue;
    }
    kcg_get_string(c, r, ptr, "type", &type, &p);
    if (strcmp(type, "a") != 0 && strcmp(type, "c") != 0 && strcmp(type, "b") != 0) {
      kcg_error(c, p, "must be \"a\", \"c\" or \"b\", found \"%s\"", type);
      continue;
    }
    if (kcg_get_string(c, r, ptr, "access", &access, &p) && !parse_access(access, &acc)) {
      kcg_error(c, p, "must be made of the letters r, w and m, found \"%s\"", access);
      continue;
    }
    parse_access(access, &acc);
    if (!device_number(c, r, ptr, "major", &major) || !device_number(c, r, ptr, "minor", &minor)) continue;
    if (type[0] == 'a' && major == -1 && minor == -1 && acc == KCG_ACC_ALL) {
      if (allow) {
        /* Everything allowed: what came before no longer matters. */
        out->default_allow = true;
        out->count = 0;
        out->standard = 0;
      } else {
        /* "Deny everything", which runc's default config starts with, is
         * the container's starting point: the standard devices stay
         * usable, as they do under runc, where they are appended after
         * the config's rules. */
        baseline(out);
      }
      continue;
    }
    if (type[0] == 'a') {
      /* v1 reads "a" as the whole "a *:* rwm"; a narrower rule for all
       * types is two rules. */
      push(out, (struct kcg_device_rule){allow, 'c', major, minor, acc, ptr});
      push(out, (struct kcg_device_rule){allow, 'b', major, minor, acc, ptr});
    } else {
      push(out, (struct kcg_device_rule){allow, type[0], major, minor, acc, ptr});
    }
  }
}

static const char *rule_text(struct kago_arena *a, const struct kcg_device_rule *r) {
  char acc[4];
  size_t n = 0;
  if (r->access & KCG_ACC_READ) acc[n++] = 'r';
  if (r->access & KCG_ACC_WRITE) acc[n++] = 'w';
  if (r->access & KCG_ACC_MKNOD) acc[n++] = 'm';
  acc[n] = '\0';
  const char *maj = r->major == -1 ? "*" : kago_arena_printf(a, "%lld", (long long)r->major);
  const char *min = r->minor == -1 ? "*" : kago_arena_printf(a, "%lld", (long long)r->minor);
  if (maj == NULL || min == NULL) return NULL;
  return kago_arena_printf(a, "%c %s:%s %s", r->type, maj, min, acc);
}

static bool numbers_overlap(int64_t a, int64_t b) { return a == -1 || b == -1 || a == b; }

/* Whether rule r applies to every device rule e stands for. */
static bool covers(const struct kcg_device_rule *r, const struct kcg_device_rule *e) {
  return r->type == e->type && (r->major == -1 || r->major == e->major) && (r->minor == -1 || r->minor == e->minor);
}

static void emit_rule(struct kcg_ctx *c, const struct kcg_device_rule *r, unsigned access) {
  struct kcg_device_rule w = *r;
  w.access = access;
  const char *text = rule_text(c->a, &w);
  if (text == NULL) return;
  kcg_emit(c, 1, "devices", r->allow ? "devices.allow" : "devices.deny",
           r->pointer[0] ? r->pointer : "/linux/resources/devices", "%s", text);
}

void kcg_devices_v1(struct kcg_ctx *c, const struct kcg_device_rules *rules) {
  /* The kernel keeps a default and a list of exceptions to it
   * (cgroup-v1/devices.rst): "a" to devices.deny empties the list and makes
   * the default deny; devices.allow adds an exception, devices.deny takes
   * access away from an exception with exactly the same type and numbers. */
  kcg_emit(c, 1, "devices", rules->default_allow ? "devices.allow" : "devices.deny", "/linux/resources/devices", "a");
  /* devices.list shows the exceptions in the order they were added, and
   * config-linux.md wants the config's entries applied in the listed order
   * (runtime-tools reads them back from the top of devices.list, and runc
   * writes them there before its defaults). So the config's rules go first
   * and the standard devices after them, each less what a later deny of
   * the config takes from it: the access is the same as with the standard
   * devices first and the last matching rule deciding. */
  for (size_t i = rules->standard; i < rules->count; i++) {
    const struct kcg_device_rule *r = &rules->items[i];
    emit_rule(c, r, r->access);
    if (r->allow != rules->default_allow) continue;
    /* A rule that goes the default's way only removes an exact exception:
     * one that cuts into a wider exception has no effect on v1. */
    for (size_t k = 0; k < i; k++) {
      const struct kcg_device_rule *e = &rules->items[k];
      if (e->allow == rules->default_allow || e->type != r->type || (e->access & r->access) == 0) continue;
      if (!numbers_overlap(e->major, r->major) || !numbers_overlap(e->minor, r->minor)) continue;
      if (e->major == r->major && e->minor == r->minor) continue;
      if (k < rules->standard && covers(r, e)) continue; /* left out below instead */
      kcg_warning(c, r->pointer,
                  "on cgroup v1 this rule cannot narrow the wider earlier rule \"%s\" and has no effect there",
                  rule_text(c->a, e));
      break;
    }
  }
  for (size_t k = 0; k < rules->standard; k++) {
    const struct kcg_device_rule *e = &rules->items[k];
    unsigned access = e->access;
    for (size_t i = rules->standard; i < rules->count; i++) {
      const struct kcg_device_rule *r = &rules->items[i];
      if (r->allow != e->allow && covers(r, e)) access &= ~r->access;
    }
    if (access != 0) emit_rule(c, e, access);
  }
}
