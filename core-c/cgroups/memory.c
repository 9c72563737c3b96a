/* linux.resources.memory (config-linux.md "Memory"). */
#include "writes.h"

/* -1 means unlimited in the spec; v1 files take -1 themselves, v2 files "max". */
static void emit_limit(struct kcg_ctx *c, int version, const char *file, const char *ptr, int64_t value) {
  if (version == 2 && value == -1) {
    kcg_emit(c, 2, "memory", file, ptr, "max");
  } else {
    kcg_emit(c, version, "memory", file, ptr, "%lld", (long long)value);
  }
}

static bool check_bytes(struct kcg_ctx *c, const char *ptr, int64_t v) {
  if (v < -1) {
    kcg_error(c, ptr, "must be a number of bytes or -1 for unlimited, found %lld", (long long)v);
    return false;
  }
  return true;
}

void kcg_memory(struct kcg_ctx *c, const struct kj_value *m, const char *base) {
  int version = kcg_require(c, "memory", base);
  if (version == 0) return;
  int64_t limit = 0, reservation = 0, swap = 0, n = 0, swappiness = 0;
  const char *limit_ptr = base, *res_ptr = base, *swap_ptr = base, *p = base;
  bool has_limit = kcg_get_i64(c, m, base, "limit", &limit, &limit_ptr) && check_bytes(c, limit_ptr, limit);
  bool has_res = kcg_get_i64(c, m, base, "reservation", &reservation, &res_ptr) && check_bytes(c, res_ptr, reservation);
  bool has_swap = kcg_get_i64(c, m, base, "swap", &swap, &swap_ptr) && check_bytes(c, swap_ptr, swap);
  bool flag = false;

  /* config-linux.md marks it NOT RECOMMENDED: kernel memory limits were
   * removed from v1 in Linux 6.1 (writes fail with EOPNOTSUPP) and never
   * existed in v2. runc 1.1 ignores it too. */
  if (kcg_get_i64(c, m, base, "kernel", &n, &p)) kcg_warning(c, p, "kernel memory limits are deprecated and ignored");
  /* The TCP buffer limit outlived it on v1 (memory.kmem.tcp.limit_in_bytes
   * is still there in 6.x), and runc 1.1 writes it when it is not 0. */
  if (kcg_get_i64(c, m, base, "kernelTCP", &n, &p) && n != 0 && check_bytes(c, p, n)) {
    if (version == 1 && c->host->kmem_tcp) {
      emit_limit(c, 1, "memory.kmem.tcp.limit_in_bytes", p, n);
    } else if (version == 1) {
      kcg_warning(c, p, "this host has no memory.kmem.tcp.limit_in_bytes; the kernel TCP memory limit is ignored");
    } else {
      kcg_warning(c, p, "cgroup v2 has no kernel TCP memory limit; ignored");
    }
  }
  if (kcg_get_bool(c, m, base, "checkBeforeUpdate", &flag, &p)) c->check_before_update = flag;

  if (version == 1) {
    /* runc (fs/memory.go setMemoryAndSwap): an unlimited memory with swap
     * unset makes memory+swap unlimited too, and an unlimited memory+swap
     * is written first: the kernel refuses a memory limit above memsw. */
    if (has_limit && limit == -1 && !has_swap && c->host->swap_accounting) {
      has_swap = true;
      swap = -1;
      swap_ptr = limit_ptr;
    }
    if (has_swap && swap == -1 && c->host->swap_accounting) {
      emit_limit(c, 1, "memory.memsw.limit_in_bytes", swap_ptr, swap);
      has_swap = false;
    }
    if (has_limit) emit_limit(c, 1, "memory.limit_in_bytes", limit_ptr, limit);
    /* In v1 the spec's swap is memory+swap, the file's own meaning. The
     * kernel refuses memsw below the memory limit, and refuses to lower the
     * memory limit under memsw; the host orders the two writes against the
     * current values on update. */
    if (has_swap) {
      if (!c->host->swap_accounting) {
        kcg_error(c, swap_ptr, "swap accounting is not enabled on this host (no memory.memsw.* files)");
      } else if (has_limit && limit != -1 && swap != -1 && swap < limit) {
        kcg_error(c, swap_ptr, "memory+swap (%lld) must not be less than the memory limit (%lld)", (long long)swap,
                  (long long)limit);
      } else {
        emit_limit(c, 1, "memory.memsw.limit_in_bytes", swap_ptr, swap);
      }
    }
    if (has_res) emit_limit(c, 1, "memory.soft_limit_in_bytes", res_ptr, reservation);
    if (kcg_get_i64(c, m, base, "swappiness", &swappiness, &p)) {
      /* The kernel's range; runc rejects the same. */
      if (swappiness < 0 || swappiness > 100) {
        kcg_error(c, p, "must be between 0 and 100, found %lld", (long long)swappiness);
      } else {
        kcg_emit(c, 1, "memory", "memory.swappiness", p, "%lld", (long long)swappiness);
      }
    }
    if (kcg_get_bool(c, m, base, "disableOOMKiller", &flag, &p) && flag) {
      kcg_emit(c, 1, "memory", "memory.oom_control", p, "1");
    }
    /* Since Linux 5.10 (commit bef8620cd8e0) v1 is always hierarchical:
     * "1" is still accepted, "0" fails with EINVAL. */
    if (kcg_get_bool(c, m, base, "useHierarchy", &flag, &p)) {
      if (flag) {
        kcg_emit(c, 1, "memory", "memory.use_hierarchy", p, "1");
      } else {
        kcg_warning(c, p, "memory accounting is always hierarchical on current kernels; false is ignored");
      }
    }
    return;
  }

  /* cgroup v2: runc's conversions (libcontainer/cgroups/fs2/memory.go and
   * docs/cgroup-v2.md): limit -> memory.max, reservation -> memory.low,
   * and the spec's memory+swap -> memory.swap.max = swap - limit. */
  if (has_limit) emit_limit(c, 2, "memory.max", limit_ptr, limit);
  if (has_swap || (has_limit && limit == -1)) {
    /* runc's ConvertMemorySwapToCgroupV2Value: an unlimited memory with
     * swap unset means both unlimited; -1 is max; 0 leaves swap alone. */
    if (!has_swap || swap == 0) {
      if (has_limit && limit == -1) kcg_emit(c, 2, "memory", "memory.swap.max", limit_ptr, "max");
    } else if (swap == -1) {
      kcg_emit(c, 2, "memory", "memory.swap.max", swap_ptr, "max");
    } else if (!has_limit || limit == 0 || limit == -1) {
      kcg_error(c, swap_ptr, "a swap limit needs a memory limit on cgroup v2 (memory.swap.max = swap - limit)");
    } else if (swap < limit) {
      kcg_error(c, swap_ptr, "memory+swap (%lld) must not be less than the memory limit (%lld)", (long long)swap,
                (long long)limit);
    } else if (!c->host->swap_accounting) {
      kcg_error(c, swap_ptr, "swap accounting is not enabled on this host (no memory.swap.max)");
    } else {
      kcg_emit(c, 2, "memory", "memory.swap.max", swap_ptr, "%lld", (long long)(swap - limit));
    }
  }
  if (has_res) emit_limit(c, 2, "memory.low", res_ptr, reservation);
  /* v2 has no swappiness, no OOM-killer switch and no hierarchy switch;
   * runc ignores the three there. */
  if (kcg_get_i64(c, m, base, "swappiness", &swappiness, &p)) {
    kcg_warning(c, p, "cgroup v2 has no per-cgroup swappiness; ignored");
  }
  if (kcg_get_bool(c, m, base, "disableOOMKiller", &flag, &p) && flag) {
    kcg_warning(c, p, "cgroup v2 cannot disable the OOM killer; ignored");
  }
  if (kcg_get_bool(c, m, base, "useHierarchy", &flag, &p) && !flag) {
    kcg_warning(c, p, "cgroup v2 is always hierarchical; false is ignored");
  }
}
