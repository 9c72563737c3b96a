#include "syscalls.h"

#include <stdbool.h>
#include <string.h>

static int compare_name(const char *a, const char *b, size_t blen) {
  size_t i = 0;
  for (; i < blen && a[i] != '\0'; i++) {
    if ((unsigned char)a[i] != (unsigned char)b[i]) return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
  }
  if (i < blen) return -1; /* a is a prefix of b */
  return a[i] == '\0' ? 0 : 1;
}

const struct ksc_arch *ksc_arch_by_name(const char *name, size_t len) {
  for (size_t i = 0; i < KSC_ARCH_COUNT; i++)
    if (compare_name(ksc_arches[i].name, name, len) == 0) return &ksc_arches[i];
  return NULL;
}

long ksc_syscall_index(const char *name, size_t len) {
  size_t lo = 0, hi = KSC_SYSCALL_COUNT;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = compare_name(ksc_syscall_names[mid], name, len);
    if (c == 0) return (long)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

/* ARM's private syscalls are stored as 0xf000 | n for __ARM_NR_BASE + n. */
static int64_t decode(uint16_t stored) {
  if (stored == KSC_NR_ABSENT) return -1;
  if (stored >= 0xf000) return 0x0f0000 + (stored & 0x0fff);
  return stored;
}

int64_t ksc_syscall_nr(const struct ksc_arch *arch, size_t index) {
  if (index >= KSC_SYSCALL_COUNT) return -1;
  int64_t n = decode(ksc_syscall_numbers[arch->column][index]);
  return n < 0 ? -1 : n + arch->nr_base;
}

const char *ksc_syscall_name(const struct ksc_arch *arch, uint32_t nr) {
  for (size_t i = 0; i < KSC_SYSCALL_COUNT; i++)
    if (ksc_syscall_nr(arch, i) == (int64_t)nr) return ksc_syscall_names[i];
  return NULL;
}

/* For the spec validator (core-c/napi/spec_napi.c), which warns about names
 * no architecture knows. */
bool kago_seccomp_syscall_name_known(const char *name, size_t len);
bool kago_seccomp_syscall_name_known(const char *name, size_t len) { return ksc_syscall_index(name, len) >= 0; }
