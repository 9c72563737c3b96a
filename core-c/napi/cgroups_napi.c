/* cgroupWrites(resources: string, host: string)
 *   -> string: {"writes": [...], "devices": ..., "checkBeforeUpdate": ...,
 *               "problems": [...]} (see core-c/cgroups/cgroups.h)
 * deviceProgram(devices?: string)
 *   -> ArrayBuffer: struct bpf_insn[] (8 bytes each, little-endian);
 *   throws a TypeError naming the first problem when the rules are invalid. */
#include <emnapi.h>
#include <stdbool.h>
#include <stddef.h>

#include "../cgroups/cgroups.h"
#include "napi_json.h"
#include "register.h"

#define MAX_INPUT_BYTES ((size_t)4 << 20)
#define ARENA_LIMIT ((size_t)256 << 20)

/* An optional argument: absent, undefined or null give NULL. */
static bool optional_text(napi_env env, size_t argc, napi_value *argv, size_t i, struct kago_arena *a,
                          const char **text, size_t *len) {
  *text = NULL;
  *len = 0;
  if (i >= argc) return true;
  napi_valuetype t;
  if (napi_typeof(env, argv[i], &t) != napi_ok) return false;
  if (t == napi_undefined || t == napi_null) return true;
  return kago_napi_get_text(env, argv[i], a, MAX_INPUT_BYTES, "cgroups input larger than 4 MiB", text, len);
}

static napi_value cgroup_writes(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "cgroupWrites(resources, host)");
    return NULL;
  }
  struct kago_arena arena;
  kago_arena_init(&arena, ARENA_LIMIT);
  const char *res, *host;
  size_t res_len, host_len;
  if (!kago_napi_get_text(env, argv[0], &arena, MAX_INPUT_BYTES, "resources larger than 4 MiB", &res, &res_len) ||
      !kago_napi_get_text(env, argv[1], &arena, MAX_INPUT_BYTES, "host description larger than 4 MiB", &host,
                          &host_len)) {
    kago_arena_free(&arena);
    return NULL;
  }
  struct kago_problems problems;
  kago_problems_init(&problems, &arena);
  struct kj_value *result = kcg_writes(&arena, res, res_len, host, host_len, &problems);
  struct kj_value *out = result == NULL ? NULL : kj_new_object(&arena, 4);
  bool ok = out != NULL;
  for (size_t i = 0; ok && i < 3; i++) {
    const struct kj_member *m = &result->u.object.members[i];
    ok = kj_set_member(&arena, out, i, m->key, m->value);
  }
  ok = ok && kj_set_member(&arena, out, 3, "problems", kago_problems_to_json(&arena, &problems));
  napi_value value = kago_napi_json_string(env, &arena, ok ? out : NULL);
  kago_arena_free(&arena);
  return value;
}

static napi_value device_program(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  struct kago_arena arena;
  kago_arena_init(&arena, ARENA_LIMIT);
  const char *rules;
  size_t rules_len;
  if (!optional_text(env, argc, argv, 0, &arena, &rules, &rules_len)) {
    kago_arena_free(&arena);
    return NULL;
  }
  struct kago_problems problems;
  kago_problems_init(&problems, &arena);
  struct kcg_bpf_program prog;
  kcg_device_program(&arena, rules, rules_len, &problems, &prog);
  if (problems.errors != 0 || (prog.len == 0 && problems.out_of_memory)) {
    const struct kago_problem *first = problems.first;
    while (first != NULL && first->severity != KAGO_ERROR) first = first->next;
    const char *msg =
        first == NULL ? "out of working memory" : kago_arena_printf(&arena, "%s: %s", first->pointer, first->message);
    napi_throw_type_error(env, "ERR_KAGO_DEVICE_RULES", msg != NULL ? msg : "invalid device rules");
    kago_arena_free(&arena);
    return NULL;
  }
  napi_value ab;
  void *data = NULL;
  bool ok = napi_create_arraybuffer(env, prog.len * 8, &data, &ab) == napi_ok;
  if (ok && prog.len > 0) {
    /* struct bpf_insn, little-endian: the loader runs on this machine. */
    unsigned char *b = data;
    for (size_t i = 0; i < prog.len; i++, b += 8) {
      const struct kcg_bpf_insn *in = &prog.insns[i];
      uint16_t off = (uint16_t)in->off;
      uint32_t imm = (uint32_t)in->imm;
      b[0] = in->code;
      b[1] = in->regs;
      b[2] = (unsigned char)off;
      b[3] = (unsigned char)(off >> 8);
      for (int k = 0; k < 4; k++) b[4 + k] = (unsigned char)(imm >> (8 * k));
    }
    /* emnapi keeps a JS-side copy of an ArrayBuffer made here; bytes written
     * into wasm memory reach it only through this sync. */
    ok = emnapi_sync_memory(env, false, &ab, 0, NAPI_AUTO_LENGTH) == napi_ok;
  }
  kago_arena_free(&arena);
  return ok ? ab : NULL;
}

napi_status kago_napi_register_cgroups(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"cgroupWrites", NULL, cgroup_writes, NULL, NULL, NULL, napi_default, NULL},
      {"deviceProgram", NULL, device_program, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
