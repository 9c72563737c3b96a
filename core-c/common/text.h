/* Text built up in an arena, for the JSON the core reports and the
 * launcher prints. A failed allocation sets oom and stops appending. */
#ifndef KAGO_TEXT_H
#define KAGO_TEXT_H

#include "arena.h"
#include <stdbool.h>
#include <stddef.h>

struct kago_text {
  struct kago_arena *a;
  char *buf; /* NUL-terminated once anything was appended */
  size_t len, cap;
  bool oom;
};

void kago_text_put(struct kago_text *t, const char *s, size_t n);
void kago_text_puts(struct kago_text *t, const char *s);
/* s[0..n), which may hold NULs, as a JSON string escaped as JavaScript's
 * JSON.stringify escapes valid UTF-8: \" \\ \b \f \n \r \t, other control
 * characters as \u00xx, everything else as it is. */
void kago_text_json_string(struct kago_text *t, const char *s, size_t n);

#endif
