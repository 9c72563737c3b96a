/* Errors are values: every problem the core finds is collected with the JSON
 * pointer of the field it is about, so the host can print all of them at
 * once as "config.json: /mounts/3/destination: must be an absolute path". */
#ifndef KAGO_PROBLEMS_H
#define KAGO_PROBLEMS_H

#include "arena.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kago_severity { KAGO_ERROR = 0, KAGO_WARNING = 1 };

struct kago_problem {
  const char *pointer; /* RFC 6901 JSON pointer, "" for the document */
  const char *message;
  enum kago_severity severity;
  uint32_t line, column; /* 1-based; 0 when not known */
  struct kago_problem *next;
};

struct kago_problems {
  struct kago_arena *arena;
  struct kago_problem *first, *last;
  size_t errors, warnings;
  /* Problems counted but not listed: past KAGO_PROBLEMS_MAX_LISTED (a
   * generated config with a million bad values must not produce a million
   * messages), or when the arena had no room for the message. */
  size_t unlisted;
  bool out_of_memory;
};

#define KAGO_PROBLEMS_MAX_LISTED 1000

void kago_problems_init(struct kago_problems *p, struct kago_arena *arena);
void kago_problem_add(struct kago_problems *p, enum kago_severity sev, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same, with the source position (1-based line and column) the problem
 * is about. */
void kago_problem_add_at(struct kago_problems *p, enum kago_severity sev, const char *pointer, uint32_t line,
                         uint32_t column, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void kago_problem_vadd_at(struct kago_problems *p, enum kago_severity sev, const char *pointer, uint32_t line,
                          uint32_t column, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

#endif
