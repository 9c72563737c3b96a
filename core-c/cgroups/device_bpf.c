/* The device rules as a BPF_PROG_TYPE_CGROUP_DEVICE program. The kernel
 * runs it on every open and mknod of a device node by a process in the
 * cgroup, with a struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
 * u32 minor; } where access_type is (access << 16) | type
 * (include/uapi/linux/bpf.h); returning 0 denies with EPERM.
 *
 * Rules are checked from the last to the first, so the last rule that
 * matches decides. r3 holds the requested access bits still undecided: an
 * allow rule that matches clears the bits it grants (all cleared: allow); a
 * deny rule that matches any undecided bit denies. That is exact for an
 * open(O_RDWR), which asks for read and write at once. */
#include <string.h>

#include "writes.h"

/* uapi/linux/bpf_common.h, uapi/linux/bpf.h */
#define BPF_LDX_MEM_W 0x61 /* BPF_LDX | BPF_MEM | BPF_W */
#define BPF_ALU32_AND_K 0x54 /* BPF_ALU | BPF_AND | BPF_K */
#define BPF_ALU32_RSH_K 0x74 /* BPF_ALU | BPF_RSH | BPF_K */
#define BPF_ALU32_MOV_K 0xb4 /* BPF_ALU | BPF_MOV | BPF_K */
#define BPF_ALU32_MOV_X 0xbc /* BPF_ALU | BPF_MOV | BPF_X */
#define BPF_JNE_K 0x55 /* BPF_JMP | BPF_JNE | BPF_K */
#define BPF_JEQ_K 0x15 /* BPF_JMP | BPF_JEQ | BPF_K */
#define BPF_JNE_X 0x5d /* BPF_JMP | BPF_JNE | BPF_X */
#define BPF_EXIT 0x95 /* BPF_JMP | BPF_EXIT */
#define DEVCG_DEV_BLOCK 1
#define DEVCG_DEV_CHAR 2

enum { R0 = 0, R1 = 1, TYPE = 2, ACCESS = 3, MAJOR = 4, MINOR = 5, TMP = 6 };

struct emitter {
  struct kcg_bpf_insn *insns;
  size_t len;
};

static void op(struct emitter *e, uint8_t code, int dst, int src, int16_t off, int32_t imm) {
  e->insns[e->len++] = (struct kcg_bpf_insn){code, (uint8_t)(dst | src << 4), off, imm};
}

/* A jump's immediate is sign-extended to 64 bits and the loaded device
 * number is not: a number above INT32_MAX would never compare equal to its
 * immediate, so it goes through a register (mov32 zero-extends). */
static size_t number_len(int64_t n) { return n == -1 ? 0 : n > INT32_MAX ? 2 : 1; }

/* Instructions a rule takes, so the jumps past it can be computed first. */
static size_t rule_len(const struct kcg_device_rule *r) {
  return 1 + number_len(r->major) + number_len(r->minor) + (r->allow ? 4 : 5);
}

/* Jumps to end unless the register holds n (-1: any number). */
static void number_check(struct emitter *e, int reg, int64_t n, size_t end) {
  if (n == -1) return;
  if (n > INT32_MAX) {
    op(e, BPF_ALU32_MOV_K, TMP, 0, 0, (int32_t)(uint32_t)n);
    op(e, BPF_JNE_X, reg, TMP, (int16_t)(end - e->len - 1), 0);
  } else {
    op(e, BPF_JNE_K, reg, 0, (int16_t)(end - e->len - 1), (int32_t)n);
  }
}

void kcg_device_bpf(struct kago_arena *a, const struct kcg_device_rules *rules, struct kcg_bpf_program *out) {
  size_t total = 6 + 2;
  for (size_t i = 0; i < rules->count; i++) total += rule_len(&rules->items[i]);
  struct emitter e = {kago_arena_alloc(a, total * sizeof *e.insns), 0};
  out->insns = e.insns;
  out->len = 0;
  if (e.insns == NULL) return;

  op(&e, BPF_LDX_MEM_W, TYPE, R1, 0, 0);
  op(&e, BPF_ALU32_AND_K, TYPE, 0, 0, 0xffff);
  op(&e, BPF_LDX_MEM_W, ACCESS, R1, 0, 0);
  op(&e, BPF_ALU32_RSH_K, ACCESS, 0, 0, 16);
  op(&e, BPF_LDX_MEM_W, MAJOR, R1, 4, 0);
  op(&e, BPF_LDX_MEM_W, MINOR, R1, 8, 0);
  for (size_t i = rules->count; i-- > 0;) {
    const struct kcg_device_rule *r = &rules->items[i];
    size_t end = e.len + rule_len(r);
    /* Each jump's offset counts from the instruction after it. */
#define TO_END() ((int16_t)(end - e.len - 1))
    op(&e, BPF_JNE_K, TYPE, 0, TO_END(), r->type == 'b' ? DEVCG_DEV_BLOCK : DEVCG_DEV_CHAR);
    number_check(&e, MAJOR, r->major, end);
    number_check(&e, MINOR, r->minor, end);
    if (r->allow) {
      op(&e, BPF_ALU32_AND_K, ACCESS, 0, 0, (int32_t)~r->access);
      op(&e, BPF_JNE_K, ACCESS, 0, TO_END(), 0);
      op(&e, BPF_ALU32_MOV_K, R0, 0, 0, 1);
      op(&e, BPF_EXIT, 0, 0, 0, 0);
    } else {
      op(&e, BPF_ALU32_MOV_X, TMP, ACCESS, 0, 0);
      op(&e, BPF_ALU32_AND_K, TMP, 0, 0, (int32_t)r->access);
      op(&e, BPF_JEQ_K, TMP, 0, TO_END(), 0);
      op(&e, BPF_ALU32_MOV_K, R0, 0, 0, 0);
      op(&e, BPF_EXIT, 0, 0, 0, 0);
    }
#undef TO_END
  }
  /* Nothing decided everything asked for: the default. */
  op(&e, BPF_ALU32_MOV_K, R0, 0, 0, rules->default_allow ? 1 : 0);
  op(&e, BPF_EXIT, 0, 0, 0, 0);
  out->len = e.len;
}

void kcg_device_program(struct kago_arena *a, const char *rules_json, size_t rules_len, struct kago_problems *p,
                        struct kcg_bpf_program *out) {
  struct kcg_host host;
  memset(&host, 0, sizeof host);
  struct kcg_ctx c = {.a = a, .problems = p, .host = &host};
  struct kj_error err;
  out->insns = NULL;
  out->len = 0;
  const struct kj_value *rules = NULL;
  if (rules_json != NULL && (rules = kj_parse(a, rules_json, rules_len, 64, &err)) == NULL) {
    kago_problem_add_at(p, KAGO_ERROR, "", err.line, err.column, "devices: %s", err.message);
    return;
  }
  if (rules != NULL && rules->type == KJ_NULL) rules = NULL;
  if (rules != NULL && rules->type != KJ_ARRAY) {
    kago_problem_add(p, KAGO_ERROR, "/linux/resources/devices", "must be an array, found %s",
                     kj_type_name(rules->type));
    return;
  }
  struct kcg_device_rules list;
  kcg_device_rules(&c, rules, &list);
  if (p->errors != 0 || list.items == NULL) return;
  kcg_device_bpf(a, &list, out);
}
