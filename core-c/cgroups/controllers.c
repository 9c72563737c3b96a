/* The small controllers: pids, hugetlb, net_cls/net_prio and rdma. */
#include <string.h>

#include "writes.h"

void kcg_pids(struct kcg_ctx *c, const struct kj_value *pids, const char *base) {
  int64_t limit;
  const char *p = base;
  if (!kcg_get_i64(c, pids, base, "limit", &limit, &p)) return;
  int version = kcg_require(c, "pids", p);
  if (version == 0) return;
  /* config-linux.md: -1 (and, as runc reads it, any value <= 0) is no limit. */
  if (limit > 0) {
    kcg_emit(c, version, "pids", "pids.max", p, "%lld", (long long)limit);
  } else {
    kcg_emit(c, version, "pids", "pids.max", p, "max");
  }
}

void kcg_hugetlb(struct kcg_ctx *c, const struct kj_value *limits, const char *base) {
  if (limits->u.array.count == 0) return;
  int version = kcg_require(c, "hugetlb", base);
  if (version == 0) return;
  for (size_t i = 0; i < limits->u.array.count; i++) {
    const char *ptr = kj_pointer_index(c->a, base, i), *sp = ptr, *lp = ptr;
    if (ptr == NULL) return;
    const struct kj_value *l = limits->u.array.items[i];
    const char *size;
    int64_t limit;
    if (l->type != KJ_OBJECT) {
      kcg_error(c, ptr, "must be an object, found %s", kj_type_name(l->type));
      continue;
    }
    if (!kcg_get_string(c, l, ptr, "pageSize", &size, &sp) || !kcg_get_i64(c, l, ptr, "limit", &limit, &lp)) {
      kcg_error(c, ptr, "needs pageSize and limit");
      continue;
    }
    bool known = false;
    for (size_t k = 0; k < c->host->hugepage_sizes.count; k++) {
      if (strcmp(c->host->hugepage_sizes.items[k], size) == 0) known = true;
    }
    if (!known) {
      kcg_error(c, sp, "this host has no %s huge pages", size);
      continue;
    }
    if (limit < -1) {
      kcg_error(c, lp, "must be a number of bytes or -1 for unlimited, found %lld", (long long)limit);
      continue;
    }
    /* The files carry the size as the kernel names it ("2MB", "1GB"),
     * which is also the spec's pageSize format. */
    const char *file = kago_arena_printf(c->a, version == 1 ? "hugetlb.%s.limit_in_bytes" : "hugetlb.%s.max", size);
    if (file == NULL) return;
    if (version == 2 && limit == -1) {
      kcg_emit(c, 2, "hugetlb", file, lp, "max");
    } else {
      kcg_emit(c, version, "hugetlb", file, lp, "%lld", (long long)limit);
    }
  }
}

/* net_cls and net_prio exist only in v1; on v2 the same is done with BPF
 * programs the network manager attaches, not by the runtime. */
static int v1_only(struct kcg_ctx *c, const char *controller, const char *p) {
  int v = kcg_version_of(c->host, controller);
  if (v != 1) {
    kcg_error(c, p, "needs the cgroup v1 %s controller, which this host does not have mounted", controller);
    return 0;
  }
  return 1;
}

void kcg_network(struct kcg_ctx *c, const struct kj_value *net, const char *base) {
  int64_t classid;
  const char *p = base;
  if (kcg_get_i64(c, net, base, "classID", &classid, &p)) {
    if (classid < 0 || classid > 0xffffffffLL) {
      kcg_error(c, p, "must be a 32-bit class id, found %lld", (long long)classid);
    } else if (v1_only(c, "net_cls", p)) {
      kcg_emit(c, 1, "net_cls", "net_cls.classid", p, "%lld", (long long)classid);
    }
  }
  const struct kj_value *prios = kcg_get_array(c, net, base, "priorities", &p);
  if (prios == NULL || prios->u.array.count == 0 || !v1_only(c, "net_prio", p)) return;
  for (size_t i = 0; i < prios->u.array.count; i++) {
    const char *ptr = kj_pointer_index(c->a, p, i), *np = ptr, *pp = ptr;
    if (ptr == NULL) return;
    const struct kj_value *e = prios->u.array.items[i];
    const char *name;
    int64_t prio;
    if (e->type != KJ_OBJECT || !kcg_get_string(c, e, ptr, "name", &name, &np) ||
        !kcg_get_i64(c, e, ptr, "priority", &prio, &pp)) {
      kcg_error(c, ptr, "needs name and priority");
      continue;
    }
    if (name[0] == '\0' || strpbrk(name, " \n/") != NULL || prio < 0 || prio > 0xffffffffLL) {
      kcg_error(c, ptr, "needs an interface name and a 32-bit priority");
      continue;
    }
    kcg_emit(c, 1, "net_prio", "net_prio.ifpriomap", ptr, "%s %lld", name, (long long)prio);
  }
}

void kcg_rdma(struct kcg_ctx *c, const struct kj_value *rdma, const char *base) {
  if (rdma->u.object.count == 0) return;
  int version = kcg_require(c, "rdma", base);
  if (version == 0) return;
  for (size_t i = 0; i < rdma->u.object.count; i++) {
    const struct kj_member *m = &rdma->u.object.members[i];
    const char *ptr = kj_pointer_key(c->a, base, m->key), *p = ptr;
    if (ptr == NULL) return;
    if (m->key_len == 0 || strpbrk(m->key, " \n=/") != NULL || m->value->type != KJ_OBJECT) {
      kcg_error(c, ptr, "must be a device name with an object of limits");
      continue;
    }
    int64_t handles = 0, objects = 0;
    bool has_h = kcg_get_i64(c, m->value, ptr, "hcaHandles", &handles, &p);
    bool has_o = kcg_get_i64(c, m->value, ptr, "hcaObjects", &objects, &p);
    if ((has_h && (handles < 0 || handles > 0x7fffffff)) || (has_o && (objects < 0 || objects > 0x7fffffff))) {
      kcg_error(c, ptr, "limits must be between 0 and 2147483647");
      continue;
    }
    /* rdma.max takes "DEVICE hca_handle=N hca_object=M" (cgroup-v2.rst
     * and cgroup-v1/rdma.rst); a key left out keeps its current value. */
    if (has_h && has_o) {
      kcg_emit(c, version, "rdma", "rdma.max", ptr, "%s hca_handle=%lld hca_object=%lld", m->key, (long long)handles,
               (long long)objects);
    } else if (has_h) {
      kcg_emit(c, version, "rdma", "rdma.max", ptr, "%s hca_handle=%lld", m->key, (long long)handles);
    } else if (has_o) {
      kcg_emit(c, version, "rdma", "rdma.max", ptr, "%s hca_object=%lld", m->key, (long long)objects);
    }
  }
}
