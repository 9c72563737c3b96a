/* libFuzzer target: linux.resources (+ host description)
 * -> cgroup file writes, and the device rules -> the cgroup v2 device
 * program, run through a small eBPF interpreter.
 *
 * Input: up to two NUL-separated parts, resources and host (a third part,
 * linux.devices in older corpus entries, is ignored);
 * without a host part, one of four host shapes is picked by the input's
 * length (this machine's hybrid, pure v2, v1 without cgroup2, and update's
 * skipDevices).
 *
 * Properties: every write names a controller and a plain file name (no '/',
 * not "." or "..": the host joins it to the cgroup directory) and a value
 * without NUL and without a line break before its end (a cgroup file takes
 * one value per write; a second line smuggled into a value must be refused,
 * not written); the device program that
 * kcg_device_program returns is the one built from the same rule list; it
 * is well formed (jumps land inside it, it ends in exit) and, for every probe,
 * answers what the rule list says: the last matching rule decides, an
 * allow grants its bits, a deny refuses any bit still asked for. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core-c/cgroups/writes.h"
#include "fuzz_check.h"

/* core-c/napi/cgroups_napi.c */
#define ARENA_LIMIT ((size_t)256 << 20)
#define MAX_PROBES 2048

static const char *const hosts[] = {
    "{\"v1\":[\"cpu\",\"cpuacct\",\"cpuset\",\"memory\",\"devices\",\"freezer\",\"blkio\",\"pids\"],"
    "\"v2\":[\"hugetlb\"],\"hugepageSizes\":[\"2MB\",\"1GB\"],\"swapAccounting\":true,\"bfq\":false}",
    "{\"v1\":[],\"v2\":[\"cpu\",\"cpuset\",\"io\",\"memory\",\"hugetlb\",\"pids\",\"rdma\",\"misc\"],"
    "\"hugepageSizes\":[\"2MB\"],\"swapAccounting\":true,\"bfq\":true}",
    "{\"v1\":[\"cpu\",\"memory\",\"devices\",\"blkio\",\"pids\",\"net_cls\",\"net_prio\",\"rdma\",\"hugetlb\"],"
    "\"v2\":null,\"hugepageSizes\":[\"2MB\"],\"swapAccounting\":false,\"bfq\":true}",
    "{\"v1\":[],\"v2\":[\"cpu\",\"memory\",\"pids\",\"io\"],\"hugepageSizes\":[],\"swapAccounting\":true,"
    "\"bfq\":false,\"skipDevices\":true}",
};

/* The subset of eBPF kcg_device_bpf emits, with the kernel's semantics:
 * 64-bit registers, 32-bit ALU results zero-extended, jump immediates
 * sign-extended to 64 bits (kernel/bpf/core.c). */
static int run_device_program(const struct kcg_bpf_program *p, uint32_t ctx[3]) {
  uint64_t r[11] = {0};
  size_t pc = 0, steps = 0;
  for (;;) {
    FUZZ_CHECK(pc < p->len);
    FUZZ_CHECK(steps++ <= p->len); /* forward jumps only: no loops */
    const struct kcg_bpf_insn *in = &p->insns[pc++];
    unsigned dst = in->regs & 0xf, src = in->regs >> 4;
    FUZZ_CHECK(dst <= 10 && src <= 10);
    uint64_t imm64 = (uint64_t)(int64_t)in->imm;
    switch (in->code) {
    case 0x61: { /* ldx w [src+off]: the context is r1, 12 bytes */
      FUZZ_CHECK(src == 1 && in->off >= 0 && in->off % 4 == 0 && in->off <= 8);
      r[dst] = ctx[in->off / 4];
      break;
    }
    case 0x54: r[dst] = (uint32_t)r[dst] & (uint32_t)in->imm; break;
    case 0x74: r[dst] = (uint32_t)r[dst] >> (in->imm & 31); break;
    case 0xb4: r[dst] = (uint32_t)in->imm; break;
    case 0xbc: r[dst] = (uint32_t)r[src]; break;
    case 0x55:
      if (r[dst] != imm64) pc += (size_t)(int64_t)in->off;
      break;
    case 0x15:
      if (r[dst] == imm64) pc += (size_t)(int64_t)in->off;
      break;
    case 0x5d:
      if (r[dst] != r[src]) pc += (size_t)(int64_t)in->off;
      break;
    case 0x95: return (int)r[0];
    default: FUZZ_CHECK(!"instruction outside the device program's subset");
    }
  }
}

static bool rule_matches(const struct kcg_device_rule *r, char type, int64_t major, int64_t minor) {
  return r->type == type && (r->major == -1 || r->major == major) && (r->minor == -1 || r->minor == minor);
}

static int expected(const struct kcg_device_rules *rules, char type, int64_t major, int64_t minor, unsigned access) {
  for (size_t i = rules->count; i-- > 0;) {
    const struct kcg_device_rule *r = &rules->items[i];
    if (!rule_matches(r, type, major, minor)) continue;
    if (r->allow) {
      access &= ~r->access;
      if (access == 0) return 1;
    } else if (access & r->access) {
      return 0;
    }
  }
  return rules->default_allow ? 1 : 0;
}

static void probe(const struct kcg_bpf_program *prog, const struct kcg_device_rules *rules, char type, int64_t major,
                  int64_t minor, size_t *budget) {
  if (major < 0 || minor < 0 || major > UINT32_MAX || minor > UINT32_MAX) return;
  for (unsigned access = 1; access <= KCG_ACC_ALL && *budget > 0; access++, (*budget)--) {
    uint32_t ctx[3] = {access << 16 | (type == 'b' ? 1u : 2u), (uint32_t)major, (uint32_t)minor};
    int got = run_device_program(prog, ctx), want = expected(rules, type, major, minor, access);
    if (got != want)
      fprintf(stderr, "device %c %lld:%lld access %u: program says %d, rules say %d\n", type, (long long)major,
              (long long)minor, access, got, want);
    FUZZ_CHECK(got == want);
  }
}

static void check_devices(struct kago_arena *a, const char *rules_text, size_t rules_len) {
  struct kago_problems p;
  kago_problems_init(&p, a);
  struct kcg_bpf_program prog;
  kcg_device_program(a, rules_text, rules_len, &p, &prog);
  if (p.errors != 0 || prog.len == 0) return;

  /* The same list, built here, to know what the program must answer. */
  struct kj_error err;
  const struct kj_value *rules = rules_text ? kj_parse(a, rules_text, rules_len, 64, &err) : NULL;
  if (rules != NULL && rules->type == KJ_NULL) rules = NULL;
  struct kcg_host host;
  memset(&host, 0, sizeof host);
  struct kago_problems p2;
  kago_problems_init(&p2, a);
  struct kcg_ctx c = {.a = a, .problems = &p2, .host = &host};
  struct kcg_device_rules list;
  kcg_device_rules(&c, rules, &list);
  FUZZ_CHECK(p2.errors == 0 && list.items != NULL);
  struct kcg_bpf_program again;
  kcg_device_bpf(a, &list, &again);
  FUZZ_CHECK(again.len == prog.len && memcmp(again.insns, prog.insns, prog.len * sizeof *prog.insns) == 0);

  size_t budget = MAX_PROBES;
  static const char types[] = {'c', 'b'};
  for (size_t t = 0; t < 2; t++) probe(&prog, &list, types[t], 1, 3, &budget);
  for (size_t i = 0; i < list.count && budget > 0; i++) {
    const struct kcg_device_rule *r = &list.items[i];
    int64_t maj = r->major == -1 ? 7 : r->major, min = r->minor == -1 ? 0 : r->minor;
    probe(&prog, &list, r->type, maj, min, &budget);
    probe(&prog, &list, r->type, maj + 1, min, &budget);
    probe(&prog, &list, r->type, maj, min + 1, &budget);
    probe(&prog, &list, r->type == 'b' ? 'c' : 'b', maj, min, &budget);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *part[3] = {NULL, NULL, NULL};
  size_t len[3] = {0, 0, 0};
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= size && n < 3; i++) {
    if (i == size || data[i] == '\0') {
      part[n] = (const char *)data + start;
      len[n++] = i - start;
      start = i + 1;
    }
  }
  if (n < 2) {
    part[1] = hosts[size % (sizeof hosts / sizeof hosts[0])];
    len[1] = strlen(part[1]);
  }

  struct kago_arena a;
  kago_arena_init(&a, ARENA_LIMIT);
  struct kago_problems problems;
  kago_problems_init(&problems, &a);
  struct kj_value *out = kcg_writes(&a, part[0], len[0], part[1], len[1], &problems);
  FUZZ_CHECK(out != NULL || problems.out_of_memory);
  const struct kj_value *writes = out ? kj_get(out, "writes") : NULL;
  for (size_t i = 0; writes != NULL && i < writes->u.array.count; i++) {
    const struct kj_value *w = writes->u.array.items[i];
    const struct kj_value *file = kj_get(w, "file"), *value = kj_get(w, "value"), *ctl = kj_get(w, "controller");
    FUZZ_CHECK(file && file->type == KJ_STRING && value && value->type == KJ_STRING && ctl && ctl->type == KJ_STRING);
    FUZZ_CHECK(file->u.string.len > 0 && memchr(file->u.string.s, '/', file->u.string.len) == NULL);
    FUZZ_CHECK(strcmp(file->u.string.s, ".") != 0 && strcmp(file->u.string.s, "..") != 0);
    FUZZ_CHECK(memchr(file->u.string.s, '\0', file->u.string.len) == NULL);
    const char *nl = memchr(value->u.string.s, '\n', value->u.string.len);
    FUZZ_CHECK(nl == NULL || nl == value->u.string.s + value->u.string.len - 1);
    FUZZ_CHECK(memchr(value->u.string.s, '\0', value->u.string.len) == NULL);
  }

  /* The device program from resources.devices of the same input. */
  struct kj_error err;
  const struct kj_value *res = kj_parse(&a, part[0], len[0], 64, &err);
  const struct kj_value *devs = res && res->type == KJ_OBJECT ? kj_get(res, "devices") : NULL;
  if (devs != NULL) {
    size_t dlen = 0;
    char *dtext = kj_write(&a, devs, &dlen);
    if (dtext != NULL) check_devices(&a, dtext, dlen);
  }
  kago_arena_free(&a);
  return 0;
}
