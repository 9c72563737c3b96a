/* The linux object (config-linux.md), except resources and seccomp which have
 * their own files. */
#include <string.h>

#include "shape.h"

/* --- namespaces ---------------------------------------------------------- */

static const char *const namespace_types[] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", NULL};
static const struct spec_shape namespace_type = {
    .kind = SK_STRING, .type_name = "NamespaceType", .words = namespace_types};
static const struct spec_field namespace_fields[] = {
    {"type", &namespace_type, SF_REQUIRED},
    {"path", &spec_absolute_path, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape namespace_entry = {
    .kind = SK_OBJECT, .type_name = "LinuxNamespace", .fields = namespace_fields};

static void check_namespaces(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: "If a namespace type is specified more than once, the
   * runtime MUST generate an error" (duplicate namespace types). */
  for (size_t i = 1; i < v->u.array.count; i++) {
    const struct kj_value *ti = kj_get(v->u.array.items[i], "type");
    if (ti == NULL || ti->type != KJ_STRING) continue;
    for (size_t j = 0; j < i; j++) {
      const struct kj_value *tj = kj_get(v->u.array.items[j], "type");
      if (tj != NULL && tj->type == KJ_STRING && tj->u.string.len == ti->u.string.len &&
          memcmp(tj->u.string.s, ti->u.string.s, ti->u.string.len) == 0) {
        struct spec_path p = spec_index(at, i);
        spec_error(c, v->u.array.items[i], &p, "the %s namespace is already listed at /linux/namespaces/%zu",
                   spec_show(c, ti), j);
        break;
      }
    }
  }
}

static const struct spec_shape namespaces = {.kind = SK_ARRAY, .item = &namespace_entry, .check = check_namespaces};

/* --- devices ------------------------------------------------------------- */

static const char *const device_types[] = {"c", "b", "u", "p", NULL};
static const struct spec_shape device_type = {
    .kind = SK_STRING,
    .type_name = "LinuxDeviceType",
    .words = device_types,
    .range_name = "a device type: \"c\" (character), \"b\" (block), \"u\" (unbuffered character) or \"p\" (FIFO)"};
static const struct spec_shape file_mode = {
    .kind = SK_INT, .min = 0, .max = 0777, .range_name = "a permission mode from 0 to 0777"};

static void check_device(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const struct kj_value *type = kj_get(v, "type");
  if (type == NULL || type->type != KJ_STRING || spec_str_eq(type, "p")) return;
  if (!spec_str_eq(type, "c") && !spec_str_eq(type, "b") && !spec_str_eq(type, "u")) return;
  /* config-linux.md: major and minor are "REQUIRED unless type is p". */
  static const char *const numbers[] = {"major", "minor"};
  for (size_t i = 0; i < 2; i++) {
    if (kj_get(v, numbers[i]) == NULL) {
      struct spec_path p = spec_key(at, numbers[i]);
      spec_error(c, v, &p, "is required for a device of type %s", spec_show(c, type));
    }
  }
}

static const struct spec_field device_fields[] = {
    {"type", &device_type, SF_REQUIRED},
    {"path", &spec_absolute_path, SF_REQUIRED},
    {"major", &spec_int64, 0},
    {"minor", &spec_int64, 0},
    {"fileMode", &file_mode, 0},
    {"uid", &spec_uint32, 0},
    {"gid", &spec_uint32, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape device = {
    .kind = SK_OBJECT, .type_name = "LinuxDevice", .fields = device_fields, .check = check_device};
static const struct spec_shape devices = {.kind = SK_ARRAY, .item = &device};

/* --- rootfsPropagation ---------------------------------------------------- */

/* The schema lists private/shared/slave/unbindable; runc, crun and youki also
 * accept the recursive forms, which is what engines write. */
static const char *const propagations[] = {"private", "shared", "slave",       "unbindable", "rprivate",
                                           "rshared", "rslave", "runbindable", NULL};
static const struct spec_shape propagation = {
    .kind = SK_STRING, .type_name = "RootfsPropagation", .words = propagations};

/* --- cgroupsPath ---------------------------------------------------------- */

static bool has_dotdot_component(const char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && s[j] != '/') j++;
    if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') return true;
    i = j + 1;
  }
  return false;
}

static void check_cgroups_path(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const char *s = v->u.string.s;
  size_t len = v->u.string.len;
  spec_check_no_nul(c, v, at);
  const char *colon = memchr(s, ':', len);
  if (colon != NULL && s[0] != '/') {
    /* The systemd driver's form (runc, crun): "slice:prefix:name", where an
     * empty slice means the default one and the unit is prefix-name.scope. */
    const char *second = memchr(colon + 1, ':', len - (size_t)(colon + 1 - s));
    if (second == NULL || memchr(second + 1, ':', len - (size_t)(second + 1 - s)) != NULL) {
      spec_error(c, v, at, "must be a path, or \"slice:prefix:name\" for the systemd cgroup driver, found %s",
                 spec_show(c, v));
      return;
    }
    size_t slice_len = (size_t)(colon - s);
    if (memchr(s, '/', len) != NULL) {
      spec_error(c, v, at, "a systemd \"slice:prefix:name\" must not contain '/', found %s", spec_show(c, v));
    } else if (slice_len != 0 && (slice_len < 7 || memcmp(colon - 6, ".slice", 6) != 0)) {
      spec_error(c, v, at, "the slice of \"slice:prefix:name\" must end in \".slice\" (or be empty), found %s",
                 spec_show(c, v));
    } else if (second + 1 == s + len) {
      spec_error(c, v, at, "the name of \"slice:prefix:name\" must not be empty");
    }
    return;
  }
  /* config-linux.md: "Runtimes MAY consider certain cgroupsPath values to be
   * invalid"; a ".." component would leave the cgroup hierarchy it is
   * relative to. */
  if (has_dotdot_component(s, len))
    spec_error(c, v, at, "must not contain a \"..\" component, found %s", spec_show(c, v));
}

static const struct spec_shape cgroups_path = {.kind = SK_STRING, .check = check_cgroups_path};

/* --- sysctl ---------------------------------------------------------------- */

/* The sysctls that belong to a namespace (ipc_namespaces(7), and the
 * kernel's ipc/ipc_sysctl.c and ipc/mq_sysctl.c); every other kernel.* or
 * vm.* setting is global, and writing it from a container would change the
 * host. runc and crun keep the same lists. */
static const char *const ipc_sysctls[] = {
    "kernel.msgmax",      "kernel.msgmnb",      "kernel.msgmni",      "kernel.sem",
    "kernel.shmall",      "kernel.shmmax",      "kernel.shmmni",      "kernel.shm_rmid_forced",
    "kernel.msg_next_id", "kernel.sem_next_id", "kernel.shm_next_id", NULL,
};
static const char *const uts_sysctls[] = {"kernel.hostname", "kernel.domainname", NULL};

static bool name_in(const char *name, size_t len, const char *const *list) {
  for (; *list != NULL; list++) {
    if (strlen(*list) == len && memcmp(*list, name, len) == 0) return true;
  }
  return false;
}

static bool has_prefix(const char *s, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  return len >= n && memcmp(s, prefix, n) == 0;
}

static void check_sysctl(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  for (size_t i = 0; i < v->u.object.count; i++) {
    const struct kj_member *m = &v->u.object.members[i];
    struct spec_path p = {at, m->key, m->key_len, 0};
    /* sysctl(8) accepts '/' as the separator too; judge the dotted form. */
    char *name = kago_arena_strndup(c->arena, m->key, m->key_len);
    if (name == NULL) return;
    for (size_t k = 0; k < m->key_len; k++) {
      if (name[k] == '/') name[k] = '.';
    }
    size_t len = m->key_len;
    /* The key becomes a path under /proc/sys: an empty, "." or ".."
     * component would name another file. */
    bool bad = len == 0 || memchr(name, '\0', len) != NULL;
    for (size_t k = 0; !bad && k <= len;) {
      size_t e = k;
      while (e < len && name[e] != '.') e++;
      if (e == k) bad = true;
      k = e + 1;
    }
    if (bad) {
      spec_error(c, m->value, &p, "is not a sysctl name (dot-separated components such as \"net.ipv4.ip_forward\")");
      continue;
    }
    if (has_prefix(name, len, "net.")) {
      if (!(c->ns_listed & SPEC_NS_NETWORK))
        spec_error(
            c, m->value, &p,
            "needs a 'network' namespace in /linux/namespaces: without one it would change the host's network stack");
    } else if (name_in(name, len, ipc_sysctls) || has_prefix(name, len, "fs.mqueue.")) {
      if (!(c->ns_listed & SPEC_NS_IPC))
        spec_error(c, m->value, &p,
                   "needs an 'ipc' namespace in /linux/namespaces: without one it would change the host's IPC limits");
    } else if (len == strlen("kernel.hostname") && memcmp(name, "kernel.hostname", len) == 0 &&
               (c->ns_listed & SPEC_NS_UTS)) {
      /* runc refuses it with a UTS namespace whether /hostname is set or
       * not: two fields for one name, and the sysctl (written after
       * sethostname) would silently win over /hostname. */
      spec_error(c, m->value, &p, "conflicts with /hostname: set the container's hostname there");
    } else if (name_in(name, len, uts_sysctls)) {
      if (!(c->ns_listed & SPEC_NS_UTS))
        spec_error(c, m->value, &p,
                   "needs a 'uts' namespace in /linux/namespaces: without one it would rename the host");
    } else {
      spec_error(c, m->value, &p, "is not namespaced: setting it in a container would change it for the whole host");
    }
  }
}

static const struct spec_shape sysctl_value = {.kind = SK_STRING, .check = spec_check_no_nul};
static const struct spec_shape sysctl = {.kind = SK_MAP, .item = &sysctl_value, .check = check_sysctl};

/* --- timeOffsets ----------------------------------------------------------- */

static void check_nanosecs(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* time_namespaces(7): writing an offset with nanoseconds >= 10^9 to
   * /proc/PID/timens_offsets fails with EINVAL. */
  if (!spec_int_in(v, 0, 999999999)) spec_error(c, v, at, "must be less than 1000000000, found %s", spec_show(c, v));
}
static const struct spec_shape nanosecs = {
    .kind = SK_INT, .min = 0, .max = UINT32_MAX, .range_name = "an unsigned 32-bit integer", .check = check_nanosecs};
static const struct spec_field time_offset_fields[] = {
    {"secs", &spec_int64, 0},
    {"nanosecs", &nanosecs, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape time_offset = {
    .kind = SK_OBJECT, .type_name = "LinuxTimeOffset", .fields = time_offset_fields};

static void check_time_offsets(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  for (size_t i = 0; i < v->u.object.count; i++) {
    const struct kj_member *m = &v->u.object.members[i];
    struct spec_path p = {at, m->key, m->key_len, 0};
    bool known = (m->key_len == 9 && memcmp(m->key, "monotonic", 9) == 0) ||
                 (m->key_len == 8 && memcmp(m->key, "boottime", 8) == 0);
    /* time_namespaces(7): only CLOCK_MONOTONIC and CLOCK_BOOTTIME have
     * offsets; config-linux.md: "The name of the clock is the entry key". */
    if (!known)
      spec_error(c, m->value, &p, "is not a clock with a namespace offset: use \"monotonic\" or \"boottime\"");
  }
  /* Offsets can only be written to a time namespace the runtime creates,
   * before its first process starts (time_namespaces(7)). */
  if (!(c->ns_created & SPEC_NS_TIME))
    spec_error(c, v, at, "needs a new 'time' namespace (a 'time' entry without a path in /linux/namespaces)");
}
/* An object of the two clocks (so the generated type names them); the check
 * refuses the other members, which the walker leaves alone. */
static const struct spec_field time_offsets_fields[] = {
    {"boottime", &time_offset, 0},
    {"monotonic", &time_offset, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape time_offsets = {
    .kind = SK_OBJECT, .type_name = "LinuxTimeOffsets", .fields = time_offsets_fields, .check = check_time_offsets};

/* --- netDevices ------------------------------------------------------------ */

/* The kernel's dev_valid_name(): not empty, shorter than IFNAMSIZ (16), not
 * "." or "..", and no '/', ':' or white space. */
static bool valid_interface_name(const char *s, size_t len) {
  if (len == 0 || len >= 16) return false;
  if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '/' || ch == ':' || ch == ' ' || (ch >= '\t' && ch <= '\r') || ch == '\0') return false;
  }
  return true;
}

static void check_net_device_name(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  if (!valid_interface_name(v->u.string.s, v->u.string.len))
    spec_error(c, v, at, "must be a network interface name (1 to 15 characters, no '/', ':' or spaces), found %s",
               spec_show(c, v));
}
static const struct spec_shape net_device_name = {.kind = SK_STRING, .check = check_net_device_name};
static const struct spec_field net_device_fields[] = {
    {"name", &net_device_name, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape net_device = {
    .kind = SK_OBJECT, .type_name = "LinuxNetDevice", .fields = net_device_fields};

static void check_net_devices(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  for (size_t i = 0; i < v->u.object.count; i++) {
    const struct kj_member *m = &v->u.object.members[i];
    if (!valid_interface_name(m->key, m->key_len)) {
      struct spec_path p = {at, m->key, m->key_len, 0};
      spec_error(c, m->value, &p, "is not a network interface name (1 to 15 characters, no '/', ':' or spaces)");
    }
  }
  /* config-linux.md: the devices are moved "from the host network namespace
   * into the container network namespace"; without a network namespace there
   * is nowhere to move them. A warning, not an error: the spec's own good
   * fixture (linux-netdevice.json) lists devices and no namespaces, and
   * create reports the failure with the namespaces it actually has. */
  if (v->u.object.count != 0 && !(c->ns_listed & SPEC_NS_NETWORK))
    spec_warning(c, v, at, "has no effect without a 'network' namespace in /linux/namespaces to move the devices into");
}
static const struct spec_shape net_devices = {.kind = SK_MAP, .item = &net_device, .check = check_net_devices};

/* --- intelRdt ---------------------------------------------------------------- */

static void check_clos_id(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* closID names a directory under the resctrl mount. */
  const char *s = v->u.string.s;
  size_t len = v->u.string.len;
  if (len == 0 || memchr(s, '/', len) != NULL || memchr(s, '\0', len) != NULL || (len == 1 && s[0] == '.') ||
      (len == 2 && s[0] == '.' && s[1] == '.'))
    spec_error(c, v, at,
               "must be a directory name under the resctrl file system (no '/', not \".\" or \"..\"), found %s",
               spec_show(c, v));
}

static void check_l3_schema(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: "The value SHOULD start with L3: and SHOULD NOT contain
   * newlines." */
  if (v->u.string.len < 3 || memcmp(v->u.string.s, "L3:", 3) != 0 ||
      memchr(v->u.string.s, '\n', v->u.string.len) != NULL)
    spec_warning(c, v, at, "should start with \"L3:\" and have no newline, found %s", spec_show(c, v));
}

static void check_mb_schema(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: "The value MUST start with MB: and MUST NOT contain
   * newlines." */
  if (v->u.string.len < 3 || memcmp(v->u.string.s, "MB:", 3) != 0 ||
      memchr(v->u.string.s, '\n', v->u.string.len) != NULL)
    spec_error(c, v, at, "must start with \"MB:\" and have no newline, found %s", spec_show(c, v));
}

static const struct spec_shape clos_id = {.kind = SK_STRING, .check = check_clos_id};
static const struct spec_shape l3_schema = {.kind = SK_STRING, .check = check_l3_schema};
static const struct spec_shape mb_schema = {.kind = SK_STRING, .check = check_mb_schema};
static const struct spec_field intel_rdt_fields[] = {
    {"closID", &clos_id, 0},        {"schemata", &spec_strings, 0},      {"l3CacheSchema", &l3_schema, 0},
    {"memBwSchema", &mb_schema, 0}, {"enableMonitoring", &spec_bool, 0}, {NULL, NULL, 0},
};
static const struct spec_shape intel_rdt = {
    .kind = SK_OBJECT, .type_name = "LinuxIntelRdt", .fields = intel_rdt_fields};

/* --- memoryPolicy ------------------------------------------------------------ */

static const char *const mpol_modes[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",      NULL};
static const char *const mpol_flags[] = {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL};
static const struct spec_shape mpol_mode = {.kind = SK_STRING, .type_name = "MemoryPolicyMode", .words = mpol_modes};
static const struct spec_shape mpol_flag = {.kind = SK_STRING, .type_name = "MemoryPolicyFlag", .words = mpol_flags};
static const struct spec_shape mpol_flag_list = {.kind = SK_ARRAY, .item = &mpol_flag};

static void check_nodes(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* A node list as in cpuset(7) ("0-3,7"); an empty one is "no nodes". */
  if (v->u.string.len != 0 && !spec_parse_id_list(v->u.string.s, v->u.string.len, false, SPEC_MAX_MASK_BIT))
    spec_error(c, v, at,
               "must be a list of NUMA nodes such as \"0-3,7\" (ranges in increasing order, nodes 0 to %u), found %s",
               SPEC_MAX_MASK_BIT, spec_show(c, v));
}
static const struct spec_shape mpol_nodes = {.kind = SK_STRING, .check = check_nodes};

static bool list_has(const struct kj_value *list, const char *word) {
  if (list == NULL || list->type != KJ_ARRAY) return false;
  for (size_t i = 0; i < list->u.array.count; i++) {
    if (spec_str_eq(list->u.array.items[i], word)) return true;
  }
  return false;
}

static void check_memory_policy(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const struct kj_value *mode = kj_get(v, "mode");
  const struct kj_value *nodes = kj_get(v, "nodes");
  const struct kj_value *flags = kj_get(v, "flags");
  struct spec_path pn = spec_key(at, "nodes");
  struct spec_path pf = spec_key(at, "flags");
  if (mode == NULL || mode->type != KJ_STRING) return;
  bool empty = nodes == NULL || (nodes->type == KJ_STRING && nodes->u.string.len == 0);
  /* set_mempolicy(2): MPOL_DEFAULT and MPOL_LOCAL take an empty node mask;
   * BIND, INTERLEAVE, WEIGHTED_INTERLEAVE and PREFERRED_MANY need at least one
   * node (EINVAL otherwise); PREFERRED with no node means "local". */
  if ((spec_str_eq(mode, "MPOL_DEFAULT") || spec_str_eq(mode, "MPOL_LOCAL")) && !empty) {
    spec_error(c, nodes, &pn, "must be empty with %s", mode->u.string.s);
  } else if ((spec_str_eq(mode, "MPOL_BIND") || spec_str_eq(mode, "MPOL_INTERLEAVE") ||
              spec_str_eq(mode, "MPOL_WEIGHTED_INTERLEAVE") || spec_str_eq(mode, "MPOL_PREFERRED_MANY")) &&
             empty) {
    spec_error(c, nodes != NULL ? nodes : v, &pn, "must name at least one node with %s", mode->u.string.s);
  }
  /* set_mempolicy(2): STATIC and RELATIVE are mutually exclusive; flags are
   * not allowed with MPOL_DEFAULT/MPOL_LOCAL; NUMA_BALANCING only with
   * MPOL_BIND. */
  if (list_has(flags, "MPOL_F_STATIC_NODES") && list_has(flags, "MPOL_F_RELATIVE_NODES"))
    spec_error(c, flags, &pf, "must not combine MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES");
  if ((spec_str_eq(mode, "MPOL_DEFAULT") || spec_str_eq(mode, "MPOL_LOCAL")) && flags != NULL &&
      flags->type == KJ_ARRAY && flags->u.array.count != 0)
    spec_error(c, flags, &pf, "must be empty with %s", mode->u.string.s);
  else if (list_has(flags, "MPOL_F_NUMA_BALANCING") && !spec_str_eq(mode, "MPOL_BIND"))
    spec_error(c, flags, &pf, "MPOL_F_NUMA_BALANCING is only allowed with MPOL_BIND");
}

static const struct spec_field memory_policy_fields[] = {
    /* config-linux.md: mode is REQUIRED. */
    {"mode", &mpol_mode, SF_REQUIRED},
    {"nodes", &mpol_nodes, 0},
    {"flags", &mpol_flag_list, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape memory_policy = {
    .kind = SK_OBJECT, .type_name = "LinuxMemoryPolicy", .fields = memory_policy_fields, .check = check_memory_policy};

/* --- personality -------------------------------------------------------------- */

static const char *const personality_domains[] = {"LINUX", "LINUX32", NULL};
static const struct spec_shape personality_domain = {
    .kind = SK_STRING, .type_name = "PersonalityDomain", .words = personality_domains};

static void check_personality_flags(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: flags are "the additional flags to apply. Currently no
   * flag values are supported." */
  for (size_t i = 0; i < v->u.array.count; i++) {
    struct spec_path p = spec_index(at, i);
    if (v->u.array.items[i]->type == KJ_STRING)
      spec_error(c, v->u.array.items[i], &p, "no personality flags are supported (runtime-spec 1.3.0), found %s",
                 spec_show(c, v->u.array.items[i]));
  }
}
static const struct spec_shape personality_flags = {
    .kind = SK_ARRAY, .item = &spec_string, .check = check_personality_flags};
static const struct spec_field personality_fields[] = {
    /* config-linux.md: domain is REQUIRED. */
    {"domain", &personality_domain, SF_REQUIRED},
    {"flags", &personality_flags, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape personality = {
    .kind = SK_OBJECT, .type_name = "LinuxPersonality", .fields = personality_fields};

/* --- the linux object ----------------------------------------------------- */

static void check_linux(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* runc: "user namespaces enabled, but no uid/gid mappings": a new user
   * namespace without mappings has no ids at all, and the container's
   * processes would run as the overflow id. */
  static const char *const maps[] = {"uidMappings", "gidMappings"};
  for (size_t i = 0; i < 2; i++) {
    const struct kj_value *m = kj_get(v, maps[i]);
    struct spec_path p = spec_key(at, maps[i]);
    if (m == NULL && (c->ns_created & SPEC_NS_USER)) {
      spec_error(
          c, v, &p,
          "is required when a new user namespace is created (a 'user' entry without a path in /linux/namespaces)");
    } else if (m != NULL && !(c->ns_created & SPEC_NS_USER)) {
      /* Mappings are written once, into a user namespace the runtime
       * creates; a joined namespace already has its own. */
      spec_warning(c, m, &p,
                   "is ignored: no new user namespace is created (a 'user' entry without a path in /linux/namespaces)");
    }
  }
}

static const struct spec_shape mount_label = {.kind = SK_STRING, .check = spec_check_no_nul};

static const struct spec_field linux_fields[] = {
    {"namespaces", &namespaces, 0},
    {"uidMappings", &spec_id_mappings, 0},
    {"gidMappings", &spec_id_mappings, 0},
    {"devices", &devices, 0},
    {"cgroupsPath", &cgroups_path, 0},
    {"timeOffsets", &time_offsets, 0},
    {"netDevices", &net_devices, 0},
    {"rootfsPropagation", &propagation, 0},
    {"resources", &spec_linux_resources, 0},
    {"seccomp", &spec_linux_seccomp, 0},
    {"sysctl", &sysctl, 0},
    {"maskedPaths", &spec_absolute_paths, 0},
    {"readonlyPaths", &spec_absolute_paths, 0},
    {"mountLabel", &mount_label, 0},
    {"intelRdt", &intel_rdt, 0},
    {"memoryPolicy", &memory_policy, 0},
    {"personality", &personality, 0},
    {NULL, NULL, 0},
};
const struct spec_shape spec_linux = {
    .kind = SK_OBJECT, .type_name = "Linux", .fields = linux_fields, .check = check_linux};
