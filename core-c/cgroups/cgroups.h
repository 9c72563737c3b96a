/* linux.resources -> the cgroup file writes that apply it, for cgroup v1, v2
 * and hybrid hosts; and the device allow list -> a BPF_PROG_TYPE_CGROUP_DEVICE
 * program for v2. Pure: the facts about the host come in as JSON. */
#ifndef KAGO_CGROUPS_H
#define KAGO_CGROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/arena.h"
#include "../common/problems.h"
#include "../json/json.h"

/* Computes the writes for resources_json (a linux.resources object) on the
 * host described by host_json:
 *   {"v1": ["cpu", "memory", ...],   controllers bound to v1 hierarchies
 *    "v2": ["hugetlb", ...] | null,  controllers of the v2 hierarchy (null:
 *                                    no cgroup2 mount)
 *    "hugepageSizes": ["2MB", ...], "swapAccounting": bool, "bfq": bool,
 *    "kmemTcp": bool (v1 memory.kmem.tcp.limit_in_bytes exists),
 *    "skipDevices": bool (update: leave the device rules alone)}
 * Problems are added to p (initialized by the caller). Returns
 *   {"writes": [{"version", "controller", "file", "value", "pointer"}],
 *    "devices": "v1" | "bpf" | "none", "checkBeforeUpdate": bool}
 * or NULL when out of memory. */
struct kj_value *kcg_writes(struct kago_arena *a, const char *resources_json, size_t resources_len,
                            const char *host_json, size_t host_len, struct kago_problems *p);

/* One eBPF instruction as the kernel reads it (struct bpf_insn). */
struct kcg_bpf_insn {
  uint8_t code;
  uint8_t regs; /* dst in the low nibble, src in the high one */
  int16_t off;
  int32_t imm;
};

struct kcg_bpf_program {
  struct kcg_bpf_insn *insns;
  size_t len;
};

/* Compiles linux.resources.devices (rules_json, may be NULL for none), after
 * the devices every container needs, into a cgroup device program. Problems
 * go to p; on errors the program is empty. */
void kcg_device_program(struct kago_arena *a, const char *rules_json, size_t rules_len, struct kago_problems *p,
                        struct kcg_bpf_program *out);

#endif
