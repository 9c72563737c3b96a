/* linux.seccomp (config-linux.md "Seccomp"): the profile's shape and
 * consistency. Compiling it is core-c/seccomp's business; syscall names are
 * checked against its tables through options->syscall_known. */
#include <string.h>

#include "shape.h"

/* libseccomp's names (seccomp.h), as listed by runtime-spec 1.3.0. */
static const char *const actions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL,
};
static const char *const architectures[] = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64", NULL,
};
static const char *const filter_flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL,
};
static const char *const operators[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static const struct spec_shape action = {.kind = SK_STRING, .type_name = "SeccompAction", .words = actions};
static const struct spec_shape architecture = {.kind = SK_STRING,
                                               .type_name = "SeccompArch",
                                               .words = architectures,
                                               .range_name = "a libseccomp architecture such as \"SCMP_ARCH_X86_64\""};
static const struct spec_shape architecture_list = {.kind = SK_ARRAY, .item = &architecture};
static const struct spec_shape filter_flag = {.kind = SK_STRING, .type_name = "SeccompFlag", .words = filter_flags};
static const struct spec_shape filter_flag_list = {.kind = SK_ARRAY, .item = &filter_flag};
static const struct spec_shape op = {.kind = SK_STRING, .type_name = "SeccompOperator", .words = operators};

static void check_errno_value(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* The errno travels in SECCOMP_RET_DATA, the filter result's low 16 bits;
   * a larger value would be cut (seccomp(2)). */
  if (!spec_int_in(v, 0, 65535))
    spec_error(c, v, at, "must fit in 16 bits (0 to 65535, SECCOMP_RET_DATA), found %s", spec_show(c, v));
}
static const struct spec_shape errno_value = {.kind = SK_INT,
                                              .min = 0,
                                              .max = UINT32_MAX,
                                              .range_name = "an unsigned 32-bit integer",
                                              .check = check_errno_value};

/* config-linux.md: "Some actions like SCMP_ACT_ERRNO and SCMP_ACT_TRACE
 * allow to specify the errno code to return. When the action doesn't support
 * an errno, the runtime MUST print and error and fail." */
static void check_errno_action(struct spec_ctx *c, const struct kj_value *obj, const char *action_key,
                               const char *errno_key, const struct spec_path *at) {
  const struct kj_value *a = kj_get(obj, action_key);
  const struct kj_value *e = kj_get(obj, errno_key);
  if (a == NULL || e == NULL || a->type != KJ_STRING) return;
  if (!spec_str_eq(a, "SCMP_ACT_ERRNO") && !spec_str_eq(a, "SCMP_ACT_TRACE")) {
    struct spec_path p = spec_key(at, errno_key);
    spec_error(c, e, &p, "can only be used with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", spec_show(c, a));
  }
}

static void check_syscall_name(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  if (v->u.string.len == 0 || memchr(v->u.string.s, '\0', v->u.string.len) != NULL) {
    spec_error(c, v, at, "must be a syscall name, found %s", spec_show(c, v));
    return;
  }
  /* runc and crun skip names their libseccomp does not know (a profile
   * written for a newer kernel), so an unknown name is a warning. */
  if (c->options->syscall_known != NULL &&
      !c->options->syscall_known(v->u.string.s, v->u.string.len, c->options->syscall_known_data))
    spec_warning(c, v, at, "%s is not a syscall on any architecture kago knows; the rule does not apply to it",
                 spec_show(c, v));
}
static const struct spec_shape syscall_name = {.kind = SK_STRING, .check = check_syscall_name};
/* config-linux.md: "names MUST contain at least one entry." */
static const struct spec_shape syscall_names = {.kind = SK_ARRAY, .item = &syscall_name, .min_items = 1};

static void check_arg(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const struct kj_value *op_v = kj_get(v, "op");
  const struct kj_value *two = kj_get(v, "valueTwo");
  /* SCMP_CMP_MASKED_EQ compares (arg & value) with valueTwo; without it the
   * comparison is against 0, which is seldom what was meant. */
  if (spec_str_eq(op_v, "SCMP_CMP_MASKED_EQ") && two == NULL) {
    struct spec_path p = spec_key(at, "valueTwo");
    spec_warning(c, v, &p, "is not set: SCMP_CMP_MASKED_EQ then tests (argument & value) == 0");
  }
}

static const struct spec_shape arg_index = {
    /* A syscall has at most six arguments (syscall(2)). */
    .kind = SK_INT,
    .min = 0,
    .max = 5,
    .range_name = "an argument index from 0 to 5"};
static const struct spec_field arg_fields[] = {
    {"index", &arg_index, SF_REQUIRED},
    {"value", &spec_uint64, SF_REQUIRED},
    {"valueTwo", &spec_uint64, 0},
    {"op", &op, SF_REQUIRED},
    {NULL, NULL, 0},
};
static const struct spec_shape arg = {
    .kind = SK_OBJECT, .type_name = "LinuxSeccompArg", .fields = arg_fields, .check = check_arg};
static const struct spec_shape arg_list = {.kind = SK_ARRAY, .item = &arg};

static void check_syscall_rule(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  check_errno_action(c, v, "action", "errnoRet", at);
}

static const struct spec_field syscall_fields[] = {
    {"names", &syscall_names, SF_REQUIRED},
    {"action", &action, SF_REQUIRED},
    {"errnoRet", &errno_value, 0},
    {"args", &arg_list, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape syscall_rule = {
    .kind = SK_OBJECT, .type_name = "LinuxSyscall", .fields = syscall_fields, .check = check_syscall_rule};
static const struct spec_shape syscall_rules = {.kind = SK_ARRAY, .item = &syscall_rule};

static bool uses_notify(const struct kj_value *seccomp) {
  const struct kj_value *rules = kj_get(seccomp, "syscalls");
  if (rules == NULL || rules->type != KJ_ARRAY) return false;
  for (size_t i = 0; i < rules->u.array.count; i++) {
    if (spec_str_eq(kj_get(rules->u.array.items[i], "action"), "SCMP_ACT_NOTIFY")) return true;
  }
  return false;
}

static void check_seccomp(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  check_errno_action(c, v, "defaultAction", "defaultErrnoRet", at);
  const struct kj_value *def = kj_get(v, "defaultAction");
  if (spec_str_eq(def, "SCMP_ACT_NOTIFY")) {
    /* Every syscall, including the ones the runtime itself still makes
     * before execve (and the write of the notify fd to the agent), would wait
     * on an agent that is not yet listening; runc and crun refuse it too. */
    struct spec_path p = spec_key(at, "defaultAction");
    spec_error(c, def, &p, "must not be SCMP_ACT_NOTIFY: the runtime could not finish starting the container");
  }
  const struct kj_value *path = kj_get(v, "listenerPath");
  const struct kj_value *meta = kj_get(v, "listenerMetadata");
  if (uses_notify(v) && path == NULL) {
    /* config-linux.md: the notify file descriptor is sent over listenerPath;
     * with no listener the notified syscalls would block forever. */
    struct spec_path p = spec_key(at, "listenerPath");
    spec_error(c, v, &p, "is required when a rule uses SCMP_ACT_NOTIFY");
  }
  if (meta != NULL && path == NULL) {
    /* config-linux.md: listenerMetadata "MUST NOT be set if listenerPath is
     * not set". */
    struct spec_path p = spec_key(at, "listenerMetadata");
    spec_error(c, meta, &p, "must not be set without listenerPath");
  }
}

static void check_listener_path(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: an AF_UNIX SOCK_STREAM socket; its path must fit
   * sockaddr_un.sun_path (108 bytes with the NUL, unix(7)). */
  if (v->u.string.len == 0 || v->u.string.len > 107) {
    spec_error(c, v, at, "must be a unix socket path of 1 to 107 bytes, found %s", spec_show(c, v));
    return;
  }
  spec_check_no_nul(c, v, at);
}
static const struct spec_shape listener_path = {.kind = SK_STRING, .check = check_listener_path};

static const struct spec_field seccomp_fields[] = {
    {"defaultAction", &action, SF_REQUIRED},  {"defaultErrnoRet", &errno_value, 0},
    {"architectures", &architecture_list, 0}, {"flags", &filter_flag_list, 0},
    {"listenerPath", &listener_path, 0},      {"listenerMetadata", &spec_string, 0},
    {"syscalls", &syscall_rules, 0},          {NULL, NULL, 0},
};
const struct spec_shape spec_linux_seccomp = {
    .kind = SK_OBJECT, .type_name = "LinuxSeccomp", .fields = seccomp_fields, .check = check_seccomp};
