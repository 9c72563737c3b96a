/* mounts (config.md "Mounts", config-linux.md for Linux mount options). */
#include <string.h>

#include "mount_options.h"
#include "shape.h"

static void check_destination(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config.md (1.2.0): on Linux a relative destination is allowed and is
   * relative to "/" in the container; an empty one names no place. */
  if (v->u.string.len == 0) {
    spec_error(c, v, at, "must not be empty");
    return;
  }
  spec_check_no_nul(c, v, at);
}

static bool is_flag(const struct kj_value *v) {
  return v->type == KJ_STRING && spec_mount_option_find(v->u.string.s, v->u.string.len) != NULL;
}

static bool has_option(const struct kj_value *options, const char *name) {
  if (options == NULL || options->type != KJ_ARRAY) return false;
  for (size_t i = 0; i < options->u.array.count; i++) {
    if (spec_str_eq(options->u.array.items[i], name)) return true;
  }
  return false;
}

static bool has_mappings(const struct kj_value *maps) {
  return maps != NULL && maps->type == KJ_ARRAY && maps->u.array.count > 0;
}

static void check_mount(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const struct kj_value *options = kj_get(v, "options");
  const struct kj_value *uid_maps = kj_get(v, "uidMappings");
  const struct kj_value *gid_maps = kj_get(v, "gidMappings");
  const struct kj_value *type = kj_get(v, "type");
  bool bind = spec_str_eq(type, "bind") || has_option(options, "bind") || has_option(options, "rbind");
  bool idmap = has_option(options, "idmap") || has_option(options, "ridmap");
  /* An id-mapped mount is made from a user namespace that has both maps
   * (mount_setattr(2) MOUNT_ATTR_IDMAP); runc refuses one without the other. */
  if ((uid_maps == NULL) != (gid_maps == NULL)) {
    struct spec_path p = spec_key(at, uid_maps == NULL ? "uidMappings" : "gidMappings");
    spec_error(c, v, &p, "is required with %s: an id-mapped mount needs both",
               uid_maps == NULL ? "gidMappings" : "uidMappings");
  }
  if ((uid_maps != NULL || gid_maps != NULL || idmap) && !bind) {
    /* runc refuses id-mapped mounts other than bind mounts: it sets
     * MOUNT_ATTR_IDMAP (mount_setattr(2)) on a detached copy of the source
     * made with open_tree(OPEN_TREE_CLONE), which only a bind mount has. */
    struct spec_path p = spec_key(at, "options");
    spec_error(c, options != NULL ? options : v, &p,
               "an id-mapped mount (idmap, ridmap or mappings) must be a bind mount (\"bind\" or \"rbind\")");
  }
  if (bind && !spec_str_eq(type, "cgroup")) {
    /* A bind mount copies a place that exists; without a source there is
     * none (a cgroup mount takes its tree from the kernel, whatever its
     * options say). */
    const struct kj_value *source = kj_get(v, "source");
    if (source == NULL || (source->type == KJ_STRING && source->u.string.len == 0)) {
      struct spec_path p = spec_key(at, "source");
      spec_error(c, source != NULL ? source : v, &p, "a bind mount needs a source");
    }
  }
  if (bind && (idmap || uid_maps != NULL || gid_maps != NULL) && (uid_maps == NULL) == (gid_maps == NULL) &&
      !(has_mappings(uid_maps) && has_mappings(gid_maps))) {
    /* The mapping is the mount's own or, without one, that of the
     * container's user namespace: the id-mapped tree is made in a user
     * namespace with those maps, and an empty map maps nobody. */
    const struct kj_value *linux_obj = kj_get(c->root, "linux");
    bool user = (c->ns_listed & SPEC_NS_USER) != 0;
    bool from_linux = uid_maps == NULL && user && has_mappings(kj_get(linux_obj, "uidMappings")) &&
                      has_mappings(kj_get(linux_obj, "gidMappings"));
    if (!from_linux) {
      struct spec_path p = spec_key(at, "uidMappings");
      spec_error(
          c, uid_maps != NULL ? uid_maps : v, &p,
          "an id-mapped mount needs uidMappings and gidMappings, on the mount or on a user namespace of the container");
    }
  }
  if (bind && options != NULL && options->type == KJ_ARRAY) {
    for (size_t i = 0; i < options->u.array.count; i++) {
      const struct kj_value *o = options->u.array.items[i];
      if (o->type == KJ_STRING && !is_flag(o)) {
        /* MS_BIND ignores the data argument of mount(2). */
        struct spec_path po = spec_key(at, "options");
        struct spec_path p = spec_index(&po, i);
        spec_warning(c, o, &p,
                     "%s is not a mount flag, and a bind mount takes no file system options: it has no effect",
                     spec_show(c, o));
      }
    }
  }
}

static const struct spec_shape destination = {.kind = SK_STRING, .check = check_destination};
static const struct spec_shape no_nul_string = {.kind = SK_STRING, .check = spec_check_no_nul};
static const struct spec_shape option = {.kind = SK_STRING, .check = spec_check_no_nul};
static const struct spec_shape options = {.kind = SK_ARRAY, .item = &option};

static const struct spec_field mount_fields[] = {
    {"destination", &destination, SF_REQUIRED},
    {"source", &no_nul_string, 0},
    {"type", &no_nul_string, 0},
    {"options", &options, 0},
    {"uidMappings", &spec_id_mappings, 0},
    {"gidMappings", &spec_id_mappings, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape mount = {
    .kind = SK_OBJECT, .type_name = "Mount", .fields = mount_fields, .check = check_mount};
const struct spec_shape spec_mounts = {.kind = SK_ARRAY, .item = &mount};
