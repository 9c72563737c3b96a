/* Profile -> per-architecture policy, with the semantics a profile has under
 * runc + libseccomp, so that a container behaves the same under kago:
 * - names unknown to every architecture are skipped with a warning (runc
 *   logs and ignores them); a name known elsewhere but absent on one
 *   architecture is silently skipped there;
 * - a rule whose action equals the default action is dropped (libseccomp
 *   refuses it with EACCES and runc does not add it);
 * - a rule without conditions takes the whole syscall: libseccomp discards
 *   the conditional rules added before it, and ignores any rule added after
 *   it (db.c keeps the "catch-all" entry);
 * - conditional rules keep their order; the first whose conditions hold
 *   decides;
 * - a syscall above the highest number the profile names gets ENOSYS
 *   unless the default action lets it through anyway (runc's patchbpf). */
#include "seccomp.h"

#include <stdlib.h>
#include <string.h>

struct syscall_state {
  bool present;
  bool catch_all;
  uint32_t catch_all_action;
  struct ksc_rule *rules;
  size_t nrules, cap;
};

static bool append_rule(struct kago_arena *a, struct syscall_state *s, const struct ksc_rule *r) {
  if (s->nrules == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 4;
    struct ksc_rule *n = kago_arena_alloc(a, cap * sizeof *n);
    if (!n) return false;
    if (s->nrules) memcpy(n, s->rules, s->nrules * sizeof *n);
    s->rules = n;
    s->cap = cap;
  }
  s->rules[s->nrules++] = *r;
  return true;
}

/* ENOSYS as the architecture's kernel numbers it (arch/mips and
 * arch/parisc have their own errno tables). */
static uint32_t enosys_of(const struct ksc_arch *arch) {
  if (strncmp(arch->name, "SCMP_ARCH_MIPS", 14) == 0) return 89;
  if (strncmp(arch->name, "SCMP_ARCH_PARISC", 16) == 0) return 251;
  return 38;
}

/* runc (libcontainer/seccomp/patchbpf, generatePatch): no stub when the
 * default already lets an unknown syscall through (allow, log, and trace,
 * whose tracer is expected to handle new syscalls itself) or already is
 * ENOSYS. */
static bool wants_newer_enosys(uint32_t default_action, const struct ksc_arch *arch) {
  uint32_t action = default_action & KSC_RET_ACTION_FULL;
  if (action == KSC_RET_ALLOW || action == KSC_RET_LOG || action == KSC_RET_TRACE) return false;
  return default_action != (KSC_RET_ERRNO | enosys_of(arch));
}

static int by_nr(const void *x, const void *y) {
  const struct ksc_syscall_policy *a = x, *b = y;
  return a->nr < b->nr ? -1 : a->nr > b->nr ? 1 : 0;
}

bool ksc_normalize(struct kago_arena *a, const struct ksc_profile *profile, const char *base,
                   struct kago_problems *problems, struct ksc_policy *out) {
  (void)base;
  memset(out, 0, sizeof *out);
  out->default_action = profile->default_action;
  out->bad_arch_action = KSC_BAD_ARCH_ACTION;

  /* Resolve every name once; warn about the unknown ones once. */
  size_t total = 0;
  for (size_t e = 0; e < profile->nentries; e++) total += profile->entries[e].nnames;
  long *index = kago_arena_alloc(a, (total + 1) * sizeof *index);
  out->arches = kago_arena_alloc(a, (profile->narches + 1) * sizeof *out->arches);
  struct syscall_state *state = kago_arena_alloc(a, KSC_SYSCALL_COUNT * sizeof *state);
  if (!index || !out->arches || !state) goto oom;
  size_t k = 0;
  for (size_t e = 0; e < profile->nentries; e++) {
    const struct ksc_profile_entry *en = &profile->entries[e];
    for (size_t j = 0; j < en->nnames; j++, k++) {
      const struct kj_value *nm = en->names[j];
      index[k] = ksc_syscall_index(nm->u.string.s, nm->u.string.len);
      if (index[k] < 0) {
        const char *ptr = kj_pointer_index(a, kj_pointer_key(a, en->pointer, "names"), j);
        kago_problem_add_at(problems, KAGO_WARNING, ptr, nm->line, nm->column, "unknown syscall \"%s\" is ignored",
                            nm->u.string.s);
      }
    }
  }

  for (size_t ai = 0; ai < profile->narches; ai++) {
    const struct ksc_arch *arch = profile->arches[ai];
    memset(state, 0, KSC_SYSCALL_COUNT * sizeof *state);
    size_t present = 0;
    /* runc's findLastSyscalls: over every name of the profile, whatever its
     * action (one equal to the default included). */
    int64_t highest = -1;
    k = 0;
    for (size_t e = 0; e < profile->nentries; e++) {
      const struct ksc_profile_entry *en = &profile->entries[e];
      for (size_t j = 0; j < en->nnames; j++, k++) {
        int64_t nr = index[k] < 0 ? -1 : ksc_syscall_nr(arch, (size_t)index[k]);
        if (nr < 0) continue;
        if (nr > highest) highest = nr;
        struct syscall_state *s = &state[index[k]];
        for (size_t r = 0; r < en->nrules; r++) {
          const struct ksc_rule *rule = &en->rules[r];
          if (rule->action == profile->default_action) continue;
          if (!s->present) present++;
          s->present = true;
          if (s->catch_all) continue;
          if (rule->ncond == 0) {
            s->catch_all = true;
            s->catch_all_action = rule->action;
            s->nrules = 0;
          } else if (!append_rule(a, s, rule))
            goto oom;
        }
      }
    }

    struct ksc_arch_policy *ap = &out->arches[out->narches++];
    ap->arch = arch;
    /* A profile that names nothing on this architecture has no "newer"
     * (runc warns and leaves the architecture out of its stub). */
    ap->has_newer = highest >= 0 && wants_newer_enosys(profile->default_action, arch);
    ap->highest_named = highest >= 0 ? (uint32_t)highest : 0;
    ap->newer_action = KSC_RET_ERRNO | enosys_of(arch);
    ap->syscalls = kago_arena_alloc(a, (present + 1) * sizeof *ap->syscalls);
    if (!ap->syscalls) goto oom;
    for (size_t i = 0; i < KSC_SYSCALL_COUNT; i++) {
      struct syscall_state *s = &state[i];
      if (!s->present) continue;
      uint32_t fallback = s->catch_all ? s->catch_all_action : profile->default_action;
      size_t n = s->nrules;
      /* Trailing rules that decide what the fallback decides anyway. */
      while (n > 0 && s->rules[n - 1].action == fallback) n--;
      if (n == 0 && fallback == profile->default_action) continue;
      struct ksc_syscall_policy *sp = &ap->syscalls[ap->nsyscalls++];
      sp->nr = (uint32_t)ksc_syscall_nr(arch, i);
      sp->fallback = fallback;
      sp->nrules = n;
      sp->rules = s->rules;
    }
    qsort(ap->syscalls, ap->nsyscalls, sizeof *ap->syscalls, by_nr);
  }
  return true;
oom:
  kago_problem_add(problems, KAGO_ERROR, base, "out of memory while resolving syscalls");
  return false;
}
