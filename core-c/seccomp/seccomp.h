/* linux.seccomp -> classic BPF, in three stages like libseccomp's db/gen
 * split: parse the OCI object into a profile (names, actions, conditions),
 * normalize it per architecture into a policy (numbers, first-match rule
 * lists), then generate BPF from the policy. Plus an interpreter of the
 * result over struct seccomp_data. */
#ifndef KSC_SECCOMP_H
#define KSC_SECCOMP_H

#include "../common/arena.h"
#include "../common/problems.h"
#include "../json/json.h"
#include "syscalls.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SECCOMP_RET_* from include/uapi/linux/seccomp.h. The low 16 bits
 * (SECCOMP_RET_DATA) carry errno for ERRNO and the tracer's value for TRACE. */
#define KSC_RET_KILL_PROCESS 0x80000000u
#define KSC_RET_KILL_THREAD 0x00000000u
#define KSC_RET_TRAP 0x00030000u
#define KSC_RET_ERRNO 0x00050000u
#define KSC_RET_USER_NOTIF 0x7fc00000u
#define KSC_RET_TRACE 0x7ff00000u
#define KSC_RET_LOG 0x7ffc0000u
#define KSC_RET_ALLOW 0x7fff0000u
#define KSC_RET_ACTION_FULL 0xffff0000u
#define KSC_RET_DATA 0x0000ffffu

/* SECCOMP_FILTER_FLAG_* from include/uapi/linux/seccomp.h. */
#define KSC_FLAG_TSYNC 1u
#define KSC_FLAG_LOG 2u
#define KSC_FLAG_SPEC_ALLOW 4u
#define KSC_FLAG_WAIT_KILLABLE_RECV 32u

/* libseccomp's default action for a foreign architecture kills; kago kills
 * the whole process rather than one thread, so no thread of a container
 * keeps running after another one was stopped at the door. */
#define KSC_BAD_ARCH_ACTION KSC_RET_KILL_PROCESS

/* The classic BPF program limit, BPF_MAXINSNS. */
#define KSC_MAX_INSNS 4096

enum ksc_op { KSC_NE, KSC_LT, KSC_LE, KSC_EQ, KSC_GE, KSC_GT, KSC_MASKED_EQ };

struct ksc_cond {
  uint8_t index; /* argument 0..5 */
  uint8_t op; /* enum ksc_op */
  uint64_t value; /* datum; for MASKED_EQ the value compared after masking */
  uint64_t mask; /* MASKED_EQ only */
};

/* One OCI syscalls[] entry after runc's normalization: conditions on
 * distinct argument indexes, ANDed. */
struct ksc_rule {
  uint32_t action; /* SECCOMP_RET_* including the data bits */
  uint8_t ncond;
  struct ksc_cond cond[6];
};

/* One OCI syscalls[] entry. runc turns an entry whose conditions repeat an
 * argument index into one rule per condition (libseccomp cannot AND two
 * conditions on one argument), so an entry holds one or more rules. */
struct ksc_profile_entry {
  const struct kj_value *const *names; /* KJ_STRING values */
  size_t nnames;
  const char *pointer; /* of the entry, for problems */
  struct ksc_rule *rules;
  size_t nrules;
};

struct ksc_profile {
  uint32_t default_action;
  uint32_t flags;
  const struct ksc_arch *arches[KSC_ARCH_COUNT];
  size_t narches;
  struct ksc_profile_entry *entries;
  size_t nentries;
  bool uses_notify;
  const char *listener_path; /* NULL when absent */
};

/* One syscall of one architecture: its rules in the order libseccomp
 * evaluates them (the first whose conditions all hold decides), then
 * fallback when none does. */
struct ksc_syscall_policy {
  uint32_t nr;
  uint32_t fallback;
  size_t nrules;
  struct ksc_rule *rules;
};

struct ksc_arch_policy {
  const struct ksc_arch *arch;
  struct ksc_syscall_policy *syscalls; /* sorted by nr, unique */
  size_t nsyscalls;
  /* A syscall newer than every name of the profile (a number above the
   * highest it names on this architecture) gets newer_action instead of the
   * default when has_newer: ERRNO(ENOSYS), as runc's patchbpf stub gives it,
   * because glibc falls back to an older syscall only on ENOSYS. */
  bool has_newer;
  uint32_t highest_named;
  uint32_t newer_action;
};

struct ksc_policy {
  uint32_t default_action;
  uint32_t bad_arch_action;
  struct ksc_arch_policy *arches;
  size_t narches;
};

struct ksc_insn { /* struct sock_filter */
  uint16_t code;
  uint8_t jt, jf;
  uint32_t k;
};

struct ksc_program {
  struct ksc_insn *insns;
  size_t len;
};

/* Parses an OCI linux.seccomp object. base is the JSON pointer of obj in its
 * document ("/linux/seccomp"); problems get pointers under it. Returns false
 * on errors (they are in problems). */
bool ksc_parse_profile(struct kago_arena *a, const struct kj_value *obj, const char *base,
                       struct kago_problems *problems, struct ksc_profile *out);

/* Resolves names per architecture (unknown names are warnings) and applies
 * libseccomp/runc's rule semantics. */
bool ksc_normalize(struct kago_arena *a, const struct ksc_profile *profile, const char *base,
                   struct kago_problems *problems, struct ksc_policy *out);

struct ksc_codegen_stats {
  size_t instructions;
  size_t ranges[KSC_ARCH_COUNT]; /* per policy arch: ranges in its number tree */
};

/* Generates the filter. Returns false (with a problem) when the program would
 * exceed KSC_MAX_INSNS or memory runs out. */
bool ksc_codegen(struct kago_arena *a, const struct ksc_policy *policy, struct kago_problems *problems,
                 struct ksc_program *out, struct ksc_codegen_stats *stats);

struct ksc_verdict {
  uint32_t ret; /* the filter's return value */
  size_t executed; /* instructions executed, the ret included */
  bool valid; /* false: the program is malformed or ran off its end */
  const char *error; /* static text when !valid */
  uint16_t path[64]; /* first instructions executed */
  size_t path_len;
};

/* Runs a filter over the seccomp_data the kernel would build for arch
 * (its audit value and word order), nr and args. */
void ksc_simulate(const struct ksc_insn *insns, size_t len, const struct ksc_arch *arch, uint32_t nr,
                  const uint64_t args[6], struct ksc_verdict *out);

/* The OCI name of an action (without its data), "SCMP_ACT_ERRNO". */
const char *ksc_action_name(uint32_t ret);

/* parse + normalize + codegen, and a JSON report:
 * {"problems":[...],"flags":N,"instructions":N,"arches":[...]}.
 * text is a seccomp object or a whole config.json; arches, when non-empty,
 * is a comma-separated list of OCI architecture names that replaces the
 * profile's. Always returns the report; program->len is 0 on errors. */
const char *ksc_compile(struct kago_arena *a, const char *text, size_t len, const char *arches, size_t arches_len,
                        struct ksc_program *program);

/* A JSON verdict for one simulated call. */
const char *ksc_verdict_json(struct kago_arena *a, const struct ksc_verdict *v);

#endif
