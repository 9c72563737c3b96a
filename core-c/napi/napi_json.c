#include "napi_json.h"

#include <emnapi.h>
#include <string.h>

bool kago_napi_get_text(napi_env env, napi_value value, struct kago_arena *a, size_t max_len, const char *what,
                        const char **text, size_t *len) {
  napi_valuetype t;
  if (napi_typeof(env, value, &t) != napi_ok) return false;
  if (t == napi_string) {
    size_t n;
    if (napi_get_value_string_utf8(env, value, NULL, 0, &n) != napi_ok) return false;
    if (n > max_len) {
      napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", what);
      return false;
    }
    char *buf = kago_arena_alloc(a, n + 1);
    if (buf == NULL) {
      napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", what);
      return false;
    }
    size_t got;
    if (napi_get_value_string_utf8(env, value, buf, n + 1, &got) != napi_ok) return false;
    *text = buf;
    *len = got;
    return true;
  }
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (is_typed) {
    napi_typedarray_type tt;
    size_t n;
    void *data;
    napi_value buffer;
    size_t offset;
    if (napi_get_typedarray_info(env, value, &tt, &n, &data, &buffer, &offset) != napi_ok) return false;
    if (tt != napi_uint8_array) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a string or a Uint8Array");
      return false;
    }
    if (n > max_len) {
      napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", what);
      return false;
    }
    char *buf = kago_arena_alloc(a, n + 1);
    if (buf == NULL) {
      napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", what);
      return false;
    }
    /* The bytes of a JS-owned Uint8Array live outside wasm memory: emnapi
     * gives a wasm-side copy whose contents are only brought over by an
     * explicit JS-to-wasm sync. */
    if (n != 0) {
      if (emnapi_sync_memory(env, true, &value, 0, NAPI_AUTO_LENGTH) != napi_ok) return false;
      memcpy(buf, data, n);
    }
    *text = buf;
    *len = n;
    return true;
  }
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected a string or a Uint8Array");
  return false;
}

static struct kj_value *problem_to_json(struct kago_arena *a, const char *pointer, const char *message,
                                        enum kago_severity sev, uint32_t line, uint32_t column) {
  bool pos = line != 0;
  struct kj_value *o = kj_new_object(a, pos ? 5 : 3);
  if (o == NULL) return NULL;
  const char *sevname = sev == KAGO_ERROR ? "error" : "warning";
  bool ok = kj_set_member(a, o, 0, "pointer", kj_new_string(a, pointer, strlen(pointer))) &&
            kj_set_member(a, o, 1, "message", kj_new_string(a, message, strlen(message))) &&
            kj_set_member(a, o, 2, "severity", kj_new_string(a, sevname, strlen(sevname)));
  if (ok && pos) {
    ok = kj_set_member(a, o, 3, "line", kj_new_u64(a, line)) && kj_set_member(a, o, 4, "column", kj_new_u64(a, column));
  }
  return ok ? o : NULL;
}

struct kj_value *kago_problems_to_json(struct kago_arena *a, const struct kago_problems *p) {
  size_t n = 0;
  for (const struct kago_problem *pr = p->first; pr != NULL; pr = pr->next) n++;
  bool summary = p->unlisted != 0;
  struct kj_value *arr = kj_new_array(a, n + (summary ? 1 : 0));
  if (arr == NULL) return NULL;
  size_t i = 0;
  for (const struct kago_problem *pr = p->first; pr != NULL; pr = pr->next, i++) {
    arr->u.array.items[i] = problem_to_json(a, pr->pointer, pr->message, pr->severity, pr->line, pr->column);
    if (arr->u.array.items[i] == NULL) return NULL;
  }
  if (summary) {
    const char *m = p->out_of_memory
                        ? kago_arena_printf(a, "%zu more problems are not listed (out of working memory)", p->unlisted)
                        : kago_arena_printf(a, "%zu more problems are not listed", p->unlisted);
    if (m == NULL) return NULL;
    arr->u.array.items[i] = problem_to_json(a, "", m, p->errors != 0 ? KAGO_ERROR : KAGO_WARNING, 0, 0);
    if (arr->u.array.items[i] == NULL) return NULL;
  }
  return arr;
}

napi_value kago_napi_json_string(napi_env env, struct kago_arena *a, const struct kj_value *v) {
  size_t len;
  char *text = v != NULL ? kj_write(a, v, &len) : NULL;
  if (text == NULL) {
    napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", "out of working memory while writing the result");
    return NULL;
  }
  napi_value out;
  if (napi_create_string_utf8(env, text, len, &out) != napi_ok) return NULL;
  return out;
}
