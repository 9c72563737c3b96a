/* dockerSeccompToOci(profile: string | Uint8Array, options: string)
 *   -> string: {"problems": [...], "disabled": bool, "seccomp": {...} | null}
 * options is JSON text {"arch", "capabilities", "kernel"} (see
 * core-c/seccomp/docker.h). */
#include <stdbool.h>
#include <stddef.h>

#include "../seccomp/docker.h"
#include "napi_json.h"
#include "register.h"

#define MAX_PROFILE_BYTES ((size_t)32 << 20)
#define ARENA_BASE ((size_t)16 << 20)
#define ARENA_PER_BYTE 24

napi_status kago_napi_register_docker(napi_env env, napi_value exports);

static napi_value docker_seccomp_to_oci(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dockerSeccompToOci(profile, options)");
    return NULL;
  }
  struct kago_arena arena;
  kago_arena_init(&arena, 0);
  const char *text, *opts;
  size_t len, opts_len;
  if (!kago_napi_get_text(env, argv[0], &arena, MAX_PROFILE_BYTES, "the profile is larger than 32 MiB", &text, &len) ||
      !kago_napi_get_text(env, argv[1], &arena, 1 << 20, "the options are larger than 1 MiB", &opts, &opts_len)) {
    kago_arena_free(&arena);
    return NULL;
  }
  arena.limit = arena.used_total + ARENA_BASE + ARENA_PER_BYTE * (len + opts_len);

  struct kago_problems problems;
  kago_problems_init(&problems, &arena);
  struct kj_error err;
  struct kj_value *out = NULL;
  bool disabled = false;
  const struct kj_value *options = kj_parse(&arena, opts, opts_len, 64, &err);
  if (options == NULL) {
    kago_problem_add_at(&problems, KAGO_ERROR, "/options", err.line, err.column, "%s", err.message);
  } else {
    const struct kj_value *profile = kj_parse(&arena, text, len, 256, &err);
    if (profile == NULL)
      kago_problem_add_at(&problems, KAGO_ERROR, "", err.line, err.column, "%s", err.message);
    else
      out = ksc_docker_to_oci(&arena, profile, options, &problems, &disabled);
  }

  /* The answer is built past the limit that guarded the input. */
  arena.limit = 0;
  struct kj_value *result = kj_new_object(&arena, 3);
  struct kj_value *list = kago_problems_to_json(&arena, &problems);
  bool ok = result != NULL && list != NULL && kj_set_member(&arena, result, 0, "problems", list) &&
            kj_set_member(&arena, result, 1, "disabled", kj_new_bool(&arena, disabled)) &&
            kj_set_member(&arena, result, 2, "seccomp", out != NULL ? out : kj_new_null(&arena));
  napi_value js = kago_napi_json_string(env, &arena, ok ? result : NULL);
  kago_arena_free(&arena);
  return js;
}

napi_status kago_napi_register_docker(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status s = napi_create_function(env, "dockerSeccompToOci", NAPI_AUTO_LENGTH, docker_seccomp_to_oci, NULL, &fn);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, exports, "dockerSeccompToOci", fn);
}
