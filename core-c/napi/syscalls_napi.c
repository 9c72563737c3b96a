/* The syscall tables the seccomp compiler uses, for tools that speak in
 * names ("mkdir") where a filter sees numbers:
 * syscallArches() -> string: ["SCMP_ARCH_X86", ...]
 * syscallTable(arch: string) -> string: {"names": [...], "numbers": [...]}
 *   (the syscalls arch has, numbers as the kernel sees them, base included);
 *   null for an architecture kago does not know. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "../seccomp/syscalls.h"
#include "napi_json.h"
#include "register.h"

napi_status kago_napi_register_syscalls(napi_env env, napi_value exports);

static napi_value syscall_arches(napi_env env, napi_callback_info info) {
  (void)info;
  struct kago_arena arena;
  kago_arena_init(&arena, 0);
  struct kj_value *list = kj_new_array(&arena, KSC_ARCH_COUNT);
  for (size_t i = 0; list != NULL && i < KSC_ARCH_COUNT; i++) {
    list->u.array.items[i] = kj_new_string(&arena, ksc_arches[i].name, strlen(ksc_arches[i].name));
    if (list->u.array.items[i] == NULL) list = NULL;
  }
  napi_value out = kago_napi_json_string(env, &arena, list);
  kago_arena_free(&arena);
  return out;
}

static napi_value syscall_table(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  struct kago_arena arena;
  kago_arena_init(&arena, 0);
  const char *name;
  size_t len;
  if (argc < 1 || !kago_napi_get_text(env, argv[0], &arena, 64, "syscallTable: arch is too long", &name, &len)) {
    if (argc < 1) napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "syscallTable(arch)");
    kago_arena_free(&arena);
    return NULL;
  }
  const struct ksc_arch *arch = ksc_arch_by_name(name, len);
  struct kj_value *result = NULL;
  if (arch == NULL) {
    result = kj_new_null(&arena);
  } else {
    size_t count = 0;
    for (size_t i = 0; i < KSC_SYSCALL_COUNT; i++)
      if (ksc_syscall_nr(arch, i) >= 0) count++;
    struct kj_value *names = kj_new_array(&arena, count), *numbers = kj_new_array(&arena, count);
    size_t n = 0;
    bool ok = names != NULL && numbers != NULL;
    for (size_t i = 0; ok && i < KSC_SYSCALL_COUNT; i++) {
      int64_t nr = ksc_syscall_nr(arch, i);
      if (nr < 0) continue;
      names->u.array.items[n] = kj_new_string(&arena, ksc_syscall_names[i], strlen(ksc_syscall_names[i]));
      numbers->u.array.items[n] = kj_new_i64(&arena, nr);
      ok = names->u.array.items[n] != NULL && numbers->u.array.items[n] != NULL;
      n++;
    }
    result = ok ? kj_new_object(&arena, 2) : NULL;
    if (result != NULL &&
        (!kj_set_member(&arena, result, 0, "names", names) || !kj_set_member(&arena, result, 1, "numbers", numbers)))
      result = NULL;
  }
  napi_value out = kago_napi_json_string(env, &arena, result);
  kago_arena_free(&arena);
  return out;
}

napi_status kago_napi_register_syscalls(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"syscallArches", NULL, syscall_arches, NULL, NULL, NULL, napi_default, NULL},
      {"syscallTable", NULL, syscall_table, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
