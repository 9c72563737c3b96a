/* compileSeccomp(text: string | Uint8Array, arches: string)
 *   -> { bpf: ArrayBuffer (struct sock_filter[], little-endian, 8 bytes each),
 *        result: string (JSON report, see ksc_compile) }
 * simulateSeccomp(bpf: ArrayBuffer, arch: string, nr: number, args: string)
 *   -> string (JSON verdict, see ksc_verdict_json); args is six decimal u64s
 *   separated by commas (missing ones are 0). */
#include <emnapi.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "../seccomp/seccomp.h"
#include "napi_json.h"
#include "register.h"

#define MAX_PROFILE_BYTES ((size_t)32 << 20)
#define ARENA_BASE ((size_t)32 << 20)
#define ARENA_PER_BYTE 24

static bool get_string(napi_env env, napi_value v, struct kago_arena *a, size_t max, const char *what, char **out,
                       size_t *len) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return false;
  }
  size_t n;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return false;
  if (n > max) {
    napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", what);
    return false;
  }
  char *buf = kago_arena_alloc(a, n + 1);
  if (!buf) {
    napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", what);
    return false;
  }
  if (napi_get_value_string_utf8(env, v, buf, n + 1, len) != napi_ok) return false;
  *out = buf;
  return true;
}

static napi_value compile_seccomp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "compileSeccomp(text, arches): text is missing");
    return NULL;
  }
  struct kago_arena arena;
  kago_arena_init(&arena, 0);
  const char *text;
  size_t len;
  char *arches = "";
  size_t arches_len = 0;
  if (!kago_napi_get_text(env, argv[0], &arena, MAX_PROFILE_BYTES, "the profile is larger than 32 MiB", &text, &len) ||
      (argc >= 2 &&
       !get_string(env, argv[1], &arena, 4096, "compileSeccomp: arches must be a string", &arches, &arches_len))) {
    kago_arena_free(&arena);
    return NULL;
  }
  arena.limit = arena.used_total + ARENA_BASE + ARENA_PER_BYTE * len;

  struct ksc_program prog;
  const char *report = ksc_compile(&arena, text, len, arches, arches_len, &prog);

  napi_value result = NULL, bpf, rep;
  void *data = NULL;
  bool ok =
      napi_create_object(env, &result) == napi_ok && napi_create_arraybuffer(env, prog.len * 8, &data, &bpf) == napi_ok;
  if (ok && prog.len > 0) {
    /* struct sock_filter in little-endian order whatever the target ABI:
     * the loader runs on this (little-endian) machine. */
    unsigned char *b = data;
    for (size_t i = 0; i < prog.len; i++, b += 8) {
      const struct ksc_insn *in = &prog.insns[i];
      b[0] = (unsigned char)in->code;
      b[1] = (unsigned char)(in->code >> 8);
      b[2] = in->jt;
      b[3] = in->jf;
      for (int k = 0; k < 4; k++) b[4 + k] = (unsigned char)(in->k >> (8 * k));
    }
    /* emnapi keeps a JS-side copy of an ArrayBuffer made here; bytes written
     * into wasm memory reach it only through this sync. */
    ok = emnapi_sync_memory(env, false, &bpf, 0, NAPI_AUTO_LENGTH) == napi_ok;
  }
  ok = ok && napi_set_named_property(env, result, "bpf", bpf) == napi_ok &&
       napi_create_string_utf8(env, report, NAPI_AUTO_LENGTH, &rep) == napi_ok &&
       napi_set_named_property(env, result, "result", rep) == napi_ok;
  kago_arena_free(&arena);
  return ok ? result : NULL;
}

static bool parse_u64(const char **p, uint64_t *out) {
  uint64_t v = 0;
  const char *s = *p;
  if (*s < '0' || *s > '9') return false;
  while (*s >= '0' && *s <= '9') {
    uint64_t d = (uint64_t)(*s - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
    s++;
  }
  *out = v;
  *p = s;
  return true;
}

static napi_value simulate_seccomp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "simulateSeccomp(bpf, arch, nr, args)");
    return NULL;
  }
  bool is_ab = false;
  void *data = NULL;
  size_t bytes = 0;
  if (napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "simulateSeccomp: bpf must be an ArrayBuffer");
    return NULL;
  }
  struct kago_arena arena;
  kago_arena_init(&arena, 64u << 20);
  char *arch_name = NULL, *args_text = "";
  size_t arch_len = 0, args_len = 0;
  double nr_d = 0;
  napi_valuetype t;
  if (!get_string(env, argv[1], &arena, 64, "simulateSeccomp: arch must be a string", &arch_name, &arch_len) ||
      (argc >= 4 &&
       !get_string(env, argv[3], &arena, 256, "simulateSeccomp: args must be a string", &args_text, &args_len))) {
    kago_arena_free(&arena);
    return NULL;
  }
  if (napi_typeof(env, argv[2], &t) != napi_ok || t != napi_number ||
      napi_get_value_double(env, argv[2], &nr_d) != napi_ok || !(nr_d >= -2147483648.0) || !(nr_d <= 4294967295.0) ||
      nr_d != (double)(int64_t)nr_d) {
    kago_arena_free(&arena);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "simulateSeccomp: nr must be a 32-bit integer");
    return NULL;
  }
  const struct ksc_arch *arch = ksc_arch_by_name(arch_name, arch_len);
  if (!arch) {
    kago_arena_free(&arena);
    napi_throw_range_error(env, "ERR_KAGO_UNKNOWN_ARCH", "simulateSeccomp: unknown architecture");
    return NULL;
  }
  uint64_t args[6] = {0};
  const char *p = args_text;
  for (int i = 0; i < 6 && *p; i++) {
    while (*p == ' ') p++;
    if (!parse_u64(&p, &args[i]) || (*p != ',' && *p != '\0' && *p != ' ')) {
      kago_arena_free(&arena);
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "simulateSeccomp: args must be decimal u64s");
      return NULL;
    }
    while (*p == ' ') p++;
    if (*p == ',') p++;
  }
  /* An ArrayBuffer created on the JS side lives outside wasm memory: copy it
   * in first. */
  size_t n = bytes / 8;
  struct ksc_insn *insns = kago_arena_alloc(&arena, (n + 1) * sizeof *insns);
  if (!insns) {
    kago_arena_free(&arena);
    napi_throw_range_error(env, "ERR_KAGO_TOO_LARGE", "simulateSeccomp: filter too large");
    return NULL;
  }
  if (bytes > 0 && emnapi_sync_memory(env, true, &argv[0], 0, NAPI_AUTO_LENGTH) != napi_ok) {
    kago_arena_free(&arena);
    return NULL;
  }
  const unsigned char *b = data;
  for (size_t i = 0; i < n; i++, b += 8) {
    insns[i].code = (uint16_t)(b[0] | b[1] << 8);
    insns[i].jt = b[2];
    insns[i].jf = b[3];
    insns[i].k = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
  }
  struct ksc_verdict v;
  ksc_simulate(insns, n, arch, (uint32_t)(int64_t)nr_d, args, &v);
  napi_value out;
  napi_status st = napi_create_string_utf8(env, ksc_verdict_json(&arena, &v), NAPI_AUTO_LENGTH, &out);
  kago_arena_free(&arena);
  return st == napi_ok ? out : NULL;
}

napi_status kago_napi_register_seccomp(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"compileSeccomp", NULL, compile_seccomp, NULL, NULL, NULL, napi_default, NULL},
      {"simulateSeccomp", NULL, simulate_seccomp, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
