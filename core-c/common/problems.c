#include "problems.h"

#include <string.h>

void kago_problems_init(struct kago_problems *p, struct kago_arena *arena) {
  p->arena = arena;
  p->first = NULL;
  p->last = NULL;
  p->errors = 0;
  p->warnings = 0;
  p->unlisted = 0;
  p->out_of_memory = false;
}

void kago_problem_vadd_at(struct kago_problems *p, enum kago_severity sev, const char *pointer, uint32_t line,
                          uint32_t column, const char *fmt, va_list ap) {
  if (sev == KAGO_ERROR) {
    p->errors++;
  } else {
    p->warnings++;
  }
  if (p->errors + p->warnings > KAGO_PROBLEMS_MAX_LISTED) {
    p->unlisted++;
    return;
  }
  struct kago_problem *pr = kago_arena_alloc(p->arena, sizeof *pr);
  char *msg = pr == NULL ? NULL : kago_arena_vprintf(p->arena, fmt, ap);
  char *ptr = msg == NULL
                  ? NULL
                  : kago_arena_strndup(p->arena, pointer == NULL ? "" : pointer, pointer == NULL ? 0 : strlen(pointer));
  if (ptr == NULL) {
    p->unlisted++;
    p->out_of_memory = true;
    return;
  }
  pr->pointer = ptr;
  pr->message = msg;
  pr->severity = sev;
  pr->line = line;
  pr->column = column;
  pr->next = NULL;
  if (p->last == NULL) {
    p->first = pr;
  } else {
    p->last->next = pr;
  }
  p->last = pr;
}

void kago_problem_add_at(struct kago_problems *p, enum kago_severity sev, const char *pointer, uint32_t line,
                         uint32_t column, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kago_problem_vadd_at(p, sev, pointer, line, column, fmt, ap);
  va_end(ap);
}

void kago_problem_add(struct kago_problems *p, enum kago_severity sev, const char *pointer, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kago_problem_vadd_at(p, sev, pointer, 0, 0, fmt, ap);
  va_end(ap);
}
