#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Blocks grow geometrically so a call that parses a large document makes few
 * trips to malloc; an allocation larger than the next block gets a block of
 * its own. */
#define KAGO_ARENA_ALIGN ((size_t)16)
#define KAGO_ARENA_FIRST_BLOCK ((size_t)16384)
#define KAGO_ARENA_MAX_BLOCK ((size_t)4 << 20)

struct kago_arena_block {
  struct kago_arena_block *next;
  size_t size; /* usable bytes after the header */
  size_t used;
};

/* The header occupies a multiple of the alignment so that data[0] stays
 * aligned whatever the size of a pointer is on the target. */
#define KAGO_ARENA_HEADER ((sizeof(struct kago_arena_block) + KAGO_ARENA_ALIGN - 1) & ~(KAGO_ARENA_ALIGN - 1))

static unsigned char *block_data(struct kago_arena_block *b) { return (unsigned char *)b + KAGO_ARENA_HEADER; }

static size_t align_up(size_t n) { return (n + KAGO_ARENA_ALIGN - 1) & ~(KAGO_ARENA_ALIGN - 1); }

void kago_arena_init(struct kago_arena *a, size_t limit) {
  a->head = NULL;
  a->used_total = 0;
  a->limit = limit;
}

static struct kago_arena_block *new_block(struct kago_arena *a, size_t need) {
  size_t size = KAGO_ARENA_FIRST_BLOCK;
  if (a->head != NULL) {
    size = a->head->size * 2;
    if (size > KAGO_ARENA_MAX_BLOCK) size = KAGO_ARENA_MAX_BLOCK;
  }
  if (size < need) size = need;
  if (a->limit != 0) {
    /* Never reserve more than the limit leaves: a hostile document must fail
     * with "too large", not exhaust the memory of the host. */
    size_t left = a->limit - a->used_total;
    if (need > left) return NULL;
    if (size > left) size = left;
  }
  if (size > SIZE_MAX - KAGO_ARENA_HEADER) return NULL;
  struct kago_arena_block *b = malloc(KAGO_ARENA_HEADER + size);
  if (b == NULL) return NULL;
  b->next = a->head;
  b->size = size;
  b->used = 0;
  a->head = b;
  return b;
}

void *kago_arena_alloc(struct kago_arena *a, size_t size) {
  if (size == 0) size = 1;
  if (size > SIZE_MAX - KAGO_ARENA_ALIGN) return NULL;
  size_t need = align_up(size);
  if (a->limit != 0 && (need > a->limit || a->used_total > a->limit - need)) return NULL;
  struct kago_arena_block *b = a->head;
  if (b == NULL || b->size - b->used < need) {
    b = new_block(a, need);
    if (b == NULL) return NULL;
  }
  void *p = block_data(b) + b->used;
  b->used += need;
  a->used_total += need;
  memset(p, 0, size);
  return p;
}

char *kago_arena_strndup(struct kago_arena *a, const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *p = kago_arena_alloc(a, len + 1);
  if (p == NULL) return NULL;
  if (len != 0) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *kago_arena_vprintf(struct kago_arena *a, const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  if (n < 0) {
    va_end(again);
    return NULL;
  }
  char *p = kago_arena_alloc(a, (size_t)n + 1);
  if (p != NULL) vsnprintf(p, (size_t)n + 1, fmt, again);
  va_end(again);
  return p;
}

char *kago_arena_printf(struct kago_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = kago_arena_vprintf(a, fmt, ap);
  va_end(ap);
  return p;
}

void kago_arena_free(struct kago_arena *a) {
  struct kago_arena_block *b = a->head;
  while (b != NULL) {
    struct kago_arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
  a->used_total = 0;
}
