/* linux.resources.blockIO (config-linux.md "Block IO"): blkio on v1, io on v2. */
#include "writes.h"

/* runc's ConvertBlkIOToIOWeightValue (docs/cgroup-v2.md): blkio's [10, 1000]
 * onto io.weight's [1, 10000]. io.bfq.weight keeps blkio's scale. */
static uint64_t io_weight(uint64_t w) { return 1 + (w - 10) * 9999 / 990; }

static bool weight_ok(struct kcg_ctx *c, const char *p, int64_t w) {
  /* config-linux.md: "weight ... range is from 10 to 1000" */
  if (w < 10 || w > 1000) {
    kcg_error(c, p, "must be between 10 and 1000, found %lld", (long long)w);
    return false;
  }
  return true;
}

static bool device_numbers(struct kcg_ctx *c, const struct kj_value *d, const char *base, int64_t *major,
                           int64_t *minor) {
  const char *p = base;
  if (d->type != KJ_OBJECT) {
    kcg_error(c, base, "must be an object, found %s", kj_type_name(d->type));
    return false;
  }
  if (!kcg_get_i64(c, d, base, "major", major, &p) || !kcg_get_i64(c, d, base, "minor", minor, &p)) {
    kcg_error(c, base, "needs major and minor");
    return false;
  }
  if (*major < 0 || *minor < 0) {
    kcg_error(c, base, "major and minor must not be negative");
    return false;
  }
  return true;
}

static void weight_devices(struct kcg_ctx *c, int version, const struct kj_value *list, const char *base) {
  for (size_t i = 0; i < list->u.array.count; i++) {
    const char *ptr = kj_pointer_index(c->a, base, i), *p = ptr;
    if (ptr == NULL) return;
    const struct kj_value *d = list->u.array.items[i];
    int64_t major, minor, w;
    if (!device_numbers(c, d, ptr, &major, &minor)) continue;
    if (kcg_get_i64(c, d, ptr, "weight", &w, &p) && weight_ok(c, p, w)) {
      if (version == 1) {
        kcg_emit(c, 1, "blkio", c->host->bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", p, "%lld:%lld %lld",
                 (long long)major, (long long)minor, (long long)w);
      } else if (c->host->bfq) {
        kcg_emit(c, 2, "io", "io.bfq.weight", p, "%lld:%lld %lld", (long long)major, (long long)minor, (long long)w);
      } else {
        kcg_emit(c, 2, "io", "io.weight", p, "%lld:%lld %llu", (long long)major, (long long)minor,
                 (unsigned long long)io_weight((uint64_t)w));
      }
    }
    if (kcg_get_i64(c, d, ptr, "leafWeight", &w, &p)) {
      if (version == 1 && !c->host->bfq && weight_ok(c, p, w)) {
        kcg_emit(c, 1, "blkio", "blkio.leaf_weight_device", p, "%lld:%lld %lld", (long long)major, (long long)minor,
                 (long long)w);
      } else {
        kcg_warning(c, p, "leaf weights existed only with the CFQ scheduler (removed in Linux 5.0); ignored");
      }
    }
  }
}

static void throttle(struct kcg_ctx *c, int version, const struct kj_value *bio, const char *base, const char *key,
                     const char *v1_file, const char *v2_key) {
  const char *p;
  const struct kj_value *list = kcg_get_array(c, bio, base, key, &p);
  if (list == NULL) return;
  for (size_t i = 0; i < list->u.array.count; i++) {
    const char *ptr = kj_pointer_index(c->a, p, i), *rp = ptr;
    if (ptr == NULL) return;
    const struct kj_value *d = list->u.array.items[i];
    int64_t major, minor, rate;
    if (!device_numbers(c, d, ptr, &major, &minor)) continue;
    if (!kcg_get_i64(c, d, ptr, "rate", &rate, &rp)) {
      kcg_error(c, ptr, "needs a rate");
      continue;
    }
    if (rate < 0) {
      kcg_error(c, rp, "must not be negative, found %lld", (long long)rate);
      continue;
    }
    if (version == 1) {
      kcg_emit(c, 1, "blkio", v1_file, rp, "%lld:%lld %lld", (long long)major, (long long)minor, (long long)rate);
    } else if (rate == 0) {
      /* In v1 a rate of 0 removes the limit; io.max says that with "max". */
      kcg_emit(c, 2, "io", "io.max", rp, "%lld:%lld %s=max", (long long)major, (long long)minor, v2_key);
    } else {
      kcg_emit(c, 2, "io", "io.max", rp, "%lld:%lld %s=%lld", (long long)major, (long long)minor, v2_key,
               (long long)rate);
    }
  }
}

void kcg_block_io(struct kcg_ctx *c, const struct kj_value *bio, const char *base) {
  int version = kcg_require(c, kcg_version_of(c->host, "blkio") != 0 ? "blkio" : "io", base);
  if (version == 0) return;
  int64_t w;
  const char *p = base;
  if (kcg_get_i64(c, bio, base, "weight", &w, &p) && w != 0 && weight_ok(c, p, w)) {
    if (version == 1) {
      kcg_emit(c, 1, "blkio", c->host->bfq ? "blkio.bfq.weight" : "blkio.weight", p, "%lld", (long long)w);
    } else if (c->host->bfq) {
      kcg_emit(c, 2, "io", "io.bfq.weight", p, "%lld", (long long)w);
    } else {
      kcg_emit(c, 2, "io", "io.weight", p, "%llu", (unsigned long long)io_weight((uint64_t)w));
    }
  }
  if (kcg_get_i64(c, bio, base, "leafWeight", &w, &p) && w != 0) {
    if (version == 1 && !c->host->bfq && weight_ok(c, p, w)) {
      kcg_emit(c, 1, "blkio", "blkio.leaf_weight", p, "%lld", (long long)w);
    } else {
      kcg_warning(c, p, "leaf weights existed only with the CFQ scheduler (removed in Linux 5.0); ignored");
    }
  }
  const struct kj_value *list = kcg_get_array(c, bio, base, "weightDevice", &p);
  if (list != NULL) weight_devices(c, version, list, p);
  throttle(c, version, bio, base, "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps");
  throttle(c, version, bio, base, "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps");
  throttle(c, version, bio, base, "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops");
  throttle(c, version, bio, base, "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops");
}
