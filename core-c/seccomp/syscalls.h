/* Per-architecture facts: syscall numbers and AUDIT_ARCH_* values. The data
 * is generated (syscalls.gen.c) from libseccomp's syscalls.csv; this header
 * is the only way to read it. */
#ifndef KSC_SYSCALLS_H
#define KSC_SYSCALLS_H

#include "syscalls.sizes.h"
#include <stddef.h>
#include <stdint.h>

struct ksc_arch {
  const char *name; /* OCI name, "SCMP_ARCH_X86_64" */
  uint32_t audit_arch; /* seccomp_data.arch */
  uint32_t nr_base; /* added to the table's numbers */
  uint8_t column; /* column of ksc_syscall_numbers */
  uint8_t big_endian; /* word order of seccomp_data's u64 fields */
  uint8_t arg_bits; /* 32: comparisons see only the low word */
};

#define KSC_NR_ABSENT 0xffffu

extern const char *const ksc_syscall_names[KSC_SYSCALL_COUNT];
extern const uint16_t ksc_syscall_numbers[KSC_COLUMN_COUNT][KSC_SYSCALL_COUNT];
extern const struct ksc_arch ksc_arches[KSC_ARCH_COUNT];
extern const char *const ksc_column_names[KSC_COLUMN_COUNT];

/* NULL when the name is not an architecture kago knows. */
const struct ksc_arch *ksc_arch_by_name(const char *name, size_t len);
/* Index of name in ksc_syscall_names, or -1. */
long ksc_syscall_index(const char *name, size_t len);
/* The number the kernel sees for syscall index i on arch (base included),
 * or -1 when arch does not have it. */
int64_t ksc_syscall_nr(const struct ksc_arch *arch, size_t index);
/* Name of the syscall the kernel sees as nr on arch, or NULL. */
const char *ksc_syscall_name(const struct ksc_arch *arch, uint32_t nr);

#endif
