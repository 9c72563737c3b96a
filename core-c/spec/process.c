/* The process object (config.md "Process", "POSIX process", "Linux process"
 * and "User"). */
#include <string.h>

#include "shape.h"

/* --- user ---------------------------------------------------------------- */

static const struct spec_field user_fields[] = {
    {"uid", &spec_uint32, SF_REQUIRED},   {"gid", &spec_uint32, SF_REQUIRED}, {"umask", &spec_uint32, 0},
    {"additionalGids", &spec_uint32s, 0}, {"username", &spec_string, 0},      {NULL, NULL, 0},
};
static const struct spec_shape user = {.kind = SK_OBJECT, .type_name = "User", .fields = user_fields};

/* --- capabilities -------------------------------------------------------- */

/* capabilities(7) as of Linux 6.x (CAP_CHECKPOINT_RESTORE = 40 is the last).
 * config.md: "Any value which cannot be mapped to a relevant kernel interface
 * ... MUST cause the runtime to generate an error." */
static const char *const capability_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
    NULL,
};
static const struct spec_shape capability = {.kind = SK_STRING,
                                             .words = capability_names,
                                             .range_name =
                                                 "a Linux capability name such as \"CAP_KILL\" (capabilities(7))"};
static const struct spec_shape capability_list = {.kind = SK_ARRAY, .item = &capability};
static const struct spec_field capabilities_fields[] = {
    {"bounding", &capability_list, 0},  {"effective", &capability_list, 0}, {"inheritable", &capability_list, 0},
    {"permitted", &capability_list, 0}, {"ambient", &capability_list, 0},   {NULL, NULL, 0},
};
static const struct spec_shape capabilities = {
    .kind = SK_OBJECT, .type_name = "LinuxCapabilities", .fields = capabilities_fields};

/* --- rlimits ------------------------------------------------------------- */

/* getrlimit(2). config.md: "Linux: valid values are defined in the
 * getrlimit(2) man page ... the runtime MUST generate an error for any values
 * which cannot be mapped to a relevant kernel interface." */
static const char *const rlimit_names[] = {
    "RLIMIT_AS",      "RLIMIT_CORE",     "RLIMIT_CPU",        "RLIMIT_DATA",   "RLIMIT_FSIZE", "RLIMIT_LOCKS",
    "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",       "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS",
    "RLIMIT_RTPRIO",  "RLIMIT_RTTIME",   "RLIMIT_SIGPENDING", "RLIMIT_STACK",  NULL,
};
static const struct spec_shape rlimit_type = {.kind = SK_STRING,
                                              .words = rlimit_names,
                                              .range_name =
                                                  "a resource name from getrlimit(2) such as \"RLIMIT_NOFILE\""};

static void check_rlimit(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const struct kj_value *soft = kj_get(v, "soft");
  const struct kj_value *hard = kj_get(v, "hard");
  uint64_t s, h;
  if (soft != NULL && hard != NULL && kj_as_u64(soft, &s) && kj_as_u64(hard, &h) && s > h) {
    struct spec_path p = spec_key(at, "soft");
    /* setrlimit(2) fails with EINVAL when rlim_cur > rlim_max. */
    spec_error(c, soft, &p, "must not be greater than hard (%llu)", (unsigned long long)h);
  }
}

static const struct spec_field rlimit_fields[] = {
    {"type", &rlimit_type, SF_REQUIRED},
    {"soft", &spec_uint64, SF_REQUIRED},
    {"hard", &spec_uint64, SF_REQUIRED},
    {NULL, NULL, 0},
};
static const struct spec_shape rlimit = {
    .kind = SK_OBJECT, .type_name = "PosixRlimit", .fields = rlimit_fields, .check = check_rlimit};

static void check_rlimits(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config.md: "If rlimits contains duplicated entries with same type, the
   * runtime MUST generate an error." */
  for (size_t i = 1; i < v->u.array.count; i++) {
    const struct kj_value *ti = kj_get(v->u.array.items[i], "type");
    if (ti == NULL || ti->type != KJ_STRING) continue;
    for (size_t j = 0; j < i; j++) {
      const struct kj_value *tj = kj_get(v->u.array.items[j], "type");
      if (tj != NULL && tj->type == KJ_STRING && tj->u.string.len == ti->u.string.len &&
          memcmp(tj->u.string.s, ti->u.string.s, ti->u.string.len) == 0) {
        struct spec_path p = spec_index(at, i);
        struct spec_path pt = spec_key(&p, "type");
        spec_error(c, ti, &pt, "%s is already set by /process/rlimits/%zu", spec_show(c, ti), j);
        break;
      }
    }
  }
}

static const struct spec_shape rlimits = {.kind = SK_ARRAY, .item = &rlimit, .check = check_rlimits};

/* --- scheduler ----------------------------------------------------------- */

static const char *const scheduler_policies[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};
static const char *const scheduler_flags[] = {
    "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",        "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};
static const struct spec_shape scheduler_policy = {
    .kind = SK_STRING, .type_name = "SchedulerPolicy", .words = scheduler_policies};
static const struct spec_shape scheduler_flag = {
    .kind = SK_STRING, .type_name = "SchedulerFlag", .words = scheduler_flags};
static const struct spec_shape scheduler_flag_list = {.kind = SK_ARRAY, .item = &scheduler_flag};

static void check_nice(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* sched(7): the nice value ranges from -20 (high priority) to +19. */
  if (!spec_int_in(v, -20, 19)) spec_error(c, v, at, "must be a nice value from -20 to 19, found %s", spec_show(c, v));
}
static const struct spec_shape nice = {
    .kind = SK_INT, .min = INT32_MIN, .max = INT32_MAX, .range_name = "a 32-bit integer", .check = check_nice};

static void check_scheduler(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  const struct kj_value *policy = kj_get(v, "policy");
  const struct kj_value *priority = kj_get(v, "priority");
  struct spec_path pp = spec_key(at, "priority");
  bool known = false;
  for (const char *const *w = scheduler_policies; *w != NULL; w++) known = known || spec_str_eq(policy, *w);
  /* An unknown policy is reported by the table; its priority has no rule. */
  if (!known) return;
  bool realtime = spec_str_eq(policy, "SCHED_FIFO") || spec_str_eq(policy, "SCHED_RR");
  /* sched(7): "sched_priority ... in the range 1 (low) to 99 (high)" for
   * SCHED_FIFO and SCHED_RR, and 0 for every other policy; config.md makes 0
   * the default, which sched_setattr(2) refuses for a real-time policy. */
  if (realtime) {
    if (priority == NULL) {
      spec_error(c, v, &pp, "is required with %s (1 to 99; the default 0 is refused by the kernel)",
                 policy->u.string.s);
    } else if (priority->type == KJ_NUMBER && spec_int_in(priority, INT32_MIN, INT32_MAX) &&
               !spec_int_in(priority, 1, 99)) {
      spec_error(c, priority, &pp, "must be from 1 to 99 with %s, found %s", policy->u.string.s,
                 spec_show(c, priority));
    }
  } else if (priority != NULL && priority->type == KJ_NUMBER && spec_int_in(priority, INT32_MIN, INT32_MAX) &&
             !spec_int_in(priority, 0, 0)) {
    spec_error(c, priority, &pp, "must be 0 with %s (only SCHED_FIFO and SCHED_RR have priorities), found %s",
               policy->u.string.s, spec_show(c, priority));
  }
  /* sched_setattr(2) for SCHED_DEADLINE: sched_runtime <= sched_deadline <=
   * sched_period (a period of 0 means "equal to the deadline"). */
  if (spec_str_eq(policy, "SCHED_DEADLINE")) {
    uint64_t runtime = 0, deadline = 0, period = 0;
    const struct kj_value *rv = kj_get(v, "runtime"), *dv = kj_get(v, "deadline"), *pv = kj_get(v, "period");
    bool have_r = rv && kj_as_u64(rv, &runtime), have_d = dv && kj_as_u64(dv, &deadline),
         have_p = pv && kj_as_u64(pv, &period);
    if (have_r && have_d && runtime > deadline) {
      struct spec_path p = spec_key(at, "runtime");
      spec_error(c, rv, &p, "must not be greater than deadline (%llu)", (unsigned long long)deadline);
    }
    if (have_d && have_p && period != 0 && deadline > period) {
      struct spec_path p = spec_key(at, "deadline");
      spec_error(c, dv, &p, "must not be greater than period (%llu)", (unsigned long long)period);
    }
  }
}

static const struct spec_field scheduler_fields[] = {
    {"policy", &scheduler_policy, SF_REQUIRED},
    {"nice", &nice, 0},
    {"priority", &spec_int32, 0},
    {"flags", &scheduler_flag_list, 0},
    {"runtime", &spec_uint64, 0},
    {"deadline", &spec_uint64, 0},
    {"period", &spec_uint64, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape scheduler = {
    .kind = SK_OBJECT, .type_name = "Scheduler", .fields = scheduler_fields, .check = check_scheduler};

/* --- ioPriority ---------------------------------------------------------- */

static const char *const io_priority_classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL};
static const struct spec_shape io_priority_class = {
    .kind = SK_STRING, .type_name = "IoPriorityClass", .words = io_priority_classes};

static void check_io_priority_level(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* ioprio_set(2): levels 0 (highest) to 7 (lowest) for RT and BE. */
  if (!spec_int_in(v, 0, 7))
    spec_error(c, v, at, "must be a level from 0 (highest) to 7 (lowest), found %s", spec_show(c, v));
}
static const struct spec_shape io_priority_level = {.kind = SK_INT,
                                                    .min = INT32_MIN,
                                                    .max = INT32_MAX,
                                                    .range_name = "a 32-bit integer",
                                                    .check = check_io_priority_level};
static const struct spec_field io_priority_fields[] = {
    {"class", &io_priority_class, SF_REQUIRED},
    {"priority", &io_priority_level, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape io_priority = {
    .kind = SK_OBJECT, .type_name = "IoPriority", .fields = io_priority_fields};

/* --- execCPUAffinity ----------------------------------------------------- */

static void check_cpu_list(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config.md: "a comma-separated list, with dashes to represent ranges. For
   * example, 0-3,7"; the schema also allows spaces. Empty means unset. */
  if (v->u.string.len == 0) return;
  if (!spec_parse_id_list(v->u.string.s, v->u.string.len, true, SPEC_MAX_MASK_BIT)) {
    spec_error(c, v, at,
               "must be a list of CPUs such as \"0-3,7\" (ranges in increasing order, CPUs 0 to %u), found %s",
               SPEC_MAX_MASK_BIT, spec_show(c, v));
  }
}
static const struct spec_shape cpu_list = {.kind = SK_STRING, .check = check_cpu_list};
static const struct spec_field cpu_affinity_fields[] = {
    {"initial", &cpu_list, 0},
    {"final", &cpu_list, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape cpu_affinity = {
    .kind = SK_OBJECT, .type_name = "CpuAffinity", .fields = cpu_affinity_fields};

/* --- the process --------------------------------------------------------- */

static void check_oom_score_adj(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* proc(5): /proc/PID/oom_score_adj accepts -1000 to +1000. */
  if (!spec_int_in(v, -1000, 1000)) spec_error(c, v, at, "must be from -1000 to 1000, found %s", spec_show(c, v));
}
static const struct spec_shape oom_score_adj = {
    .kind = SK_INT, .min = INT64_MIN, .max = INT64_MAX, .range_name = "an integer", .check = check_oom_score_adj};

static const struct spec_field console_size_fields[] = {
    {"height", &spec_uint64, SF_REQUIRED},
    {"width", &spec_uint64, SF_REQUIRED},
    {NULL, NULL, 0},
};
static const struct spec_shape console_size = {
    .kind = SK_OBJECT, .type_name = "ConsoleSize", .fields = console_size_fields};

static const struct spec_shape no_nul_string = {.kind = SK_STRING, .check = spec_check_no_nul};
static const struct spec_shape args_item = {.kind = SK_STRING, .check = spec_check_no_nul};
/* config.md: args "... at least one entry is REQUIRED (non-Windows)". */
static const struct spec_shape args = {.kind = SK_ARRAY, .item = &args_item, .min_items = 1};

static void check_cwd(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config.md: cwd "This value MUST be an absolute path." */
  spec_check_absolute_path(c, v, at);
}
static const struct spec_shape cwd = {.kind = SK_STRING, .check = check_cwd};

static const struct spec_field process_fields[] = {
    {"terminal", &spec_bool, 0},
    {"consoleSize", &console_size, 0},
    {"user", &user, SF_REQUIRED},
    {"args", &args, SF_REQUIRED_TO_START},
    {"commandLine", &spec_string, 0},
    {"env", &spec_env, 0},
    {"cwd", &cwd, SF_REQUIRED},
    {"capabilities", &capabilities, 0},
    {"rlimits", &rlimits, 0},
    {"noNewPrivileges", &spec_bool, 0},
    {"apparmorProfile", &no_nul_string, 0},
    {"oomScoreAdj", &oom_score_adj, 0},
    {"selinuxLabel", &no_nul_string, 0},
    {"scheduler", &scheduler, 0},
    {"ioPriority", &io_priority, 0},
    {"execCPUAffinity", &cpu_affinity, 0},
    {NULL, NULL, 0},
};
const struct spec_shape spec_process = {.kind = SK_OBJECT, .type_name = "Process", .fields = process_fields};
