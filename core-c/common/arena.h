/* A bump allocator: every allocation made while serving one call comes from
 * one arena and is released with it, so the core has no free() paths to get
 * wrong and no state that outlives a call (it must be reentrant in a browser). */
#ifndef KAGO_ARENA_H
#define KAGO_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct kago_arena_block;

struct kago_arena {
  struct kago_arena_block *head;
  size_t used_total;
  size_t limit; /* 0 = no limit; allocations past it fail (hostile input) */
};

void kago_arena_init(struct kago_arena *a, size_t limit);
/* Zeroed memory aligned to 16, or NULL when out of memory or over limit. */
void *kago_arena_alloc(struct kago_arena *a, size_t size);
/* Copy of s[0..len) with a NUL added. */
char *kago_arena_strndup(struct kago_arena *a, const char *s, size_t len);
/* printf into the arena. */
char *kago_arena_printf(struct kago_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* vprintf into the arena (ap is consumed). */
char *kago_arena_vprintf(struct kago_arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void kago_arena_free(struct kago_arena *a);

#endif
