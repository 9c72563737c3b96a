#include "text.h"

#include <stdio.h>
#include <string.h>

void kago_text_put(struct kago_text *t, const char *s, size_t n) {
  if (t->oom) return;
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + n + 1) cap *= 2;
    char *b = kago_arena_alloc(t->a, cap);
    if (!b) {
      t->oom = true;
      return;
    }
    if (t->len) memcpy(b, t->buf, t->len);
    t->buf = b;
    t->cap = cap;
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

void kago_text_puts(struct kago_text *t, const char *s) { kago_text_put(t, s, strlen(s)); }

void kago_text_json_string(struct kago_text *t, const char *s, size_t n) {
  kago_text_put(t, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *short_form = NULL;
    switch (c) {
    case '"': short_form = "\\\""; break;
    case '\\': short_form = "\\\\"; break;
    case '\b': short_form = "\\b"; break;
    case '\f': short_form = "\\f"; break;
    case '\n': short_form = "\\n"; break;
    case '\r': short_form = "\\r"; break;
    case '\t': short_form = "\\t"; break;
    default: break;
    }
    if (short_form) {
      kago_text_puts(t, short_form);
    } else if (c < 0x20) {
      char e[8];
      int len = snprintf(e, sizeof e, "\\u%04x", c);
      kago_text_put(t, e, (size_t)len);
    } else {
      kago_text_put(t, (const char *)&c, 1);
    }
  }
  kago_text_put(t, "\"", 1);
}
