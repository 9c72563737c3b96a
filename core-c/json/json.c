/* A strict RFC 8259 parser. What it refuses, and why:
 * - trailing commas, comments, single quotes, unquoted names, leading zeros,
 *   NaN/Infinity: not JSON, and other runtimes (Go's encoding/json in runc)
 *   refuse them too, so a config kago accepts works with its peers;
 * - invalid UTF-8 inside strings (RFC 8259 section 8.1 requires UTF-8);
 * - a lone UTF-16 surrogate escape (\uD800 without its pair): it encodes no
 *   character (RFC 8259 section 8.2 leaves the behaviour unpredictable);
 *   replacing it by U+FFFD, as Go does, would silently change a path or an
 *   argument, so it is an error here;
 * - a byte order mark (section 8.1: "MUST NOT add"; a parser "MAY ignore"
 *   one, but Go does not, so such a config would fail elsewhere);
 * - nesting deeper than the caller's limit (the parser recurses).
 * Duplicate member names are kept; kj_get returns the last, like Go and
 * JSON.parse. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
  struct kago_arena *a;
  const unsigned char *s;
  size_t len, pos;
  unsigned max_depth;
  uint32_t line;
  size_t line_start;
  /* Column cache: positions are asked for in increasing order, so counting
   * characters from the last answer keeps a one-line 2 MB document linear. */
  size_t col_line_start, col_pos;
  uint32_t col;
  struct kj_error *err;
  bool failed;
  /* Scratch stacks shared by all nesting levels; a finished container copies
   * its part into an exact-size array and pops it. */
  struct kj_value **items;
  size_t items_len, items_cap;
  struct kj_member *members;
  size_t members_len, members_cap;
};

static uint32_t column_at(struct parser *p, size_t off) {
  if (p->col_line_start != p->line_start || off < p->col_pos) {
    p->col_line_start = p->line_start;
    p->col_pos = p->line_start;
    p->col = 1;
  }
  for (size_t i = p->col_pos; i < off && i < p->len; i++) {
    /* Count characters, not bytes: UTF-8 continuation bytes are 10xxxxxx. */
    if ((p->s[i] & 0xC0) != 0x80) p->col++;
  }
  p->col_pos = off;
  return p->col;
}

static void fail(struct parser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(struct parser *p, size_t off, const char *fmt, ...) {
  if (p->failed) return;
  p->failed = true;
  p->err->line = p->line;
  p->err->column = column_at(p, off);
  va_list ap;
  va_start(ap, fmt);
  const char *m = kago_arena_vprintf(p->a, fmt, ap);
  va_end(ap);
  p->err->message = m != NULL ? m : "out of memory while reporting a syntax error";
}

static void fail_oom(struct parser *p) {
  if (p->failed) return;
  p->failed = true;
  p->err->line = p->line;
  p->err->column = column_at(p, p->pos);
  p->err->message = "document too large: the memory limit for parsing was reached";
}

/* What is at off, for messages: never raw bytes, so a message is always
 * valid UTF-8 whatever the input. */
static const char *describe(struct parser *p, size_t off) {
  if (off >= p->len) return "end of input";
  unsigned char c = p->s[off];
  if (c == '\n' || c == '\r') return "a line break";
  if (c == '\t') return "a tab";
  if (c >= 0x20 && c < 0x7F) {
    const char *m = kago_arena_printf(p->a, "'%c'", c);
    return m != NULL ? m : "a character";
  }
  const char *m = kago_arena_printf(p->a, "byte 0x%02X", c);
  return m != NULL ? m : "a byte";
}

static void skip_ws(struct parser *p) {
  while (p->pos < p->len) {
    unsigned char c = p->s[p->pos];
    if (c == '\n') {
      p->pos++;
      p->line++;
      p->line_start = p->pos;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      p->pos++;
    } else {
      break;
    }
  }
}

static struct kj_value *new_value(struct parser *p, enum kj_type t, size_t start) {
  struct kj_value *v = kago_arena_alloc(p->a, sizeof *v);
  if (v == NULL) {
    fail_oom(p);
    return NULL;
  }
  v->type = t;
  v->line = p->line;
  v->column = column_at(p, start);
  return v;
}

static bool is_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629 table 3-7,
 * which excludes overlong forms, encoded surrogates and code points past
 * U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  unsigned char lo = 0x80, hi = 0xBF;
  size_t len;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++) {
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  }
  return len;
}

static bool read_hex4(struct parser *p, size_t at, uint32_t *out) {
  if (at + 4 > p->len) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; i++) {
    int h = hex_value(p->s[at + i]);
    if (h < 0) return false;
    v = (v << 4) | (uint32_t)h;
  }
  *out = v;
  return true;
}

/* p->pos is at the opening quote. On success the decoded text is in
 * out and out_len and p->pos is past the closing quote. */
static bool parse_string_raw(struct parser *p, const char **out, size_t *out_len) {
  size_t open = p->pos;
  size_t end = open + 1;
  while (end < p->len) {
    unsigned char c = p->s[end];
    if (c == '"' || c == '\n') break;
    /* An escape consumes the next byte whatever it is, so an escaped quote
     * never ends the string; the decoder below judges the escape. */
    end += (c == '\\' && end + 1 < p->len && p->s[end + 1] != '\n') ? 2 : 1;
  }
  if (end >= p->len) {
    /* Report at the opening quote: the place to look is where it began. */
    fail(p, open, "unterminated string: the closing '\"' is missing");
    return false;
  }
  if (p->s[end] == '\n') {
    fail(p, end, "a line break inside a string must be written as \\n (or the closing '\"' is missing)");
    return false;
  }
  /* Escapes only shrink the text, so the raw length bounds the result. */
  char *buf = kago_arena_alloc(p->a, end - open);
  if (buf == NULL) {
    fail_oom(p);
    return false;
  }
  size_t n = 0;
  size_t i = open + 1;
  while (i < end) {
    unsigned char c = p->s[i];
    if (c == '\\') {
      unsigned char e = p->s[i + 1];
      switch (e) {
      case '"':
        buf[n++] = '"';
        i += 2;
        continue;
      case '\\':
        buf[n++] = '\\';
        i += 2;
        continue;
      case '/':
        buf[n++] = '/';
        i += 2;
        continue;
      case 'b':
        buf[n++] = '\b';
        i += 2;
        continue;
      case 'f':
        buf[n++] = '\f';
        i += 2;
        continue;
      case 'n':
        buf[n++] = '\n';
        i += 2;
        continue;
      case 'r':
        buf[n++] = '\r';
        i += 2;
        continue;
      case 't':
        buf[n++] = '\t';
        i += 2;
        continue;
      case 'u': break;
      default:
        if (e >= 0x20 && e < 0x7F) {
          fail(p, i, "invalid escape '\\%c' in a string (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)",
               e);
        } else {
          fail(p, i, "invalid escape in a string: '\\' followed by %s", describe(p, i + 1));
        }
        return false;
      }
      uint32_t cp;
      if (!read_hex4(p, i + 2, &cp) || i + 6 > end) {
        fail(p, i, "expected four hexadecimal digits after '\\u'");
        return false;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail(p, i, "lone surrogate '\\u%04X': a low surrogate must follow a high surrogate (\\uD800-\\uDBFF)",
             (unsigned)cp);
        return false;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t low;
        if (i + 12 > end || p->s[i + 6] != '\\' || p->s[i + 7] != 'u' || !read_hex4(p, i + 8, &low) || low < 0xDC00 ||
            low > 0xDFFF) {
          fail(
              p, i,
              "lone surrogate '\\u%04X': a high surrogate must be followed by a low surrogate escape (\\uDC00-\\uDFFF)",
              (unsigned)cp);
          return false;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        i += 6;
      }
      n += put_utf8(buf + n, cp);
      i += 6;
    } else if (c < 0x20) {
      fail(p, i, "control character U+%04X must be escaped in a string", c);
      return false;
    } else if (c < 0x80) {
      buf[n++] = (char)c;
      i++;
    } else {
      size_t l = utf8_sequence(p->s + i, end - i);
      if (l == 0) {
        fail(p, i, "invalid UTF-8 in a string (byte 0x%02X)", c);
        return false;
      }
      memcpy(buf + n, p->s + i, l);
      n += l;
      i += l;
    }
  }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  p->pos = end + 1;
  return true;
}

static struct kj_value *parse_value(struct parser *p, unsigned depth);

static bool push_item(struct parser *p, struct kj_value *v) {
  if (p->items_len == p->items_cap) {
    size_t cap = p->items_cap == 0 ? 64 : p->items_cap * 2;
    struct kj_value **n = kago_arena_alloc(p->a, cap * sizeof *n);
    if (n == NULL) {
      fail_oom(p);
      return false;
    }
    if (p->items_len != 0) memcpy(n, p->items, p->items_len * sizeof *n);
    p->items = n;
    p->items_cap = cap;
  }
  p->items[p->items_len++] = v;
  return true;
}

static bool push_member(struct parser *p, const char *key, size_t key_len, struct kj_value *v) {
  if (p->members_len == p->members_cap) {
    size_t cap = p->members_cap == 0 ? 32 : p->members_cap * 2;
    struct kj_member *n = kago_arena_alloc(p->a, cap * sizeof *n);
    if (n == NULL) {
      fail_oom(p);
      return false;
    }
    if (p->members_len != 0) memcpy(n, p->members, p->members_len * sizeof *n);
    p->members = n;
    p->members_cap = cap;
  }
  struct kj_member *m = &p->members[p->members_len++];
  m->key = key;
  m->key_len = key_len;
  m->value = v;
  return true;
}

static bool check_depth(struct parser *p, unsigned depth) {
  if (depth >= p->max_depth) {
    fail(p, p->pos, "nesting is deeper than %u levels", p->max_depth);
    return false;
  }
  return true;
}

static void fail_member_name(struct parser *p, const char *after) {
  unsigned char c = p->pos < p->len ? p->s[p->pos] : 0;
  if (p->pos >= p->len) {
    fail(p, p->pos, "unexpected end of input: expected a member name in double quotes%s", after);
  } else if (c == '\'') {
    fail(p, p->pos, "member names must be in double quotes (\"), not single quotes");
  } else if (is_word_char(c)) {
    fail(p, p->pos, "member names must be strings in double quotes");
  } else if (c == '/') {
    fail(p, p->pos, "comments are not allowed in JSON");
  } else {
    fail(p, p->pos, "expected a member name in double quotes%s, found %s", after, describe(p, p->pos));
  }
}

static struct kj_value *parse_object(struct parser *p, unsigned depth) {
  if (!check_depth(p, depth)) return NULL;
  struct kj_value *v = new_value(p, KJ_OBJECT, p->pos);
  if (v == NULL) return NULL;
  uint32_t open_line = v->line, open_col = v->column;
  p->pos++;
  size_t base = p->members_len;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == '}') {
    p->pos++;
    return v;
  }
  if (p->pos >= p->len || p->s[p->pos] != '"') {
    fail_member_name(p, " or '}'");
    return NULL;
  }
  for (;;) {
    const char *key;
    size_t key_len;
    if (!parse_string_raw(p, &key, &key_len)) return NULL;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':') {
      fail(p, p->pos, "expected ':' after member name \"%.*s\", found %s", key_len > 40 ? 40 : (int)key_len, key,
           describe(p, p->pos));
      return NULL;
    }
    p->pos++;
    struct kj_value *item = parse_value(p, depth + 1);
    if (item == NULL) return NULL;
    if (!push_member(p, key, key_len, item)) return NULL;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ',') {
      size_t comma = p->pos;
      uint32_t comma_line = p->line;
      size_t comma_line_start = p->line_start;
      p->pos++;
      skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == '}') {
        /* Point at the comma, which may be lines above the '}'. */
        p->line = comma_line;
        p->line_start = comma_line_start;
        fail(p, comma, "trailing comma before '}' is not allowed in JSON");
        return NULL;
      }
      if (p->pos >= p->len || p->s[p->pos] != '"') {
        fail_member_name(p, " after ','");
        return NULL;
      }
      continue;
    }
    if (p->pos < p->len && p->s[p->pos] == '}') {
      p->pos++;
      break;
    }
    if (p->pos >= p->len) {
      fail(p, p->pos, "unexpected end of input: expected ',' or '}' to continue the object opened at line %u column %u",
           (unsigned)open_line, (unsigned)open_col);
    } else if (p->s[p->pos] == '/') {
      fail(p, p->pos, "comments are not allowed in JSON");
    } else {
      fail(p, p->pos, "expected ',' or '}' after object member, found %s", describe(p, p->pos));
    }
    return NULL;
  }
  size_t count = p->members_len - base;
  struct kj_member *members = kago_arena_alloc(p->a, count * sizeof *members);
  if (members == NULL) {
    fail_oom(p);
    return NULL;
  }
  memcpy(members, p->members + base, count * sizeof *members);
  p->members_len = base;
  v->u.object.members = members;
  v->u.object.count = count;
  return v;
}

static struct kj_value *parse_array(struct parser *p, unsigned depth) {
  if (!check_depth(p, depth)) return NULL;
  struct kj_value *v = new_value(p, KJ_ARRAY, p->pos);
  if (v == NULL) return NULL;
  uint32_t open_line = v->line, open_col = v->column;
  p->pos++;
  size_t base = p->items_len;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == ']') {
    p->pos++;
    return v;
  }
  for (;;) {
    struct kj_value *item = parse_value(p, depth + 1);
    if (item == NULL) return NULL;
    if (!push_item(p, item)) return NULL;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ',') {
      size_t comma = p->pos;
      uint32_t comma_line = p->line;
      size_t comma_line_start = p->line_start;
      p->pos++;
      skip_ws(p);
      if (p->pos < p->len && p->s[p->pos] == ']') {
        /* Point at the comma, which may be lines above the ']'. */
        p->line = comma_line;
        p->line_start = comma_line_start;
        fail(p, comma, "trailing comma before ']' is not allowed in JSON");
        return NULL;
      }
      continue;
    }
    if (p->pos < p->len && p->s[p->pos] == ']') {
      p->pos++;
      break;
    }
    if (p->pos >= p->len) {
      fail(p, p->pos, "unexpected end of input: expected ',' or ']' to continue the array opened at line %u column %u",
           (unsigned)open_line, (unsigned)open_col);
    } else if (p->s[p->pos] == '/') {
      fail(p, p->pos, "comments are not allowed in JSON");
    } else {
      fail(p, p->pos, "expected ',' or ']' after array element, found %s", describe(p, p->pos));
    }
    return NULL;
  }
  size_t count = p->items_len - base;
  struct kj_value **items = kago_arena_alloc(p->a, count * sizeof *items);
  if (items == NULL) {
    fail_oom(p);
    return NULL;
  }
  memcpy(items, p->items + base, count * sizeof *items);
  p->items_len = base;
  v->u.array.items = items;
  v->u.array.count = count;
  return v;
}

static struct kj_value *parse_number(struct parser *p) {
  size_t start = p->pos;
  size_t i = start;
  if (p->s[i] == '-') i++;
  if (i >= p->len || !is_digit(p->s[i])) {
    fail(p, i, "expected a digit after '-', found %s", describe(p, i));
    return NULL;
  }
  if (p->s[i] == '0') {
    i++;
    if (i < p->len && is_digit(p->s[i])) {
      fail(p, start, "leading zeros are not allowed in numbers");
      return NULL;
    }
  } else {
    while (i < p->len && is_digit(p->s[i])) i++;
  }
  if (i < p->len && p->s[i] == '.') {
    i++;
    if (i >= p->len || !is_digit(p->s[i])) {
      fail(p, i, "expected a digit after the decimal point, found %s", describe(p, i));
      return NULL;
    }
    while (i < p->len && is_digit(p->s[i])) i++;
  }
  if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
    i++;
    if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
    if (i >= p->len || !is_digit(p->s[i])) {
      fail(p, i, "expected a digit in the exponent, found %s", describe(p, i));
      return NULL;
    }
    while (i < p->len && is_digit(p->s[i])) i++;
  }
  if (i < p->len && (is_word_char(p->s[i]) || p->s[i] == '.')) {
    fail(p, i, "invalid number: unexpected %s", describe(p, i));
    return NULL;
  }
  struct kj_value *v = new_value(p, KJ_NUMBER, start);
  if (v == NULL) return NULL;
  v->u.number.text = (const char *)p->s + start;
  v->u.number.len = i - start;
  p->pos = i;
  return v;
}

static struct kj_value *parse_word(struct parser *p) {
  size_t start = p->pos;
  size_t i = start;
  while (i < p->len && is_word_char(p->s[i])) i++;
  size_t n = i - start;
  const char *w = (const char *)p->s + start;
  struct kj_value *v = NULL;
  if (n == 4 && memcmp(w, "true", 4) == 0) {
    v = new_value(p, KJ_BOOL, start);
    if (v != NULL) v->u.boolean = true;
  } else if (n == 5 && memcmp(w, "false", 5) == 0) {
    v = new_value(p, KJ_BOOL, start);
    if (v != NULL) v->u.boolean = false;
  } else if (n == 4 && memcmp(w, "null", 4) == 0) {
    v = new_value(p, KJ_NULL, start);
  } else {
    fail(p, start,
         "invalid literal '%.*s': expected a value (true, false, null, a number, a string, an array or an object)",
         n > 40 ? 40 : (int)n, w);
    return NULL;
  }
  if (v != NULL) p->pos = i;
  return v;
}

static struct kj_value *parse_value(struct parser *p, unsigned depth) {
  skip_ws(p);
  if (p->pos >= p->len) {
    fail(p, p->pos, "unexpected end of input: expected a value");
    return NULL;
  }
  unsigned char c = p->s[p->pos];
  switch (c) {
  case '{': return parse_object(p, depth);
  case '[': return parse_array(p, depth);
  case '"': {
    size_t start = p->pos;
    struct kj_value *v = new_value(p, KJ_STRING, start);
    if (v == NULL) return NULL;
    if (!parse_string_raw(p, &v->u.string.s, &v->u.string.len)) return NULL;
    return v;
  }
  case '-': return parse_number(p);
  case '\'': fail(p, p->pos, "strings must be in double quotes (\"), not single quotes"); return NULL;
  case '/': fail(p, p->pos, "comments are not allowed in JSON"); return NULL;
  case '+': fail(p, p->pos, "a number must not start with '+'"); return NULL;
  case '.': fail(p, p->pos, "a number must start with a digit, not '.'"); return NULL;
  default:
    if (is_digit(c)) return parse_number(p);
    if (is_word_char(c)) return parse_word(p);
    fail(p, p->pos, "expected a value, found %s", describe(p, p->pos));
    return NULL;
  }
}

struct kj_value *kj_parse(struct kago_arena *a, const char *text, size_t len, unsigned max_depth,
                          struct kj_error *err) {
  struct parser p;
  memset(&p, 0, sizeof p);
  p.a = a;
  p.s = (const unsigned char *)text;
  p.len = len;
  p.max_depth = max_depth == 0 ? 1 : max_depth;
  p.line = 1;
  p.col = 1;
  p.err = err;
  err->line = 0;
  err->column = 0;
  err->message = NULL;
  if (len >= 3 && p.s[0] == 0xEF && p.s[1] == 0xBB && p.s[2] == 0xBF) {
    fail(&p, 0, "a byte order mark (U+FEFF) is not allowed at the start of JSON text");
    return NULL;
  }
  skip_ws(&p);
  if (p.pos >= p.len) {
    fail(&p, p.pos, "the document is empty: expected a JSON value");
    return NULL;
  }
  struct kj_value *v = parse_value(&p, 0);
  if (v == NULL) return NULL;
  skip_ws(&p);
  if (p.pos < p.len) {
    fail(&p, p.pos, "unexpected %s after the end of the JSON value", describe(&p, p.pos));
    return NULL;
  }
  if (v->type == KJ_NUMBER) {
    /* A document that is only a number ends at the end of the buffer, which
     * need not be NUL-terminated; kj_as_double needs a terminator. */
    char *t = kago_arena_strndup(a, v->u.number.text, v->u.number.len);
    if (t == NULL) {
      fail_oom(&p);
      return NULL;
    }
    v->u.number.text = t;
  }
  return v;
}

const struct kj_value *kj_get(const struct kj_value *obj, const char *key) {
  if (obj == NULL || obj->type != KJ_OBJECT) return NULL;
  size_t klen = strlen(key);
  for (size_t i = obj->u.object.count; i > 0; i--) {
    const struct kj_member *m = &obj->u.object.members[i - 1];
    if (m->key_len == klen && memcmp(m->key, key, klen) == 0) return m->value;
  }
  return NULL;
}

bool kj_integer_parts(const struct kj_value *v, bool *negative, uint64_t *magnitude) {
  if (v == NULL || v->type != KJ_NUMBER) return false;
  const char *t = v->u.number.text;
  size_t n = v->u.number.len;
  size_t i = 0;
  bool neg = false;
  if (i < n && t[i] == '-') {
    neg = true;
    i++;
  }
  if (i >= n) return false;
  uint64_t m = 0;
  for (; i < n; i++) {
    if (!is_digit((unsigned char)t[i])) return false;
    unsigned d = (unsigned)(t[i] - '0');
    if (m > (UINT64_MAX - d) / 10) return false;
    m = m * 10 + d;
  }
  *negative = neg && m != 0;
  *magnitude = m;
  return true;
}

bool kj_as_i64(const struct kj_value *v, int64_t *out) {
  bool neg;
  uint64_t m;
  if (!kj_integer_parts(v, &neg, &m)) return false;
  if (neg) {
    if (m > (uint64_t)INT64_MAX + 1) return false;
    *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
  } else {
    if (m > (uint64_t)INT64_MAX) return false;
    *out = (int64_t)m;
  }
  return true;
}

bool kj_as_u64(const struct kj_value *v, uint64_t *out) {
  bool neg;
  uint64_t m;
  if (!kj_integer_parts(v, &neg, &m)) return false;
  if (neg) return false;
  *out = m;
  return true;
}

double kj_as_double(const struct kj_value *v) {
  if (v == NULL || v->type != KJ_NUMBER) return 0.0;
  /* Inside a container a number is always followed by a byte that ends it
   * (',', ']', '}' or space) and a top-level number was copied with a NUL,
   * so strtod stops at the literal's end. */
  return strtod(v->u.number.text, NULL);
}

const char *kj_type_name(enum kj_type t) {
  switch (t) {
  case KJ_NULL: return "null";
  case KJ_BOOL: return "boolean";
  case KJ_NUMBER: return "number";
  case KJ_STRING: return "string";
  case KJ_ARRAY: return "array";
  case KJ_OBJECT: return "object";
  }
  return "value";
}

/* --- writing ------------------------------------------------------------ */

static size_t string_size(const char *s, size_t len) {
  size_t n = 2;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
      n += 2;
    } else if (c < 0x20) {
      n += 6;
    } else {
      n += 1;
    }
  }
  return n;
}

static size_t value_size(const struct kj_value *v) {
  if (v == NULL) return 4; /* written as null */
  switch (v->type) {
  case KJ_NULL: return 4;
  case KJ_BOOL: return v->u.boolean ? 4 : 5;
  case KJ_NUMBER: return v->u.number.len;
  case KJ_STRING: return string_size(v->u.string.s, v->u.string.len);
  case KJ_ARRAY: {
    size_t n = 2;
    for (size_t i = 0; i < v->u.array.count; i++) n += value_size(v->u.array.items[i]) + (i ? 1 : 0);
    return n;
  }
  case KJ_OBJECT: {
    size_t n = 2;
    for (size_t i = 0; i < v->u.object.count; i++) {
      const struct kj_member *m = &v->u.object.members[i];
      n += string_size(m->key, m->key_len) + 1 + value_size(m->value) + (i ? 1 : 0);
    }
    return n;
  }
  }
  return 0;
}

static char *write_string(char *o, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  *o++ = '"';
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"':
      *o++ = '\\';
      *o++ = '"';
      break;
    case '\\':
      *o++ = '\\';
      *o++ = '\\';
      break;
    case '\b':
      *o++ = '\\';
      *o++ = 'b';
      break;
    case '\f':
      *o++ = '\\';
      *o++ = 'f';
      break;
    case '\n':
      *o++ = '\\';
      *o++ = 'n';
      break;
    case '\r':
      *o++ = '\\';
      *o++ = 'r';
      break;
    case '\t':
      *o++ = '\\';
      *o++ = 't';
      break;
    default:
      if (c < 0x20) {
        memcpy(o, "\\u00", 4);
        o[4] = hex[c >> 4];
        o[5] = hex[c & 15];
        o += 6;
      } else {
        *o++ = (char)c;
      }
    }
  }
  *o++ = '"';
  return o;
}

static char *write_value(char *o, const struct kj_value *v) {
  if (v == NULL) {
    memcpy(o, "null", 4);
    return o + 4;
  }
  switch (v->type) {
  case KJ_NULL: memcpy(o, "null", 4); return o + 4;
  case KJ_BOOL:
    if (v->u.boolean) {
      memcpy(o, "true", 4);
      return o + 4;
    }
    memcpy(o, "false", 5);
    return o + 5;
  case KJ_NUMBER: memcpy(o, v->u.number.text, v->u.number.len); return o + v->u.number.len;
  case KJ_STRING: return write_string(o, v->u.string.s, v->u.string.len);
  case KJ_ARRAY:
    *o++ = '[';
    for (size_t i = 0; i < v->u.array.count; i++) {
      if (i) *o++ = ',';
      o = write_value(o, v->u.array.items[i]);
    }
    *o++ = ']';
    return o;
  case KJ_OBJECT:
    *o++ = '{';
    for (size_t i = 0; i < v->u.object.count; i++) {
      const struct kj_member *m = &v->u.object.members[i];
      if (i) *o++ = ',';
      o = write_string(o, m->key, m->key_len);
      *o++ = ':';
      o = write_value(o, m->value);
    }
    *o++ = '}';
    return o;
  }
  return o;
}

char *kj_write(struct kago_arena *a, const struct kj_value *v, size_t *len_out) {
  size_t n = value_size(v);
  char *buf = kago_arena_alloc(a, n + 1);
  if (buf == NULL) return NULL;
  char *end = write_value(buf, v);
  *end = '\0';
  if (len_out != NULL) *len_out = (size_t)(end - buf);
  return buf;
}

/* --- JSON pointers (RFC 6901) ------------------------------------------- */

char *kj_pointer_key(struct kago_arena *a, const char *base, const char *key) {
  size_t blen = base == NULL ? 0 : strlen(base);
  size_t klen = strlen(key);
  size_t extra = 0;
  for (size_t i = 0; i < klen; i++) {
    if (key[i] == '~' || key[i] == '/') extra++;
  }
  char *out = kago_arena_alloc(a, blen + 1 + klen + extra + 1);
  if (out == NULL) return NULL;
  if (blen) memcpy(out, base, blen);
  char *o = out + blen;
  *o++ = '/';
  for (size_t i = 0; i < klen; i++) {
    if (key[i] == '~') {
      *o++ = '~';
      *o++ = '0';
    } else if (key[i] == '/') {
      *o++ = '~';
      *o++ = '1';
    } else {
      *o++ = key[i];
    }
  }
  *o = '\0';
  return out;
}

char *kj_pointer_index(struct kago_arena *a, const char *base, size_t index) {
  return kago_arena_printf(a, "%s/%zu", base == NULL ? "" : base, index);
}

/* --- building ------------------------------------------------------------- */

static struct kj_value *new_built(struct kago_arena *a, enum kj_type t) {
  struct kj_value *v = kago_arena_alloc(a, sizeof *v);
  if (v != NULL) v->type = t;
  return v;
}

struct kj_value *kj_new_null(struct kago_arena *a) {
  return new_built(a, KJ_NULL);
}

struct kj_value *kj_new_bool(struct kago_arena *a, bool b) {
  struct kj_value *v = new_built(a, KJ_BOOL);
  if (v != NULL) v->u.boolean = b;
  return v;
}

static struct kj_value *new_number_text(struct kago_arena *a, const char *text) {
  if (text == NULL) return NULL;
  struct kj_value *v = new_built(a, KJ_NUMBER);
  if (v == NULL) return NULL;
  v->u.number.text = text;
  v->u.number.len = strlen(text);
  return v;
}

struct kj_value *kj_new_i64(struct kago_arena *a, int64_t n) {
  return new_number_text(a, kago_arena_printf(a, "%lld", (long long)n));
}

struct kj_value *kj_new_u64(struct kago_arena *a, uint64_t n) {
  return new_number_text(a, kago_arena_printf(a, "%llu", (unsigned long long)n));
}

struct kj_value *kj_new_string(struct kago_arena *a, const char *s, size_t len) {
  char *copy = kago_arena_strndup(a, s, len);
  if (copy == NULL) return NULL;
  struct kj_value *v = new_built(a, KJ_STRING);
  if (v == NULL) return NULL;
  v->u.string.s = copy;
  v->u.string.len = len;
  return v;
}

struct kj_value *kj_new_array(struct kago_arena *a, size_t count) {
  struct kj_value *v = new_built(a, KJ_ARRAY);
  if (v == NULL) return NULL;
  if (count != 0) {
    v->u.array.items = kago_arena_alloc(a, count * sizeof *v->u.array.items);
    if (v->u.array.items == NULL) return NULL;
  }
  v->u.array.count = count;
  return v;
}

struct kj_value *kj_new_object(struct kago_arena *a, size_t count) {
  struct kj_value *v = new_built(a, KJ_OBJECT);
  if (v == NULL) return NULL;
  if (count != 0) {
    v->u.object.members = kago_arena_alloc(a, count * sizeof *v->u.object.members);
    if (v->u.object.members == NULL) return NULL;
  }
  v->u.object.count = count;
  return v;
}

bool kj_set_member(struct kago_arena *a, struct kj_value *obj, size_t i, const char *key, struct kj_value *value) {
  if (obj == NULL || value == NULL || i >= obj->u.object.count) return false;
  size_t len = strlen(key);
  char *k = kago_arena_strndup(a, key, len);
  if (k == NULL) return false;
  obj->u.object.members[i].key = k;
  obj->u.object.members[i].key_len = len;
  obj->u.object.members[i].value = value;
  return true;
}
