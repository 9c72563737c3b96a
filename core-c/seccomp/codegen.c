/* Policy -> classic BPF.
 *
 * Shape of the filter: load seccomp_data.arch and dispatch on it; per
 * architecture (x86_64 and x32 share one audit value and one tree), load the
 * syscall number and descend a binary search tree over sorted ranges of
 * numbers with the same verdict; a leaf is a shared `ret` or, for a syscall
 * with argument conditions, a small block that checks them.
 *
 * The program is written back to front. Classic BPF only jumps forward, with
 * 8-bit offsets for conditional jumps, so emitting from the end means every
 * target already has its final position when a jump to it is written: a
 * `ret` that is too far away is duplicated next to the jump (no extra
 * instruction executed), any other far target gets a `ja` trampoline. */
#include "seccomp.h"

#include <string.h>

/* BPF opcodes, include/uapi/linux/filter.h and bpf_common.h. */
#define OP_LD_W_ABS 0x20
#define OP_ALU_AND_K 0x54
#define OP_JA 0x05
#define OP_JEQ_K 0x15
#define OP_JGT_K 0x25
#define OP_JGE_K 0x35
#define OP_RET_K 0x06

#define OFF_NR 0
#define OFF_ARCH 4
#define OFF_ARGS 16

/* Codegen never produces more than this many copies of distinct returns. */
#define MAX_RET_CACHE 64

struct target {
  bool is_ret;
  uint32_t action; /* is_ret */
  size_t pos; /* !is_ret: position counted from the end */
};

struct emitter {
  struct ksc_insn *buf; /* instruction at position p is buf[cap - 1 - p] */
  size_t cap, len;
  struct {
    uint32_t action;
    size_t pos;
  } rets[MAX_RET_CACHE];
  size_t nrets;
  bool overflow;
};

static struct target ret_target(uint32_t action) {
  struct target t = {true, action, 0};
  return t;
}

static struct target code_target(size_t pos) {
  struct target t = {false, 0, pos};
  return t;
}

static size_t emit(struct emitter *e, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k) {
  if (e->len >= e->cap) {
    e->overflow = true;
    return e->len;
  }
  struct ksc_insn *in = &e->buf[e->cap - 1 - e->len];
  in->code = code;
  in->jt = jt;
  in->jf = jf;
  in->k = k;
  return e->len++;
}

static size_t emit_ret(struct emitter *e, uint32_t action) {
  size_t pos = emit(e, OP_RET_K, 0, 0, action);
  size_t i = 0;
  while (i < e->nrets && e->rets[i].action != action) i++;
  if (i == e->nrets) {
    if (e->nrets == MAX_RET_CACHE) return pos; /* still correct, just not shared */
    e->nrets++;
  }
  e->rets[i].action = action;
  e->rets[i].pos = pos;
  return pos;
}

/* Position of an instruction that a jump written at the current position can
 * reach with an offset <= limit, emitting a copy or trampoline if needed. */
static size_t reach(struct emitter *e, struct target t, size_t limit) {
  if (t.is_ret) {
    for (size_t i = 0; i < e->nrets; i++)
      if (e->rets[i].action == t.action && e->len - e->rets[i].pos - 1 <= limit) return e->rets[i].pos;
    return emit_ret(e, t.action);
  }
  if (e->len - t.pos - 1 <= limit) return t.pos;
  return emit(e, OP_JA, 0, 0, (uint32_t)(e->len - t.pos - 1));
}

/* A conditional jump; returns its position. */
static size_t emit_jump(struct emitter *e, uint16_t code, uint32_t k, struct target jt, struct target jf) {
  /* Resolving jf may add one instruction, so jt keeps one step of margin. */
  size_t pt = reach(e, jt, 254);
  size_t pf = reach(e, jf, 255);
  if (e->len - pt - 1 > 255) pt = reach(e, jt, 255); /* unreachable in practice */
  return emit(e, code, (uint8_t)(e->len - pt - 1), (uint8_t)(e->len - pf - 1), k);
}

static size_t emit_load(struct emitter *e, uint32_t offset) { return emit(e, OP_LD_W_ABS, 0, 0, offset); }

struct word_layout {
  uint32_t lo[6], hi[6];
};

static void layout_for(const struct ksc_arch *arch, struct word_layout *w) {
  for (uint32_t i = 0; i < 6; i++) {
    uint32_t base = OFF_ARGS + 8 * i;
    w->lo[i] = base + (arch->big_endian ? 4 : 0);
    w->hi[i] = base + (arch->big_endian ? 0 : 4);
  }
}

/* One comparison of the accumulator against k that goes to `yes` when the
 * operator holds for the low word and to `no` otherwise. */
static size_t emit_low_compare(struct emitter *e, uint8_t op, uint32_t k, struct target yes, struct target no) {
  switch (op) {
  case KSC_EQ:
  case KSC_MASKED_EQ: return emit_jump(e, OP_JEQ_K, k, yes, no);
  case KSC_NE: return emit_jump(e, OP_JEQ_K, k, no, yes);
  case KSC_LT: return emit_jump(e, OP_JGE_K, k, no, yes);
  case KSC_LE: return emit_jump(e, OP_JGT_K, k, no, yes);
  case KSC_GT: return emit_jump(e, OP_JGT_K, k, yes, no);
  default: return emit_jump(e, OP_JGE_K, k, yes, no); /* KSC_GE */
  }
}

/* Whether op holds when the high words already differ (hi > value's or <). */
static bool holds_when_high(uint8_t op, bool greater) {
  switch (op) {
  case KSC_NE: return true;
  case KSC_GT:
  case KSC_GE: return greater;
  case KSC_LT:
  case KSC_LE: return !greater;
  default: return false;
  }
}

/* A run of rules with one condition each on the same argument (and, on 64-bit
 * ABIs, the same high word of their values): one load of each word and one
 * jump per rule, first match wins as in the plain sequence. */
static struct target emit_run(struct emitter *e, const struct ksc_rule *rules, size_t n, const struct ksc_arch *arch,
                              const struct word_layout *w, struct target next) {
  uint8_t idx = rules[0].cond[0].index;
  struct target fall = next;
  for (size_t i = n; i-- > 0;) {
    const struct ksc_cond *c = &rules[i].cond[0];
    size_t p = emit_low_compare(e, c->op, (uint32_t)c->value, ret_target(rules[i].action), fall);
    fall = code_target(p);
  }
  struct target low = code_target(emit_load(e, w->lo[idx]));
  if (arch->arg_bits == 32) return low;

  uint32_t vh = (uint32_t)(rules[0].cond[0].value >> 32);
  struct target gt = next, lt = next;
  for (size_t i = n; i-- > 0;) {
    if (holds_when_high(rules[i].cond[0].op, true)) gt = ret_target(rules[i].action);
    if (holds_when_high(rules[i].cond[0].op, false)) lt = ret_target(rules[i].action);
  }
  if (vh == 0)
    emit_jump(e, OP_JEQ_K, 0, low, gt); /* nothing is below 0 */
  else if (vh == UINT32_MAX)
    emit_jump(e, OP_JEQ_K, vh, low, lt);
  else {
    size_t p = emit_jump(e, OP_JGT_K, vh, gt, lt);
    emit_jump(e, OP_JEQ_K, vh, low, code_target(p));
  }
  return code_target(emit_load(e, w->hi[idx]));
}

/* One condition inside a rule with several: `pass` when it holds. */
static struct target emit_cond(struct emitter *e, const struct ksc_cond *c, const struct ksc_arch *arch,
                               const struct word_layout *w, struct target pass, struct target fail) {
  uint32_t vl = (uint32_t)c->value, ml = (uint32_t)c->mask;
  emit_low_compare(e, c->op, vl, pass, fail);
  if (c->op == KSC_MASKED_EQ && ml != UINT32_MAX) emit(e, OP_ALU_AND_K, 0, 0, ml);
  struct target low = code_target(emit_load(e, w->lo[c->index]));
  if (arch->arg_bits == 32) return low;

  uint32_t vh = (uint32_t)(c->value >> 32), mh = (uint32_t)(c->mask >> 32);
  switch (c->op) {
  case KSC_EQ: emit_jump(e, OP_JEQ_K, vh, low, fail); break;
  case KSC_NE: emit_jump(e, OP_JEQ_K, vh, low, pass); break;
  case KSC_GT:
  case KSC_GE:
    if (vh == 0)
      emit_jump(e, OP_JEQ_K, 0, low, pass);
    else if (vh == UINT32_MAX)
      emit_jump(e, OP_JEQ_K, vh, low, fail);
    else
      emit_jump(e, OP_JEQ_K, vh, low, code_target(emit_jump(e, OP_JGT_K, vh, pass, fail)));
    break;
  case KSC_LT:
  case KSC_LE:
    if (vh == 0)
      emit_jump(e, OP_JEQ_K, 0, low, fail);
    else if (vh == UINT32_MAX)
      emit_jump(e, OP_JEQ_K, vh, low, pass);
    else
      emit_jump(e, OP_JEQ_K, vh, low, code_target(emit_jump(e, OP_JGT_K, vh, fail, pass)));
    break;
  default: /* KSC_MASKED_EQ */
    if (mh == 0) return vh == 0 ? low : fail; /* the high word cannot matter */
    emit_jump(e, OP_JEQ_K, vh, low, fail);
    if (mh != UINT32_MAX) emit(e, OP_ALU_AND_K, 0, 0, mh);
    break;
  }
  return code_target(emit_load(e, w->hi[c->index]));
}

static bool joins_run(const struct ksc_rule *first, const struct ksc_rule *r, const struct ksc_arch *arch) {
  if (r->ncond != 1 || r->cond[0].op == KSC_MASKED_EQ) return false;
  if (r->cond[0].index != first->cond[0].index) return false;
  return arch->arg_bits == 32 || (r->cond[0].value >> 32) == (first->cond[0].value >> 32);
}

static struct target emit_syscall_block(struct emitter *e, const struct ksc_syscall_policy *sp,
                                        const struct ksc_arch *arch) {
  struct word_layout w;
  layout_for(arch, &w);
  struct target next = ret_target(sp->fallback);
  size_t end = sp->nrules;
  while (end > 0) {
    /* The run that ends at end-1 (runs are found backwards, which gives the
     * same partition as forwards for this equivalence-like grouping). */
    const struct ksc_rule *last = &sp->rules[end - 1];
    if (last->ncond == 1 && last->cond[0].op != KSC_MASKED_EQ) {
      size_t start = end - 1;
      while (start > 0 && joins_run(last, &sp->rules[start - 1], arch)) start--;
      next = emit_run(e, &sp->rules[start], end - start, arch, &w, next);
      end = start;
      continue;
    }
    struct target pass = ret_target(last->action);
    for (size_t c = last->ncond; c-- > 0;) pass = emit_cond(e, &last->cond[c], arch, &w, pass, next);
    next = pass;
    end--;
  }
  return next;
}

/* ---- the number tree ---- */

struct segment {
  uint32_t lo; /* first number; the segment ends where the next begins */
  bool is_block;
  uint32_t action; /* !is_block */
  const struct ksc_syscall_policy *sp; /* is_block */
  const struct ksc_arch *arch; /* is_block */
  uint32_t weight;
};

struct segments {
  struct segment *items;
  size_t len, cap;
};

static bool push_segment(struct segments *s, uint32_t lo, uint32_t action, const struct ksc_syscall_policy *sp,
                         const struct ksc_arch *arch) {
  bool is_block = sp != NULL && sp->nrules > 0;
  if (!is_block && s->len > 0 && !s->items[s->len - 1].is_block && s->items[s->len - 1].action == action) return true;
  if (s->len == s->cap) return false;
  struct segment *g = &s->items[s->len++];
  g->lo = lo;
  g->is_block = is_block;
  g->action = action;
  g->sp = is_block ? sp : NULL;
  g->arch = arch;
  g->weight = 0;
  return true;
}

/* The numbers an ABI owns under its audit value: x86_64 and x32 split
 * AUDIT_ARCH_X86_64 by __X32_SYSCALL_BIT; a filter for one of them sends the
 * other's numbers to the bad-architecture action, as libseccomp does, except
 * -1 (what the kernel reports for a syscall a tracer skipped), which
 * libseccomp lets through to the default action in both. */
struct domain {
  uint64_t lo, hi;
};

static size_t domain_of(const struct ksc_arch *arch, struct domain d[2]) {
  if (strcmp(arch->name, "SCMP_ARCH_X86_64") == 0) {
    d[0].lo = 0;
    d[0].hi = 0x3fffffff;
    d[1].lo = d[1].hi = UINT32_MAX;
    return 2;
  }
  d[0].lo = strcmp(arch->name, "SCMP_ARCH_X32") == 0 ? 0x40000000 : 0;
  d[0].hi = UINT32_MAX;
  return 1;
}

/* Weights model calls spread evenly over an ABI's syscall numbers: a range
 * weighs 16 per number inside [base, base + largest ordinary number], plus 1
 * so that no range is free. */
static uint64_t arch_window_end(const struct ksc_arch *arch) {
  uint32_t max = 0;
  for (size_t i = 0; i < KSC_SYSCALL_COUNT; i++) {
    uint16_t s = ksc_syscall_numbers[arch->column][i];
    if (s != KSC_NR_ABSENT && s < 0xf000 && s > max) max = s;
  }
  return (uint64_t)arch->nr_base + max;
}

static void weigh(struct segments *s, const struct ksc_arch *const *members, size_t nmembers) {
  uint64_t window_end[2];
  for (size_t m = 0; m < nmembers && m < 2; m++) window_end[m] = arch_window_end(members[m]);
  for (size_t i = 0; i < s->len; i++) {
    uint64_t lo = s->items[i].lo;
    uint64_t hi = i + 1 < s->len ? (uint64_t)s->items[i + 1].lo - 1 : UINT32_MAX;
    uint64_t w = 1;
    for (size_t m = 0; m < nmembers && m < 2; m++) {
      uint64_t wl = members[m]->nr_base, wh = window_end[m];
      uint64_t a = lo > wl ? lo : wl, b = hi < wh ? hi : wh;
      if (a <= b) w += 16 * (b - a + 1);
    }
    s->items[i].weight = w > UINT32_MAX / 4096 ? UINT32_MAX / 4096 : (uint32_t)w;
  }
}

/* The split of segments i..j: the last segment of the left subtree, chosen
 * so that both sides weigh about the same (a weight-balanced tree, within a
 * step of the optimal alphabetic tree here and linear to build; the optimal
 * one by dynamic programming cost more time than it saved instructions). */
static size_t split_of(const uint64_t *prefix, size_t i, size_t j) {
  uint64_t total = prefix[j + 1] - prefix[i];
  size_t lo = i, hi = j - 1; /* first k in [i, j-1] with 2*left(k) >= total */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (2 * (prefix[mid + 1] - prefix[i]) >= total)
      hi = mid;
    else
      lo = mid + 1;
  }
  /* lo or the one before it, whichever balances better */
  if (lo > i) {
    uint64_t a = prefix[lo + 1] - prefix[i], b = prefix[lo] - prefix[i];
    uint64_t da = 2 * a > total ? 2 * a - total : total - 2 * a;
    uint64_t db = 2 * b > total ? 2 * b - total : total - 2 * b;
    if (db < da) lo--;
  }
  return lo;
}

static struct target emit_tree(struct emitter *e, const struct segments *s, const uint64_t *prefix, size_t i,
                               size_t j) {
  if (i == j) {
    const struct segment *g = &s->items[i];
    return g->is_block ? emit_syscall_block(e, g->sp, g->arch) : ret_target(g->action);
  }
  size_t k = split_of(prefix, i, j);
  struct target right = emit_tree(e, s, prefix, k + 1, j);
  struct target left = emit_tree(e, s, prefix, i, k);
  return code_target(emit_jump(e, OP_JGE_K, s->items[k + 1].lo, right, left));
}

static bool build_segments(struct kago_arena *a, const struct ksc_policy *p,
                           const struct ksc_arch_policy *const *members, size_t nmembers, struct segments *s) {
  size_t cap = 8;
  for (size_t m = 0; m < nmembers; m++) cap += 2 * members[m]->nsyscalls + 4;
  s->items = kago_arena_alloc(a, cap * sizeof *s->items);
  s->cap = cap;
  s->len = 0;
  if (!s->items) return false;
  struct {
    struct domain d;
    const struct ksc_arch_policy *ap;
  } parts[4];
  size_t nparts = 0;
  for (size_t m = 0; m < nmembers && m < 2; m++) {
    struct domain d[2];
    size_t nd = domain_of(members[m]->arch, d);
    for (size_t i = 0; i < nd; i++) {
      size_t j = nparts++;
      while (j > 0 && parts[j - 1].d.lo > d[i].lo) {
        parts[j] = parts[j - 1];
        j--;
      }
      parts[j].d = d[i];
      parts[j].ap = members[m];
    }
  }
  uint64_t cur = 0;
  for (size_t k = 0; k < nparts; k++) {
    const struct ksc_arch_policy *ap = parts[k].ap;
    uint64_t lo = parts[k].d.lo, hi = parts[k].d.hi;
    if (lo < cur) lo = cur; /* overlapping domains: the first keeps the numbers */
    if (lo > hi) continue;
    if (cur < lo) push_segment(s, (uint32_t)cur, p->bad_arch_action, NULL, NULL);
    cur = lo;
    for (size_t i = 0; i < ap->nsyscalls; i++) {
      const struct ksc_syscall_policy *sp = &ap->syscalls[i];
      if (sp->nr < lo || sp->nr > hi) continue;
      if (cur < sp->nr) push_segment(s, (uint32_t)cur, p->default_action, NULL, NULL);
      push_segment(s, sp->nr, sp->fallback, sp, ap->arch);
      cur = (uint64_t)sp->nr + 1;
    }
    if (cur <= hi) push_segment(s, (uint32_t)cur, p->default_action, NULL, NULL);
    cur = hi + 1;
  }
  if (cur <= UINT32_MAX) push_segment(s, (uint32_t)cur, p->bad_arch_action, NULL, NULL);
  return true;
}

/* Gives [lo, hi] the action `action`, over whatever plain verdicts were
 * there (a block, a syscall with rules, keeps its numbers). */
static bool overlay(struct kago_arena *a, struct segments *s, uint32_t lo, uint32_t hi, uint32_t action) {
  struct segments out = {kago_arena_alloc(a, (s->len + 3) * sizeof *s->items), 0, s->len + 3};
  if (!out.items) return false;
  for (size_t i = 0; i < s->len; i++) {
    const struct segment *g = &s->items[i];
    uint64_t start = g->lo, end = i + 1 < s->len ? (uint64_t)s->items[i + 1].lo - 1 : UINT32_MAX;
    if (g->is_block || end < lo || start > hi) {
      bool ok = g->is_block ? push_segment(&out, g->lo, g->action, g->sp, g->arch)
                            : push_segment(&out, g->lo, g->action, NULL, NULL);
      if (!ok) return false;
      continue;
    }
    if (start < lo && !push_segment(&out, (uint32_t)start, g->action, NULL, NULL)) return false;
    if (!push_segment(&out, start > lo ? (uint32_t)start : lo, action, NULL, NULL)) return false;
    if (end > hi && !push_segment(&out, hi + 1, g->action, NULL, NULL)) return false;
  }
  *s = out;
  return true;
}

/* The numbers of syscalls newer than the profile, as runc's patchbpf stub
 * picks them: above the highest named number on the architecture. On
 * x86_64 the stub tells x32 by bit 30 alone (not by the x32 range), so with
 * x86_64 listed, bit-30-clear numbers above 0x7fffffff count too, and -1
 * (bit 30 set) is x32's; s390's 0 is the kernel's "unknown" multiplexer. */
static bool overlay_newer(struct kago_arena *a, struct segments *s, const struct ksc_arch_policy *ap) {
  if (!ap->has_newer) return true;
  uint32_t h = ap->highest_named, act = ap->newer_action;
  const char *name = ap->arch->name;
  if (strcmp(name, "SCMP_ARCH_X86_64") == 0)
    return (h >= 0x3fffffff || overlay(a, s, h + 1, 0x3fffffff, act)) && overlay(a, s, 0x80000000u, 0xbfffffffu, act);
  if (strcmp(name, "SCMP_ARCH_X32") == 0)
    return (h >= 0x7fffffff || overlay(a, s, h + 1, 0x7fffffff, act)) && overlay(a, s, 0xc0000000u, UINT32_MAX, act);
  if ((strcmp(name, "SCMP_ARCH_S390") == 0 || strcmp(name, "SCMP_ARCH_S390X") == 0) && !overlay(a, s, 0, 0, act))
    return false;
  return h == UINT32_MAX || overlay(a, s, h + 1, UINT32_MAX, act);
}

bool ksc_codegen(struct kago_arena *a, const struct ksc_policy *p, struct kago_problems *problems,
                 struct ksc_program *out, struct ksc_codegen_stats *stats) {
  memset(stats, 0, sizeof *stats);
  out->insns = NULL;
  out->len = 0;
  struct emitter e;
  memset(&e, 0, sizeof e);
  e.cap = KSC_MAX_INSNS + 1;
  e.buf = kago_arena_alloc(a, e.cap * sizeof *e.buf);
  if (!e.buf) goto oom;

  /* Groups of policy arches that share an audit value, in first-listed order. */
  size_t ngroups = 0;
  uint32_t group_audit[KSC_ARCH_COUNT];
  const struct ksc_arch_policy *members[KSC_ARCH_COUNT][2];
  size_t nmembers[KSC_ARCH_COUNT];
  size_t group_of[KSC_ARCH_COUNT];
  for (size_t i = 0; i < p->narches && i < KSC_ARCH_COUNT; i++) {
    const struct ksc_arch_policy *ap = &p->arches[i];
    size_t g = 0;
    while (g < ngroups && group_audit[g] != ap->arch->audit_arch) g++;
    if (g == ngroups) {
      group_audit[ngroups] = ap->arch->audit_arch;
      nmembers[ngroups++] = 0;
    }
    if (nmembers[g] < 2) members[g][nmembers[g]++] = ap;
    group_of[i] = g;
  }

  size_t group_start[KSC_ARCH_COUNT];
  for (size_t g = ngroups; g-- > 0;) {
    struct segments s;
    if (!build_segments(a, p, members[g], nmembers[g], &s)) goto oom;
    for (size_t m = 0; m < nmembers[g]; m++)
      if (!overlay_newer(a, &s, members[g][m])) goto oom;
    const struct ksc_arch *marches[2];
    for (size_t m = 0; m < nmembers[g]; m++) marches[m] = members[g][m]->arch;
    weigh(&s, marches, nmembers[g]);
    uint64_t *prefix = kago_arena_alloc(a, (s.len + 1) * sizeof *prefix);
    if (!prefix) goto oom;
    for (size_t i = 0; i < s.len; i++) prefix[i + 1] = prefix[i] + s.items[i].weight;
    struct target root = emit_tree(&e, &s, prefix, 0, s.len - 1);
    /* The tree's root must directly follow the load of the number. */
    size_t rp = reach(&e, root, 0);
    (void)rp;
    group_start[g] = emit_load(&e, OFF_NR);
    for (size_t i = 0; i < p->narches && i < KSC_ARCH_COUNT; i++)
      if (group_of[i] == g) stats->ranges[i] = s.len;
  }
  struct target next = ret_target(p->bad_arch_action);
  for (size_t g = ngroups; g-- > 0;)
    next = code_target(emit_jump(&e, OP_JEQ_K, group_audit[g], code_target(group_start[g]), next));
  if (ngroups == 0) reach(&e, next, 0);
  emit_load(&e, OFF_ARCH);

  stats->instructions = e.len;
  if (e.overflow || e.len > KSC_MAX_INSNS) {
    kago_problem_add(problems, KAGO_ERROR, "", "the filter needs more than the kernel's limit of %d BPF instructions",
                     KSC_MAX_INSNS);
    return false;
  }
  out->insns = &e.buf[e.cap - e.len];
  out->len = e.len;
  return true;
oom:
  kago_problem_add(problems, KAGO_ERROR, "", "out of memory while generating the filter");
  return false;
}
