/* linux.resources.cpu (config-linux.md "CPU"): the cpu controller and, for
 * cpus and mems, the cpuset controller. */
#include <string.h>

#include "writes.h"

/* The kernel's bounds for v1 cpu.shares (MIN_SHARES, MAX_SHARES in
 * kernel/sched/sched.h); it clamps silently, so kago refuses instead. */
#define MIN_SHARES 2
#define MAX_SHARES 262144

/* runc's conversion (ConvertCPUSharesToCgroupV2Value, documented in
 * runc docs/cgroup-v2.md and crun's crun.1 "CGROUP v2"): maps [2, 262144]
 * linearly onto cpu.weight's [1, 10000]. */
static uint64_t shares_to_weight(uint64_t shares) { return 1 + ((shares - 2) * 9999) / 262142; }

/* "0-3,5": what cpuset.cpus and cpuset.mems accept. */
static bool cpu_list_ok(const char *s) {
  for (; *s; s++) {
    if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == ',')) return false;
  }
  return true;
}

static void cpuset(struct kcg_ctx *c, const struct kj_value *cpu, const char *base, const char *key, const char *file) {
  const char *value, *p;
  if (!kcg_get_string(c, cpu, base, key, &value, &p) || value[0] == '\0') return;
  if (!cpu_list_ok(value)) {
    kcg_error(c, p, "must be a list like \"0-3,6\", found \"%s\"", value);
    return;
  }
  int version = kcg_require(c, "cpuset", p);
  if (version != 0) kcg_emit(c, version, "cpuset", file, p, "%s", value);
}

void kcg_cpu(struct kcg_ctx *c, const struct kj_value *cpu, const char *base) {
  int64_t shares = 0, quota = 0, period = 0, burst = 0, rt_runtime = 0, rt_period = 0, idle = 0;
  const char *shares_p = base, *quota_p = base, *period_p = base, *burst_p = base, *rtr_p = base, *rtp_p = base,
             *idle_p = base;
  bool has_shares = kcg_get_i64(c, cpu, base, "shares", &shares, &shares_p) && shares != 0;
  bool has_quota = kcg_get_i64(c, cpu, base, "quota", &quota, &quota_p) && quota != 0;
  bool has_period = kcg_get_i64(c, cpu, base, "period", &period, &period_p) && period != 0;
  bool has_burst = kcg_get_i64(c, cpu, base, "burst", &burst, &burst_p);
  bool has_rtr = kcg_get_i64(c, cpu, base, "realtimeRuntime", &rt_runtime, &rtr_p) && rt_runtime != 0;
  bool has_rtp = kcg_get_i64(c, cpu, base, "realtimePeriod", &rt_period, &rtp_p) && rt_period != 0;
  bool has_idle = kcg_get_i64(c, cpu, base, "idle", &idle, &idle_p);

  if (has_shares && (shares < MIN_SHARES || shares > MAX_SHARES)) {
    kcg_error(c, shares_p, "must be between %d and %d, found %lld", MIN_SHARES, MAX_SHARES, (long long)shares);
    has_shares = false;
  }
  if (has_quota && quota < -1) {
    kcg_error(c, quota_p, "must be a number of microseconds or -1 for unlimited, found %lld", (long long)quota);
    has_quota = false;
  }
  if (has_period && period < 0) {
    kcg_error(c, period_p, "must be a positive number of microseconds, found %lld", (long long)period);
    has_period = false;
  }
  if (has_burst && burst < 0) {
    kcg_error(c, burst_p, "must not be negative, found %lld", (long long)burst);
    has_burst = false;
  }
  if (has_idle && idle != 0 && idle != 1) {
    kcg_error(c, idle_p, "must be 0 or 1, found %lld", (long long)idle);
    has_idle = false;
  }

  bool any_cpu = has_shares || has_quota || has_period || has_burst || has_rtr || has_rtp || has_idle;
  int version = any_cpu ? kcg_require(c, "cpu", base) : 0;
  if (version == 1) {
    if (has_shares) kcg_emit(c, 1, "cpu", "cpu.shares", shares_p, "%lld", (long long)shares);
    /* Period before quota, as runc writes them. */
    if (has_period) kcg_emit(c, 1, "cpu", "cpu.cfs_period_us", period_p, "%lld", (long long)period);
    if (has_quota) kcg_emit(c, 1, "cpu", "cpu.cfs_quota_us", quota_p, "%lld", (long long)quota);
    if (has_burst) kcg_emit(c, 1, "cpu", "cpu.cfs_burst_us", burst_p, "%lld", (long long)burst);
    /* The runtime must fit in the period: the period first (runc). */
    if (has_rtp) kcg_emit(c, 1, "cpu", "cpu.rt_period_us", rtp_p, "%lld", (long long)rt_period);
    if (has_rtr) kcg_emit(c, 1, "cpu", "cpu.rt_runtime_us", rtr_p, "%lld", (long long)rt_runtime);
    if (has_idle) kcg_emit(c, 1, "cpu", "cpu.idle", idle_p, "%lld", (long long)idle);
  } else if (version == 2) {
    if (has_shares)
      kcg_emit(c, 2, "cpu", "cpu.weight", shares_p, "%llu", (unsigned long long)shares_to_weight((uint64_t)shares));
    /* cpu.max is "$MAX $PERIOD" (cgroup-v2.rst); runc writes "max" for an
     * unset or -1 quota and leaves the period out when it is not given. */
    if (has_quota || has_period) {
      const char *max = has_quota && quota > 0 ? kago_arena_printf(c->a, "%lld", (long long)quota) : "max";
      const char *ptr = has_quota ? quota_p : period_p;
      if (has_period) {
        kcg_emit(c, 2, "cpu", "cpu.max", ptr, "%s %lld", max ? max : "max", (long long)period);
      } else {
        kcg_emit(c, 2, "cpu", "cpu.max", ptr, "%s", max ? max : "max");
      }
    }
    if (has_burst) kcg_emit(c, 2, "cpu", "cpu.max.burst", burst_p, "%lld", (long long)burst);
    /* v2 has no real-time group scheduling files (cgroup-v2.rst: "WARNING:
     * cgroup2 doesn't yet support control of realtime processes"). */
    if (has_rtr) kcg_error(c, rtr_p, "cgroup v2 cannot limit real-time scheduling");
    if (has_rtp) kcg_error(c, rtp_p, "cgroup v2 cannot limit real-time scheduling");
    if (has_idle) kcg_emit(c, 2, "cpu", "cpu.idle", idle_p, "%lld", (long long)idle);
  }
  cpuset(c, cpu, base, "cpus", "cpuset.cpus");
  cpuset(c, cpu, base, "mems", "cpuset.mems");
}
