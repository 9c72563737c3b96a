/* The top of config.json (config.md): ociVersion, root, mounts, process,
 * hostname, domainname, hooks, annotations; and the entry points. */
#include <string.h>

#include "shape.h"

/* --- root ---------------------------------------------------------------- */

static void check_root_path(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config.md: root.path "MAY be an absolute path or relative to the bundle";
   * an empty one names neither. */
  if (v->u.string.len == 0) {
    spec_error(c, v, at, "must not be empty");
    return;
  }
  spec_check_no_nul(c, v, at);
}

static const struct spec_shape root_path = {.kind = SK_STRING, .check = check_root_path};
static const struct spec_field root_fields[] = {
    {"path", &root_path, SF_REQUIRED},
    {"readonly", &spec_bool, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape root = {.kind = SK_OBJECT, .type_name = "Root", .fields = root_fields};

/* --- hostname, domainname ------------------------------------------------ */

static void check_uts_name(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* runc and crun refuse to set a name in the host's UTS namespace: it would
   * rename the host. */
  if (!(c->ns_listed & SPEC_NS_UTS)) {
    spec_error(c, v, at, "can only be set with a 'uts' namespace in /linux/namespaces");
  }
  spec_check_no_nul(c, v, at);
}

static const struct spec_shape uts_name = {.kind = SK_STRING, .check = check_uts_name};

/* --- hooks --------------------------------------------------------------- */

static void check_hook_timeout(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config.md: timeout "MUST be greater than zero". */
  if (spec_int_at_most(v, 0)) spec_error(c, v, at, "must be greater than 0 (seconds), found %s", spec_show(c, v));
}

static const struct spec_shape hook_timeout = {
    .kind = SK_INT, .min = INT64_MIN, .max = INT64_MAX, .range_name = "an integer", .check = check_hook_timeout};
static const struct spec_field hook_fields[] = {
    {"path", &spec_absolute_path, SF_REQUIRED},
    {"args", &spec_strings, 0},
    {"env", &spec_env, 0},
    {"timeout", &hook_timeout, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape hook = {.kind = SK_OBJECT, .type_name = "Hook", .fields = hook_fields};
static const struct spec_shape hook_list = {.kind = SK_ARRAY, .item = &hook};
static const struct spec_field hooks_fields[] = {
    {"prestart", &hook_list, 0},
    {"createRuntime", &hook_list, 0},
    {"createContainer", &hook_list, 0},
    {"startContainer", &hook_list, 0},
    {"poststart", &hook_list, 0},
    {"poststop", &hook_list, 0},
    {NULL, NULL, 0},
};
const struct spec_shape spec_hooks = {.kind = SK_OBJECT, .type_name = "Hooks", .fields = hooks_fields};

/* --- the document -------------------------------------------------------- */

static const char *const other_platforms[] = {"windows", "solaris", "vm", "zos", "freebsd", NULL};

/* config.md: platform-specific sections apply on "the platform" the runtime
 * runs; a document with another platform's object and no linux object was
 * written for that platform, and its other fields (users, mounts) mean other
 * things there, so they are not judged by Linux rules. ("vm" is a virtual
 * machine runtime's section and goes with linux when a VM runs Linux.) */
static bool check_platform(struct spec_ctx *c, const struct kj_value *doc) {
  if (kj_get(doc, "linux") != NULL) return true;
  for (const char *const *p = other_platforms; *p != NULL; p++) {
    if (kj_get(doc, *p) != NULL) {
      spec_error(c, doc, NULL,
                 "this configuration is for the '%s' platform (it has a '%s' object and no 'linux' object); kago runs "
                 "Linux containers",
                 *p, *p);
      return false;
    }
  }
  return true;
}

static const struct spec_shape oci_version = {.kind = SK_STRING, .check = spec_check_oci_version};
static const struct spec_shape annotations = {.kind = SK_MAP, .item = &spec_string};

static const struct spec_field document_fields[] = {
    {"ociVersion", &oci_version, SF_REQUIRED},
    {"root", &root, 0},
    {"mounts", &spec_mounts, 0},
    {"process", &spec_process, SF_REQUIRED_TO_START},
    {"hostname", &uts_name, 0},
    {"domainname", &uts_name, 0},
    {"hooks", &spec_hooks, 0},
    {"annotations", &annotations, 0},
    {"linux", &spec_linux, 0},
    {NULL, NULL, 0},
};
const struct spec_shape spec_document = {.kind = SK_OBJECT, .type_name = "Spec", .fields = document_fields};

static const struct {
  const char *name;
  unsigned bit;
} namespace_bits[] = {
    {"pid", SPEC_NS_PID}, {"network", SPEC_NS_NETWORK}, {"mount", SPEC_NS_MOUNT},   {"ipc", SPEC_NS_IPC},
    {"uts", SPEC_NS_UTS}, {"user", SPEC_NS_USER},       {"cgroup", SPEC_NS_CGROUP}, {"time", SPEC_NS_TIME},
};

static void gather_namespaces(struct spec_ctx *c) {
  const struct kj_value *ns = kj_get(kj_get(c->root, "linux"), "namespaces");
  if (ns == NULL || ns->type != KJ_ARRAY) return;
  for (size_t i = 0; i < ns->u.array.count; i++) {
    const struct kj_value *item = ns->u.array.items[i];
    const struct kj_value *type = kj_get(item, "type");
    const struct kj_value *path = kj_get(item, "path");
    for (size_t k = 0; k < sizeof namespace_bits / sizeof namespace_bits[0]; k++) {
      if (spec_str_eq(type, namespace_bits[k].name)) {
        c->ns_listed |= namespace_bits[k].bit;
        if (path == NULL) c->ns_created |= namespace_bits[k].bit;
      }
    }
  }
}

void kago_spec_validate_document(struct kago_arena *a, const struct kj_value *doc,
                                 const struct kago_spec_options *options, struct kago_problems *problems) {
  static const struct kago_spec_options defaults = {false, NULL, NULL};
  struct spec_ctx c = {
      .arena = a,
      .problems = problems,
      .options = options != NULL ? options : &defaults,
      .root = doc,
  };
  if (doc->type != KJ_OBJECT) {
    spec_error(&c, doc, NULL, "the configuration must be a JSON object, found %s", kj_type_name(doc->type));
    return;
  }
  if (!check_platform(&c, doc)) return;
  gather_namespaces(&c);
  spec_walk(&c, &spec_document, doc, NULL);
  /* config.md: root is "REQUIRED" on every platform but Hyper-V (runc: "root
   * must be specified"). Judged for a document that is surely Linux's: one
   * with a linux object, or any one given to create; a fragment without a
   * platform object may still be completed elsewhere. */
  if (kj_get(doc, "root") == NULL && (kj_get(doc, "linux") != NULL || c.options->require_process)) {
    struct spec_path p = {NULL, "root", 4, 0};
    spec_error(&c, doc, &p, "is required on Linux: the container's root filesystem");
  }
}

const struct kj_value *kago_spec_validate(struct kago_arena *a, const char *text, size_t len,
                                          const struct kago_spec_options *options, struct kago_problems *problems) {
  struct kj_error err;
  struct kj_value *doc = kj_parse(a, text, len, KAGO_SPEC_MAX_DEPTH, &err);
  if (doc == NULL) {
    kago_problem_add_at(problems, KAGO_ERROR, "", err.line, err.column, "%s", err.message);
    return NULL;
  }
  kago_spec_validate_document(a, doc, options, problems);
  return doc;
}
