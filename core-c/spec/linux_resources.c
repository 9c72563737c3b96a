/* linux.resources (config-linux.md "Control groups"): the shape of every
 * controller, and the ranges the kernel or the spec imposes. What the values
 * become in cgroup files is core-c/cgroups' business. */
#include <string.h>

#include "shape.h"

/* --- devices (the allowed device list) ------------------------------------ */

static const char *const device_cgroup_types[] = {"a", "c", "b", NULL};
static const struct spec_shape device_cgroup_type = {
    .kind = SK_STRING, .words = device_cgroup_types, .range_name = "\"a\" (all), \"c\" (char) or \"b\" (block)"};

static void check_access(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: access is "a composition of r (read), w (write), and m
   * (mknod)". */
  for (size_t i = 0; i < v->u.string.len; i++) {
    char ch = v->u.string.s[i];
    if (ch != 'r' && ch != 'w' && ch != 'm') {
      spec_error(c, v, at, "must be made of the letters r, w and m, found %s", spec_show(c, v));
      return;
    }
  }
}
static const struct spec_shape access = {.kind = SK_STRING, .check = check_access};

static void check_device_number(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* -1 is the wildcard ('*' in devices.allow), as runc and crun read it;
   * other negative numbers name no device. */
  if (spec_int_at_most(v, -2)) spec_error(c, v, at, "must be a device number or -1 for all, found %s", spec_show(c, v));
}
static const struct spec_shape device_number = {
    .kind = SK_INT, .min = INT64_MIN, .max = INT64_MAX, .range_name = "a 64-bit integer", .check = check_device_number};

static const struct spec_field device_cgroup_fields[] = {
    {"allow", &spec_bool, SF_REQUIRED}, {"type", &device_cgroup_type, 0}, {"major", &device_number, 0},
    {"minor", &device_number, 0},       {"access", &access, 0},           {NULL, NULL, 0},
};
static const struct spec_shape device_cgroup = {
    .kind = SK_OBJECT, .type_name = "LinuxDeviceCgroup", .fields = device_cgroup_fields};
static const struct spec_shape device_cgroups = {.kind = SK_ARRAY, .item = &device_cgroup};

/* --- memory ------------------------------------------------------------------ */

static void check_memory_value(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: "Values for memory specify the limit in bytes, or -1 for
   * unlimited memory." */
  if (spec_int_at_most(v, -2))
    spec_error(c, v, at, "must be a number of bytes or -1 for unlimited, found %s", spec_show(c, v));
}
static const struct spec_shape memory_value = {
    .kind = SK_INT, .min = INT64_MIN, .max = INT64_MAX, .range_name = "a 64-bit integer", .check = check_memory_value};

static void check_kernel_memory(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  check_memory_value(c, v, at);
  /* config-linux.md marks kernel and kernelTCP "NOT RECOMMENDED" (1.1.0):
   * the kernel memory limit is gone from cgroup v2 and from v1 since Linux
   * 6.1. Accepted, as the spec still allows them, but said. */
  spec_warning(c, v, at,
               "is NOT RECOMMENDED by runtime-spec 1.1+: Linux no longer enforces a separate kernel memory limit");
}
static const struct spec_shape kernel_memory = {
    .kind = SK_INT, .min = INT64_MIN, .max = INT64_MAX, .range_name = "a 64-bit integer", .check = check_kernel_memory};

static const struct spec_shape swappiness = {
    .kind = SK_INT, .min = 0, .max = 100, .range_name = "a swappiness from 0 to 100"};

static void check_memory(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  int64_t limit, swap;
  const struct kj_value *lv = kj_get(v, "limit"), *sv = kj_get(v, "swap");
  /* swap is the limit of memory+swap: below the memory limit it cannot be
   * met (cgroup v1 refuses it with EINVAL, and runc/crun refuse it too). */
  if (lv && sv && kj_as_i64(lv, &limit) && kj_as_i64(sv, &swap) && limit > 0 && swap > 0 && swap < limit) {
    struct spec_path p = spec_key(at, "swap");
    spec_error(c, sv, &p, "must not be less than limit (%lld): swap is the limit of memory plus swap",
               (long long)limit);
  }
}

static const struct spec_field memory_fields[] = {
    {"limit", &memory_value, 0},          {"reservation", &memory_value, 0},
    {"swap", &memory_value, 0},           {"kernel", &kernel_memory, 0},
    {"kernelTCP", &kernel_memory, 0},     {"swappiness", &swappiness, 0},
    {"disableOOMKiller", &spec_bool, 0},  {"useHierarchy", &spec_bool, 0},
    {"checkBeforeUpdate", &spec_bool, 0}, {NULL, NULL, 0},
};
static const struct spec_shape memory = {
    .kind = SK_OBJECT, .type_name = "LinuxMemory", .fields = memory_fields, .check = check_memory};

/* --- cpu --------------------------------------------------------------------- */

static void check_cpu_list(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* cpuset(7) list format ("0-3,7"); empty means "not set". */
  if (v->u.string.len != 0 && !spec_parse_id_list(v->u.string.s, v->u.string.len, false, UINT32_MAX))
    spec_error(c, v, at, "must be a list such as \"0-3,7\" (ranges in increasing order), found %s", spec_show(c, v));
}
static const struct spec_shape cpu_list = {.kind = SK_STRING, .check = check_cpu_list};
static const struct spec_shape cpu_idle = {
    .kind = SK_INT, .min = 0, .max = 1, .range_name = "0 (default) or 1 (SCHED_IDLE)"};

static void check_cpu(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  int64_t quota, rt_runtime;
  uint64_t burst, rt_period;
  const struct kj_value *qv = kj_get(v, "quota"), *bv = kj_get(v, "burst");
  /* config-linux.md: a positive quota "MUST be no smaller than burst". */
  if (qv && bv && kj_as_i64(qv, &quota) && kj_as_u64(bv, &burst) && quota > 0 && burst > (uint64_t)quota) {
    struct spec_path p = spec_key(at, "burst");
    spec_error(c, bv, &p, "must not be larger than quota (%lld)", (long long)quota);
  }
  const struct kj_value *rv = kj_get(v, "realtimeRuntime"), *pv = kj_get(v, "realtimePeriod");
  /* sched-rt-group: cpu.rt_runtime_us cannot exceed cpu.rt_period_us. */
  if (rv && pv && kj_as_i64(rv, &rt_runtime) && kj_as_u64(pv, &rt_period) && rt_runtime > 0 && rt_period > 0 &&
      (uint64_t)rt_runtime > rt_period) {
    struct spec_path p = spec_key(at, "realtimeRuntime");
    spec_error(c, rv, &p, "must not be larger than realtimePeriod (%llu)", (unsigned long long)rt_period);
  }
}

static const struct spec_field cpu_fields[] = {
    {"shares", &spec_uint64, 0},
    {"quota", &spec_int64, 0},
    {"burst", &spec_uint64, 0},
    {"period", &spec_uint64, 0},
    {"realtimeRuntime", &spec_int64, 0},
    {"realtimePeriod", &spec_uint64, 0},
    {"cpus", &cpu_list, 0},
    {"mems", &cpu_list, 0},
    {"idle", &cpu_idle, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape cpu = {
    .kind = SK_OBJECT, .type_name = "LinuxCpu", .fields = cpu_fields, .check = check_cpu};

/* --- pids -------------------------------------------------------------------- */

static const struct spec_field pids_fields[] = {
    {"limit", &spec_int64, SF_REQUIRED},
    {NULL, NULL, 0},
};
static const struct spec_shape pids = {.kind = SK_OBJECT, .type_name = "LinuxPids", .fields = pids_fields};

/* --- blockIO ----------------------------------------------------------------- */

static void check_weight_device(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: "You MUST specify at least one of weight or leafWeight
   * in a given entry". */
  if (kj_get(v, "weight") == NULL && kj_get(v, "leafWeight") == NULL)
    spec_error(c, v, at, "must set weight or leafWeight (or both)");
}

static const struct spec_field weight_device_fields[] = {
    {"major", &spec_int64, SF_REQUIRED},
    {"minor", &spec_int64, SF_REQUIRED},
    {"weight", &spec_uint16, 0},
    {"leafWeight", &spec_uint16, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape weight_device = {
    .kind = SK_OBJECT, .type_name = "LinuxWeightDevice", .fields = weight_device_fields, .check = check_weight_device};
static const struct spec_shape weight_devices = {.kind = SK_ARRAY, .item = &weight_device};

static const struct spec_field throttle_device_fields[] = {
    {"major", &spec_int64, SF_REQUIRED},
    {"minor", &spec_int64, SF_REQUIRED},
    /* config-linux.md: rate is REQUIRED. */
    {"rate", &spec_uint64, SF_REQUIRED},
    {NULL, NULL, 0},
};
static const struct spec_shape throttle_device = {
    .kind = SK_OBJECT, .type_name = "LinuxThrottleDevice", .fields = throttle_device_fields};
static const struct spec_shape throttle_devices = {.kind = SK_ARRAY, .item = &throttle_device};

static const struct spec_field block_io_fields[] = {
    {"weight", &spec_uint16, 0},
    {"leafWeight", &spec_uint16, 0},
    {"weightDevice", &weight_devices, 0},
    {"throttleReadBpsDevice", &throttle_devices, 0},
    {"throttleWriteBpsDevice", &throttle_devices, 0},
    {"throttleReadIOPSDevice", &throttle_devices, 0},
    {"throttleWriteIOPSDevice", &throttle_devices, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape block_io = {.kind = SK_OBJECT, .type_name = "LinuxBlockIo", .fields = block_io_fields};

/* --- hugepageLimits ------------------------------------------------------------ */

static void check_page_size(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: "<size><unit-prefix>B (64KB, 2MB, 1GB)", matching the
   * hugetlb.<hugepagesize>.* file names; the schema's pattern is
   * ^[1-9][0-9]*[KMG]B$. */
  const char *s = v->u.string.s;
  size_t n = v->u.string.len;
  bool ok = n >= 3 && s[0] >= '1' && s[0] <= '9' && s[n - 1] == 'B' &&
            (s[n - 2] == 'K' || s[n - 2] == 'M' || s[n - 2] == 'G');
  for (size_t i = 1; ok && i + 2 < n; i++) ok = s[i] >= '0' && s[i] <= '9';
  if (!ok) spec_error(c, v, at, "must be a size such as \"2MB\", \"64KB\" or \"1GB\", found %s", spec_show(c, v));
}
static const struct spec_shape page_size = {.kind = SK_STRING, .check = check_page_size};
static const struct spec_field hugepage_limit_fields[] = {
    {"pageSize", &page_size, SF_REQUIRED},
    {"limit", &spec_uint64, SF_REQUIRED},
    {NULL, NULL, 0},
};
static const struct spec_shape hugepage_limit = {
    .kind = SK_OBJECT, .type_name = "LinuxHugepageLimit", .fields = hugepage_limit_fields};
static const struct spec_shape hugepage_limits = {.kind = SK_ARRAY, .item = &hugepage_limit};

/* --- network ------------------------------------------------------------------- */

static const struct spec_field priority_fields[] = {
    {"name", &spec_string, SF_REQUIRED},
    {"priority", &spec_uint32, SF_REQUIRED},
    {NULL, NULL, 0},
};
static const struct spec_shape priority = {
    .kind = SK_OBJECT, .type_name = "LinuxInterfacePriority", .fields = priority_fields};
static const struct spec_shape priorities = {.kind = SK_ARRAY, .item = &priority};
static const struct spec_field network_fields[] = {
    {"classID", &spec_uint32, 0},
    {"priorities", &priorities, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape network = {.kind = SK_OBJECT, .type_name = "LinuxNetwork", .fields = network_fields};

/* --- rdma ------------------------------------------------------------------------- */

static void check_rdma_entry(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* config-linux.md: "You MUST specify at least one of the hcaHandles or
   * hcaObjects in a given entry". */
  if (kj_get(v, "hcaHandles") == NULL && kj_get(v, "hcaObjects") == NULL)
    spec_error(c, v, at, "must set hcaHandles or hcaObjects (or both)");
}
static const struct spec_field rdma_fields[] = {
    {"hcaHandles", &spec_uint32, 0},
    {"hcaObjects", &spec_uint32, 0},
    {NULL, NULL, 0},
};
static const struct spec_shape rdma_entry = {
    .kind = SK_OBJECT, .type_name = "LinuxRdma", .fields = rdma_fields, .check = check_rdma_entry};
static const struct spec_shape rdma = {.kind = SK_MAP, .item = &rdma_entry};

/* --- unified ------------------------------------------------------------------------ */

static void check_unified(struct spec_ctx *c, const struct kj_value *v, const struct spec_path *at) {
  /* Each key names a file in the container's cgroup directory; a '/' or a
   * dot-only name would name a file elsewhere. */
  for (size_t i = 0; i < v->u.object.count; i++) {
    const struct kj_member *m = &v->u.object.members[i];
    bool dots = (m->key_len == 1 && m->key[0] == '.') || (m->key_len == 2 && m->key[0] == '.' && m->key[1] == '.');
    if (m->key_len == 0 || dots || memchr(m->key, '/', m->key_len) != NULL ||
        memchr(m->key, '\0', m->key_len) != NULL) {
      struct spec_path p = {at, m->key, m->key_len, 0};
      spec_error(c, m->value, &p,
                 "is not a cgroup file name (such as \"memory.high\"): it must not be empty or contain '/'");
    }
  }
}
static const struct spec_shape unified = {.kind = SK_MAP, .item = &spec_string, .check = check_unified};

/* --- resources ------------------------------------------------------------------------ */

static const struct spec_field resources_fields[] = {
    {"devices", &device_cgroups, 0},
    {"memory", &memory, 0},
    {"cpu", &cpu, 0},
    {"pids", &pids, 0},
    {"blockIO", &block_io, 0},
    {"hugepageLimits", &hugepage_limits, 0},
    {"network", &network, 0},
    {"rdma", &rdma, 0},
    {"unified", &unified, 0},
    {NULL, NULL, 0},
};
const struct spec_shape spec_linux_resources = {
    .kind = SK_OBJECT, .type_name = "LinuxResources", .fields = resources_fields};
