/* validateConfig(text: string | Uint8Array, requireProcess: boolean): string
 * -> {"problems": [...], "config": <the document, compact> | null} */
#include <stdbool.h>
#include <stddef.h>

#include "../spec/validate.h"
#include "napi_json.h"
#include "register.h"

/* A config.json is kilobytes; Docker's with a seccomp profile ~30 KB. The
 * caps bound what a hostile file can make the core allocate: the text, and
 * the tree built from it (a value takes ~32 bytes for as little as 2 bytes of
 * text, "0,"). */
#define MAX_CONFIG_BYTES ((size_t)32 << 20)
#define ARENA_BASE ((size_t)16 << 20)
#define ARENA_PER_BYTE 24

/* Provided by the seccomp area when it is linked in. */
__attribute__((weak)) bool kago_seccomp_syscall_name_known(const char *name, size_t len);

static bool syscall_known(const char *name, size_t len, void *data) {
  (void)data;
  return kago_seccomp_syscall_name_known(name, len);
}

static napi_value validate_config(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "validateConfig(text, requireProcess): text is missing");
    return NULL;
  }
  bool require_process = false;
  if (argc >= 2) {
    napi_valuetype t;
    if (napi_typeof(env, argv[1], &t) == napi_ok && t == napi_boolean)
      napi_get_value_bool(env, argv[1], &require_process);
  }

  struct kago_arena arena;
  kago_arena_init(&arena, 0);
  const char *text;
  size_t len;
  if (!kago_napi_get_text(env, argv[0], &arena, MAX_CONFIG_BYTES, "config.json is larger than 32 MiB", &text, &len)) {
    kago_arena_free(&arena);
    return NULL;
  }
  arena.limit = arena.used_total + ARENA_BASE + ARENA_PER_BYTE * len;

  struct kago_problems problems;
  kago_problems_init(&problems, &arena);
  struct kago_spec_options options = {
      .require_process = require_process,
      .syscall_known = kago_seccomp_syscall_name_known != NULL ? syscall_known : NULL,
      .syscall_known_data = NULL,
  };
  const struct kj_value *doc = kago_spec_validate(&arena, text, len, &options, &problems);

  /* The result is built past the limit that guarded the input: a document
   * that parsed must be answered, not refused for its own size. */
  arena.limit = 0;
  struct kj_value *result = kj_new_object(&arena, 2);
  struct kj_value *list = kago_problems_to_json(&arena, &problems);
  bool ok = result != NULL && list != NULL && kj_set_member(&arena, result, 0, "problems", list) &&
            kj_set_member(&arena, result, 1, "config",
                          doc != NULL && problems.errors == 0 ? (struct kj_value *)doc : kj_new_null(&arena));
  napi_value out = kago_napi_json_string(env, &arena, ok ? result : NULL);
  kago_arena_free(&arena);
  return out;
}

napi_status kago_napi_register_spec(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status s = napi_create_function(env, "validateConfig", NAPI_AUTO_LENGTH, validate_config, NULL, &fn);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, exports, "validateConfig", fn);
}
