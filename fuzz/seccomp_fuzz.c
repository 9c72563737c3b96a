/* libFuzzer target: linux.seccomp text -> profile -> policy -> classic BPF,
 * and the program run through the core's interpreter against an independent
 * reading of the policy. The policy says what must happen (the first rule
 * whose conditions all hold decides, else the syscall's fallback; a number the
 * policy does not list gets the default action; a foreign architecture gets
 * the bad-arch action); the generated filter must agree on every probe, never
 * run off its end and stay within BPF_MAXINSNS. Probes are the boundaries the
 * rules themselves name (each value, one above, one below, masked variants),
 * so a wrong jump in the generated comparisons is found without guessing. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core-c/seccomp/seccomp.h"
#include "fuzz_check.h"

/* The limits of core-c/napi/seccomp_napi.c. */
#define ARENA_BASE ((size_t)32 << 20)
#define ARENA_PER_BYTE 24
/* Probes per input: enough for every rule of a small profile, bounded so a
 * large one does not slow the search down. */
#define MAX_PROBES 4096

static bool cond_holds(const struct ksc_arch *arch, const struct ksc_cond *c, const uint64_t args[6]) {
  uint64_t arg = args[c->index], value = c->value, mask = c->mask;
  if (arch->arg_bits == 32) {
    /* A 32-bit ABI's filter sees only the low word of each argument. */
    arg = (uint32_t)arg;
    value = (uint32_t)value;
    mask = (uint32_t)mask;
  }
  switch (c->op) {
  case KSC_NE: return arg != value;
  case KSC_LT: return arg < value;
  case KSC_LE: return arg <= value;
  case KSC_EQ: return arg == value;
  case KSC_GE: return arg >= value;
  case KSC_GT: return arg > value;
  case KSC_MASKED_EQ: return (arg & mask) == value;
  default: FUZZ_CHECK(!"unknown operator in a normalized policy"); return false;
  }
}

static uint32_t expected_for(const struct ksc_arch *arch, const struct ksc_syscall_policy *sp, const uint64_t args[6]) {
  for (size_t r = 0; r < sp->nrules; r++) {
    bool all = true;
    for (size_t c = 0; c < sp->rules[r].ncond && all; c++) all = cond_holds(arch, &sp->rules[r].cond[c], args);
    if (all) return sp->rules[r].action;
  }
  return sp->fallback;
}

static void expect(const struct ksc_program *prog, const struct ksc_arch *arch, uint32_t nr, const uint64_t args[6],
                   uint32_t want, size_t *budget) {
  if (*budget == 0) return;
  (*budget)--;
  struct ksc_verdict v;
  ksc_simulate(prog->insns, prog->len, arch, nr, args, &v);
  if (!v.valid || v.ret != want) {
    fprintf(stderr, "arch %s nr %u args %llx %llx %llx %llx %llx %llx: got %#x (%s), want %#x\n", arch->name, nr,
            (unsigned long long)args[0], (unsigned long long)args[1], (unsigned long long)args[2],
            (unsigned long long)args[3], (unsigned long long)args[4], (unsigned long long)args[5], v.ret,
            v.valid ? "valid" : v.error, want);
  }
  FUZZ_CHECK(v.valid);
  FUZZ_CHECK(v.ret == want);
}

static const struct ksc_syscall_policy *find(const struct ksc_arch_policy *ap, uint32_t nr) {
  for (size_t i = 0; i < ap->nsyscalls; i++)
    if (ap->syscalls[i].nr == nr) return &ap->syscalls[i];
  return NULL;
}

/* runc's patchbpf rule, read from its description (seccomp.h): above the
 * highest named number, where x86_64 and x32 are told apart by bit 30 and
 * s390's 0 is the kernel's own multiplexer. */
static bool newer_than_profile(const struct ksc_arch_policy *ap, uint32_t nr) {
  if (!ap->has_newer) return false;
  const char *name = ap->arch->name;
  uint32_t h = ap->highest_named;
  if (strcmp(name, "SCMP_ARCH_X86_64") == 0)
    return (nr > h && nr <= 0x3fffffffu) || (nr >= 0x80000000u && nr <= 0xbfffffffu);
  if (strcmp(name, "SCMP_ARCH_X32") == 0) return (nr > h && nr <= 0x7fffffffu) || nr >= 0xc0000000u;
  if ((strcmp(name, "SCMP_ARCH_S390") == 0 || strcmp(name, "SCMP_ARCH_S390X") == 0) && nr == 0) return true;
  return nr > h;
}

static const struct ksc_arch_policy *policy_for_audit(const struct ksc_policy *p, uint32_t audit) {
  for (size_t i = 0; i < p->narches; i++)
    if (p->arches[i].arch->audit_arch == audit) return &p->arches[i];
  return NULL;
}

static void probe_syscall(const struct ksc_program *prog, const struct ksc_arch *arch,
                          const struct ksc_syscall_policy *sp, size_t *budget) {
  uint64_t zero[6] = {0};
  expect(prog, arch, sp->nr, zero, expected_for(arch, sp, zero), budget);
  for (size_t r = 0; r < sp->nrules; r++) {
    const struct ksc_rule *rule = &sp->rules[r];
    /* All conditions of the rule at their boundary at once, then each moved
     * by one in both directions (and the masked bits flipped). */
    uint64_t at[6] = {0};
    for (size_t c = 0; c < rule->ncond; c++) at[rule->cond[c].index] = rule->cond[c].value;
    expect(prog, arch, sp->nr, at, expected_for(arch, sp, at), budget);
    for (size_t c = 0; c < rule->ncond; c++) {
      const struct ksc_cond *cd = &rule->cond[c];
      uint64_t variants[] = {cd->value + 1, cd->value - 1, cd->value ^ ~cd->mask, cd->value ^ (1ull << 32),
                             cd->value | 0xffffffff00000000ull};
      for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        uint64_t args[6];
        memcpy(args, at, sizeof args);
        args[cd->index] = variants[k];
        expect(prog, arch, sp->nr, args, expected_for(arch, sp, args), budget);
      }
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct kago_arena a;
  kago_arena_init(&a, ARENA_BASE + ARENA_PER_BYTE * size);
  struct kago_problems problems;
  kago_problems_init(&problems, &a);
  struct kj_error err = {0, 0, NULL};
  struct kj_value *doc = kj_parse(&a, (const char *)data, size, 64, &err);
  struct ksc_profile profile;
  struct ksc_policy policy;
  struct ksc_program prog = {NULL, 0};
  struct ksc_codegen_stats stats;
  if (doc == NULL || !ksc_parse_profile(&a, doc, "/linux/seccomp", &problems, &profile) || profile.narches == 0 ||
      !ksc_normalize(&a, &profile, "/linux/seccomp", &problems, &policy) ||
      !ksc_codegen(&a, &policy, &problems, &prog, &stats)) {
    for (const struct kago_problem *p = problems.first; p != NULL; p = p->next)
      FUZZ_CHECK(p->pointer != NULL && p->message != NULL);
    kago_arena_free(&a);
    return 0;
  }
  FUZZ_CHECK(prog.len > 0 && prog.len <= KSC_MAX_INSNS);
  FUZZ_CHECK(stats.instructions == prog.len);

  size_t budget = MAX_PROBES;
  uint64_t zero[6] = {0};
  for (size_t i = 0; i < KSC_ARCH_COUNT; i++) {
    const struct ksc_arch *arch = &ksc_arches[i];
    const struct ksc_arch_policy *ap = NULL;
    for (size_t j = 0; j < policy.narches; j++)
      if (policy.arches[j].arch == arch) ap = &policy.arches[j];
    if (ap == NULL) {
      /* Not in the profile: a filter for another ABI under the same audit
       * value sends this one's numbers to the bad-arch action too. */
      expect(&prog, arch, arch->nr_base + 1, zero, policy.bad_arch_action, &budget);
      if (policy_for_audit(&policy, arch->audit_arch) == NULL)
        expect(&prog, arch, arch->nr_base + 2, zero, policy.bad_arch_action, &budget);
      continue;
    }
    for (size_t s = 0; s < ap->nsyscalls; s++) probe_syscall(&prog, arch, &ap->syscalls[s], &budget);
    /* Numbers the policy does not list, low ones and just past the listed:
     * the default, or ENOSYS for one newer than the profile. */
    uint32_t unlisted[] = {0, 1, 2, 3, 60, 231, 500, 1000};
    for (size_t k = 0; k < sizeof unlisted / sizeof unlisted[0]; k++) {
      uint32_t nr = arch->nr_base + unlisted[k];
      if (find(ap, nr) == NULL)
        expect(&prog, arch, nr, zero, newer_than_profile(ap, nr) ? ap->newer_action : policy.default_action, &budget);
    }
    if (ap->has_newer && ap->highest_named < UINT32_MAX && find(ap, ap->highest_named + 1) == NULL)
      expect(&prog, arch, ap->highest_named + 1, zero,
             newer_than_profile(ap, ap->highest_named + 1) ? ap->newer_action : policy.default_action, &budget);
  }
  kago_arena_free(&a);
  return 0;
}
