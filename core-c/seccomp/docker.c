/* Docker profile -> OCI linux.seccomp. The rules follow moby/profiles
 * seccomp/seccomp_linux.go (setupSeccomp) and seccomp/seccomp.go (the JSON
 * shapes, KernelVersion); the output has the shape runtime-spec's Go types
 * marshal to (omitempty fields left out), so it compares equal as JSON to
 * what Docker hands its runtime. */
#include "docker.h"

#include <string.h>

/* Docker matches includes/excludes "arches" against libseccomp-style native
 * names ("amd64", "arm64", "x86") and archMap against OCI names. The option
 * is accepted in any of the three spellings. moby's own tables map loong64
 * and mipsle to keys its second table lacks, so Docker on those hosts emits
 * no architectures; kago follows the evident intent instead. */
struct docker_arch {
  const char *go;
  const char *native;
  const char *oci;
};

static const struct docker_arch docker_arches[] = {
    {"386", "x86", "SCMP_ARCH_X86"},
    {"amd64", "amd64", "SCMP_ARCH_X86_64"},
    {"arm", "arm", "SCMP_ARCH_ARM"},
    {"arm64", "arm64", "SCMP_ARCH_AARCH64"},
    {"loong64", "loongarch64", "SCMP_ARCH_LOONGARCH64"},
    {"mips64", "mips64", "SCMP_ARCH_MIPS64"},
    {"mips64p32", "mips64n32", "SCMP_ARCH_MIPS64N32"},
    {"mips64le", "mipsel64", "SCMP_ARCH_MIPSEL64"},
    {"mips64p32le", "mipsel64n32", "SCMP_ARCH_MIPSEL64N32"},
    {"mipsle", "mipsel", "SCMP_ARCH_MIPSEL"},
    {"ppc", "ppc", "SCMP_ARCH_PPC"},
    {"ppc64", "ppc64", "SCMP_ARCH_PPC64"},
    {"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"},
    {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
    {"s390", "s390", "SCMP_ARCH_S390"},
    {"s390x", "s390x", "SCMP_ARCH_S390X"},
};

#define DOCKER_ARCH_COUNT (sizeof docker_arches / sizeof docker_arches[0])

struct kernel_version {
  uint64_t kernel, major;
};

struct conversion {
  struct kago_arena *a;
  struct kago_problems *problems;
  const struct docker_arch *arch;
  const struct kj_value *caps; /* KJ_ARRAY of KJ_STRING, may be NULL */
  bool has_kernel;
  struct kernel_version kernel;
};

static bool str_eq(const struct kj_value *v, const char *s) {
  size_t n = strlen(s);
  return v != NULL && v->type == KJ_STRING && v->u.string.len == n && memcmp(v->u.string.s, s, n) == 0;
}

static bool is_present(const struct kj_value *v) { return v != NULL && v->type != KJ_NULL; }

static void problem(struct conversion *c, const char *pointer, const struct kj_value *at, const char *message) {
  if (at != NULL)
    kago_problem_add_at(c->problems, KAGO_ERROR, pointer, at->line, at->column, "%s", message);
  else
    kago_problem_add(c->problems, KAGO_ERROR, pointer, "%s", message);
}

/* A string array (or null/absent, which Go decodes as an empty slice). */
static bool check_strings(struct conversion *c, const struct kj_value *v, const char *pointer) {
  if (!is_present(v)) return true;
  if (v->type != KJ_ARRAY) {
    problem(c, pointer, v, "must be an array of strings");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < v->u.array.count; i++) {
    if (v->u.array.items[i]->type != KJ_STRING) {
      problem(c, kj_pointer_index(c->a, pointer, i), v->u.array.items[i], "must be a string");
      ok = false;
    }
  }
  return ok;
}

static bool check_string(struct conversion *c, const struct kj_value *v, const char *pointer) {
  if (!is_present(v) || v->type == KJ_STRING) return true;
  problem(c, pointer, v, "must be a string");
  return false;
}

static bool check_uint(struct conversion *c, const struct kj_value *v, const char *pointer) {
  uint64_t n;
  if (!is_present(v) || (v->type == KJ_NUMBER && kj_as_u64(v, &n))) return true;
  problem(c, pointer, v, "must be a non-negative integer");
  return false;
}

static size_t count_of(const struct kj_value *v) { return v != NULL && v->type == KJ_ARRAY ? v->u.array.count : 0; }

static bool contains(const struct kj_value *list, const char *s, size_t len) {
  for (size_t i = 0; i < count_of(list); i++) {
    const struct kj_value *item = list->u.array.items[i];
    if (item->type == KJ_STRING && item->u.string.len == len && memcmp(item->u.string.s, s, len) == 0) return true;
  }
  return false;
}

/* A decimal number in 0..max, as Go's strconv.ParseUint(s, 10, bits) reads
 * it: digits only, no sign, no space. */
static bool parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out) {
  if (len == 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
    if (v > max) return false;
  }
  *out = v;
  return true;
}

/* minKernel: "<kernel>.<major>", each 0..255, not "0.0"; "" means none
 * (moby's KernelVersion.UnmarshalJSON). */
static bool parse_min_kernel(struct conversion *c, const struct kj_value *v, const char *pointer, bool *present,
                             struct kernel_version *out) {
  *present = false;
  if (!is_present(v)) return true;
  if (v->type != KJ_STRING) {
    problem(c, pointer, v, "must be a string \"<kernel>.<major>\" (e.g. \"4.8\")");
    return false;
  }
  const char *s = v->u.string.s;
  size_t len = v->u.string.len;
  if (len == 0) return true;
  const char *dot = memchr(s, '.', len);
  if (dot == NULL || memchr(dot + 1, '.', len - (size_t)(dot + 1 - s)) != NULL ||
      !parse_decimal(s, (size_t)(dot - s), 255, &out->kernel) ||
      !parse_decimal(dot + 1, len - (size_t)(dot + 1 - s), 255, &out->major)) {
    problem(c, pointer, v, "must be \"<kernel>.<major>\" with numbers 0-255 (e.g. \"4.8\")");
    return false;
  }
  if (out->kernel == 0 && out->major == 0) {
    problem(c, pointer, v, "version cannot be 0.0");
    return false;
  }
  *present = true;
  return true;
}

static bool kernel_at_least(const struct conversion *c, const struct kernel_version *min) {
  return c->kernel.kernel > min->kernel || (c->kernel.kernel == min->kernel && c->kernel.major >= min->major);
}

struct filter {
  const struct kj_value *caps, *arches;
  bool has_min_kernel;
  struct kernel_version min_kernel;
};

static bool parse_filter(struct conversion *c, const struct kj_value *v, const char *pointer, struct filter *f) {
  memset(f, 0, sizeof *f);
  if (!is_present(v)) return true;
  if (v->type != KJ_OBJECT) {
    problem(c, pointer, v, "must be an object with caps, arches and minKernel");
    return false;
  }
  f->caps = kj_get(v, "caps");
  f->arches = kj_get(v, "arches");
  bool ok = check_strings(c, f->caps, kj_pointer_key(c->a, pointer, "caps"));
  ok = check_strings(c, f->arches, kj_pointer_key(c->a, pointer, "arches")) && ok;
  ok = parse_min_kernel(c, kj_get(v, "minKernel"), kj_pointer_key(c->a, pointer, "minKernel"), &f->has_min_kernel,
                        &f->min_kernel) &&
       ok;
  if (f->has_min_kernel && !c->has_kernel) {
    problem(c, kj_pointer_key(c->a, pointer, "minKernel"), v,
            "depends on the host's kernel version: pass the kernel option (e.g. \"6.1\")");
    ok = false;
  }
  return ok;
}

static bool has_cap(const struct conversion *c, const struct kj_value *cap) {
  return cap->type == KJ_STRING && contains(c->caps, cap->u.string.s, cap->u.string.len);
}

static bool native_in(const struct conversion *c, const struct kj_value *arches) {
  return contains(arches, c->arch->native, strlen(c->arch->native));
}

/* Excludes: any one match drops the entry. Includes: every condition must
 * hold, and every listed capability must be in the bounding set. */
static bool entry_applies(const struct conversion *c, const struct filter *inc, const struct filter *exc) {
  if (count_of(exc->arches) > 0 && native_in(c, exc->arches)) return false;
  for (size_t i = 0; i < count_of(exc->caps); i++)
    if (has_cap(c, exc->caps->u.array.items[i])) return false;
  if (exc->has_min_kernel && kernel_at_least(c, &exc->min_kernel)) return false;
  if (count_of(inc->arches) > 0 && !native_in(c, inc->arches)) return false;
  for (size_t i = 0; i < count_of(inc->caps); i++)
    if (!has_cap(c, inc->caps->u.array.items[i])) return false;
  if (inc->has_min_kernel && !kernel_at_least(c, &inc->min_kernel)) return false;
  return true;
}

/* Members of an object under construction, in the order Go marshals them. */
struct members {
  const char *keys[8];
  struct kj_value *values[8];
  size_t n;
};

static void add(struct members *m, const char *key, struct kj_value *value) {
  m->keys[m->n] = key;
  m->values[m->n] = value;
  m->n++;
}

static struct kj_value *build(struct kago_arena *a, const struct members *m) {
  struct kj_value *obj = kj_new_object(a, m->n);
  if (obj == NULL) return NULL;
  for (size_t i = 0; i < m->n; i++)
    if (!kj_set_member(a, obj, i, m->keys[i], m->values[i])) return NULL;
  return obj;
}

static struct kj_value *zero(struct kago_arena *a) { return kj_new_u64(a, 0); }

/* LinuxSeccompArg: index, value, valueTwo (omitted when 0), op. */
static struct kj_value *convert_arg(struct conversion *c, const struct kj_value *arg, const char *pointer, bool *ok) {
  if (arg->type != KJ_OBJECT) {
    problem(c, pointer, arg, "must be an object with index, value, valueTwo and op");
    *ok = false;
    return NULL;
  }
  const struct kj_value *index = kj_get(arg, "index"), *value = kj_get(arg, "value"),
                        *value_two = kj_get(arg, "valueTwo"), *op = kj_get(arg, "op");
  bool good = check_uint(c, index, kj_pointer_key(c->a, pointer, "index"));
  good = check_uint(c, value, kj_pointer_key(c->a, pointer, "value")) && good;
  good = check_uint(c, value_two, kj_pointer_key(c->a, pointer, "valueTwo")) && good;
  good = check_string(c, op, kj_pointer_key(c->a, pointer, "op")) && good;
  if (!good) {
    *ok = false;
    return NULL;
  }
  uint64_t two = 0;
  if (is_present(value_two)) kj_as_u64(value_two, &two);
  struct members m = {0};
  add(&m, "index", is_present(index) ? (struct kj_value *)index : zero(c->a));
  add(&m, "value", is_present(value) ? (struct kj_value *)value : zero(c->a));
  if (two != 0) add(&m, "valueTwo", (struct kj_value *)value_two);
  add(&m, "op", is_present(op) ? (struct kj_value *)op : kj_new_string(c->a, "", 0));
  return build(c->a, &m);
}

/* One syscalls[] entry; *keep is false when its filters drop it. */
static struct kj_value *convert_entry(struct conversion *c, const struct kj_value *e, const char *pointer, bool *keep,
                                      bool *ok) {
  *keep = false;
  if (e->type != KJ_OBJECT) {
    problem(c, pointer, e, "must be an object");
    *ok = false;
    return NULL;
  }
  const struct kj_value *name = kj_get(e, "name"), *names = kj_get(e, "names"), *action = kj_get(e, "action"),
                        *errno_ret = kj_get(e, "errnoRet"), *args = kj_get(e, "args");
  bool good = check_string(c, name, kj_pointer_key(c->a, pointer, "name"));
  good = check_strings(c, names, kj_pointer_key(c->a, pointer, "names")) && good;
  good = check_string(c, action, kj_pointer_key(c->a, pointer, "action")) && good;
  good = check_string(c, kj_get(e, "comment"), kj_pointer_key(c->a, pointer, "comment")) && good;
  good = check_uint(c, errno_ret, kj_pointer_key(c->a, pointer, "errnoRet")) && good;
  bool has_name = is_present(name) && name->type == KJ_STRING && name->u.string.len > 0;
  if (has_name && count_of(names) > 0) {
    problem(c, pointer, e, "both 'name' and 'names' are specified: use either 'name' or 'names'");
    good = false;
  }
  struct filter inc, exc;
  good = parse_filter(c, kj_get(e, "includes"), kj_pointer_key(c->a, pointer, "includes"), &inc) && good;
  good = parse_filter(c, kj_get(e, "excludes"), kj_pointer_key(c->a, pointer, "excludes"), &exc) && good;

  struct kj_value *out_args = NULL;
  if (is_present(args)) {
    const char *args_ptr = kj_pointer_key(c->a, pointer, "args");
    if (args->type != KJ_ARRAY) {
      problem(c, args_ptr, args, "must be an array");
      good = false;
    } else if (args->u.array.count > 0) {
      out_args = kj_new_array(c->a, args->u.array.count);
      for (size_t i = 0; out_args != NULL && i < args->u.array.count; i++) {
        out_args->u.array.items[i] = convert_arg(c, args->u.array.items[i], kj_pointer_index(c->a, args_ptr, i), &good);
      }
    }
  }
  if (!good) {
    *ok = false;
    return NULL;
  }
  if (!entry_applies(c, &inc, &exc)) return NULL;
  *keep = true;

  struct kj_value *out_names;
  if (has_name) {
    out_names = kj_new_array(c->a, 1);
    if (out_names != NULL) out_names->u.array.items[0] = (struct kj_value *)name;
  } else {
    /* Go marshals a nil slice as null. */
    out_names = is_present(names) ? (struct kj_value *)names : kj_new_null(c->a);
  }
  struct members m = {0};
  add(&m, "names", out_names);
  add(&m, "action", is_present(action) ? (struct kj_value *)action : kj_new_string(c->a, "", 0));
  if (is_present(errno_ret)) add(&m, "errnoRet", (struct kj_value *)errno_ret);
  if (out_args != NULL) add(&m, "args", out_args);
  return build(c->a, &m);
}

static bool parse_options(struct conversion *c, const struct kj_value *o) {
  if (o == NULL || o->type != KJ_OBJECT) {
    problem(c, "/options", o, "must be an object {arch, capabilities, kernel}");
    return false;
  }
  bool ok = true;
  const struct kj_value *arch = kj_get(o, "arch");
  if (arch == NULL || arch->type != KJ_STRING) {
    problem(c, "/options/arch", arch, "is required: the container's architecture (\"amd64\", \"arm64\", ...)");
    ok = false;
  } else {
    for (size_t i = 0; i < DOCKER_ARCH_COUNT && c->arch == NULL; i++) {
      const struct docker_arch *d = &docker_arches[i];
      if (str_eq(arch, d->go) || str_eq(arch, d->native) || str_eq(arch, d->oci)) c->arch = d;
    }
    if (c->arch == NULL) {
      kago_problem_add(c->problems, KAGO_ERROR, "/options/arch",
                       "unknown architecture \"%s\" (Go names: amd64, arm64, 386, arm, ppc64le, s390x, riscv64, ...)",
                       arch->u.string.s);
      ok = false;
    }
  }
  c->caps = kj_get(o, "capabilities");
  ok = check_strings(c, c->caps, "/options/capabilities") && ok;
  const struct kj_value *kernel = kj_get(o, "kernel");
  if (is_present(kernel)) {
    /* Like Docker's parseRelease ("%d.%d"): "6.1.0-13-amd64" is 6.1. */
    const char *s = kernel->type == KJ_STRING ? kernel->u.string.s : "";
    size_t i = 0, j;
    for (; s[i] >= '0' && s[i] <= '9'; i++) continue;
    for (j = i + 1; s[i] == '.' && s[j] >= '0' && s[j] <= '9'; j++) continue;
    if (i == 0 || s[i] != '.' || j == i + 1 || !parse_decimal(s, i, UINT32_MAX, &c->kernel.kernel) ||
        !parse_decimal(s + i + 1, j - i - 1, UINT32_MAX, &c->kernel.major)) {
      problem(c, "/options/kernel", kernel, "must be a kernel release \"<kernel>.<major>[...]\" (e.g. \"6.1\")");
      ok = false;
    } else {
      c->has_kernel = true;
    }
  }
  return ok;
}

struct kj_value *ksc_docker_to_oci(struct kago_arena *a, const struct kj_value *profile, const struct kj_value *options,
                                   struct kago_problems *problems, bool *disabled) {
  struct conversion c = {.a = a, .problems = problems};
  *disabled = false;
  bool ok = parse_options(&c, options);
  if (profile->type != KJ_OBJECT) {
    problem(&c, "", profile, "a seccomp profile must be a JSON object");
    return NULL;
  }
  const struct kj_value *default_action = kj_get(profile, "defaultAction"), *syscalls = kj_get(profile, "syscalls"),
                        *architectures = kj_get(profile, "architectures"), *arch_map = kj_get(profile, "archMap");
  ok = check_string(&c, default_action, "/defaultAction") && ok;
  if (is_present(syscalls) && syscalls->type != KJ_ARRAY) {
    problem(&c, "/syscalls", syscalls, "must be an array");
    return NULL;
  }
  bool no_default =
      !is_present(default_action) || (default_action->type == KJ_STRING && default_action->u.string.len == 0);
  if (no_default && count_of(syscalls) == 0) {
    *disabled = ok;
    return NULL;
  }
  ok = check_strings(&c, architectures, "/architectures") && ok;
  ok = check_strings(&c, kj_get(profile, "flags"), "/flags") && ok;
  ok = check_uint(&c, kj_get(profile, "defaultErrnoRet"), "/defaultErrnoRet") && ok;
  ok = check_string(&c, kj_get(profile, "listenerPath"), "/listenerPath") && ok;
  ok = check_string(&c, kj_get(profile, "listenerMetadata"), "/listenerMetadata") && ok;
  if (count_of(architectures) > 0 && count_of(arch_map) > 0) {
    problem(&c, "/archMap", arch_map, "both 'architectures' and 'archMap' are specified: use either one");
    ok = false;
  }

  /* archMap: the first entry for the container's architecture contributes
   * it and its sub-architectures (a 64-bit kernel also runs its 32-bit
   * ABIs, which a filter must cover or deny). */
  const struct kj_value *sub = NULL, *main_arch = NULL;
  if (is_present(arch_map) && arch_map->type != KJ_ARRAY) {
    problem(&c, "/archMap", arch_map, "must be an array of {architecture, subArchitectures}");
    ok = false;
  }
  for (size_t i = 0; i < count_of(arch_map); i++) {
    const struct kj_value *entry = arch_map->u.array.items[i];
    const char *ptr = kj_pointer_index(a, "/archMap", i);
    if (entry->type != KJ_OBJECT) {
      problem(&c, ptr, entry, "must be an object {architecture, subArchitectures}");
      ok = false;
      continue;
    }
    const struct kj_value *arch = kj_get(entry, "architecture"), *subs = kj_get(entry, "subArchitectures");
    ok = check_string(&c, arch, kj_pointer_key(a, ptr, "architecture")) && ok;
    ok = check_strings(&c, subs, kj_pointer_key(a, ptr, "subArchitectures")) && ok;
    if (main_arch == NULL && c.arch != NULL && str_eq(arch, c.arch->oci)) {
      main_arch = arch;
      sub = subs;
    }
  }

  size_t nsyscalls = count_of(syscalls), kept = 0;
  struct kj_value **out_calls = kago_arena_alloc(a, (nsyscalls + 1) * sizeof *out_calls);
  if (out_calls == NULL) return NULL;
  for (size_t i = 0; i < nsyscalls; i++) {
    bool keep;
    struct kj_value *call =
        convert_entry(&c, syscalls->u.array.items[i], kj_pointer_index(a, "/syscalls", i), &keep, &ok);
    if (keep) out_calls[kept++] = call;
  }
  if (!ok || problems->errors > 0) return NULL;

  struct members m = {0};
  add(&m, "defaultAction", is_present(default_action) ? (struct kj_value *)default_action : kj_new_string(a, "", 0));
  const struct kj_value *errno_ret = kj_get(profile, "defaultErrnoRet");
  if (is_present(errno_ret)) add(&m, "defaultErrnoRet", (struct kj_value *)errno_ret);
  size_t narches = count_of(architectures) + (main_arch != NULL ? 1 + count_of(sub) : 0);
  if (narches > 0) {
    struct kj_value *list = kj_new_array(a, narches);
    if (list == NULL) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < count_of(architectures); i++) list->u.array.items[n++] = architectures->u.array.items[i];
    if (main_arch != NULL) {
      list->u.array.items[n++] = (struct kj_value *)main_arch;
      for (size_t i = 0; i < count_of(sub); i++) list->u.array.items[n++] = sub->u.array.items[i];
    }
    add(&m, "architectures", list);
  }
  const struct kj_value *flags = kj_get(profile, "flags");
  if (count_of(flags) > 0) add(&m, "flags", (struct kj_value *)flags);
  const struct kj_value *listener_path = kj_get(profile, "listenerPath"),
                        *listener_metadata = kj_get(profile, "listenerMetadata");
  if (is_present(listener_path) && listener_path->u.string.len > 0)
    add(&m, "listenerPath", (struct kj_value *)listener_path);
  if (is_present(listener_metadata) && listener_metadata->u.string.len > 0)
    add(&m, "listenerMetadata", (struct kj_value *)listener_metadata);
  if (kept > 0) {
    struct kj_value *list = kj_new_array(a, kept);
    if (list == NULL) return NULL;
    for (size_t i = 0; i < kept; i++) {
      if (out_calls[i] == NULL) return NULL; /* out of memory while building it */
      list->u.array.items[i] = out_calls[i];
    }
    add(&m, "syscalls", list);
  }
  return build(a, &m);
}
