/* linux.resources.unified (config-linux.md "Unified"): cgroup v2 files
 * written as given. The key is a file name in the container's own cgroup:
 * nothing that could reach another directory. */
#include <string.h>

#include "writes.h"

static bool names_v2_controller(const struct kcg_host *h, const char *name, size_t len) {
  for (size_t i = 0; i < h->v2.count; i++) {
    if (strlen(h->v2.items[i]) == len && memcmp(h->v2.items[i], name, len) == 0) return true;
  }
  return false;
}

void kcg_unified(struct kcg_ctx *c, const struct kj_value *unified, const char *base) {
  for (size_t i = 0; i < unified->u.object.count; i++) {
    const struct kj_member *m = &unified->u.object.members[i];
    const char *ptr = kj_pointer_key(c->a, base, m->key);
    if (ptr == NULL) return;
    if (m->value->type != KJ_STRING) {
      kcg_error(c, ptr, "must be a string, found %s", kj_type_name(m->value->type));
      continue;
    }
    const char *dot = memchr(m->key, '.', m->key_len);
    if (m->key_len == 0 || memchr(m->key, '/', m->key_len) != NULL || memchr(m->key, '\0', m->key_len) != NULL ||
        strcmp(m->key, ".") == 0 || strcmp(m->key, "..") == 0 || strstr(m->key, "..") != NULL || dot == NULL ||
        dot == m->key) {
      kcg_error(c, ptr, "must name a file of the container's cgroup as \"controller.name\" (no \"/\" or \"..\")");
      continue;
    }
    if (!c->host->has_v2) {
      kcg_error(c, ptr, "unified settings need cgroup v2, which this host does not have mounted");
      continue;
    }
    size_t clen = (size_t)(dot - m->key);
    char *controller = kago_arena_strndup(c->a, m->key, clen);
    if (controller == NULL) return;
    /* "cgroup.*" files belong to the core, present everywhere. */
    if (strcmp(controller, "cgroup") != 0 && !names_v2_controller(c->host, m->key, clen)) {
      kcg_error(c, ptr, "the %s controller is not available on this host's cgroup v2 hierarchy", controller);
      continue;
    }
    /* One write sets one value: a NUL would cut the value short without a
     * word, and a line break inside it would hand the kernel a second value
     * the config does not show as one (a single trailing one is harmless,
     * the kernel's parsers take it). Found by fuzz/cgroups_fuzz.c. */
    const char *v = m->value->u.string.s;
    size_t vlen = m->value->u.string.len;
    const char *nl = memchr(v, '\n', vlen);
    if (memchr(v, '\0', vlen) != NULL || (nl != NULL && nl != v + vlen - 1)) {
      kcg_error(c, ptr, "must be a single value: no NUL and no line break before its end");
      continue;
    }
    kcg_emit(c, 2, controller, m->key, ptr, "%s", v);
  }
}
