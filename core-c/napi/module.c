/* The Node-API module: one entry point that lets every area register its
 * exports. */
#include "register.h"

#include <stddef.h>

__attribute__((weak)) napi_status kago_napi_register_seccomp(napi_env env, napi_value exports);
__attribute__((weak)) napi_status kago_napi_register_cgroups(napi_env env, napi_value exports);
__attribute__((weak)) napi_status kago_napi_register_docker(napi_env env, napi_value exports);
__attribute__((weak)) napi_status kago_napi_register_syscalls(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  if (kago_napi_register_spec(env, exports) != napi_ok) return NULL;
  /* A weak function that no object file defines has the address NULL. */
  if (kago_napi_register_seccomp != NULL && kago_napi_register_seccomp(env, exports) != napi_ok) return NULL;
  if (kago_napi_register_cgroups != NULL && kago_napi_register_cgroups(env, exports) != napi_ok) return NULL;
  if (kago_napi_register_docker != NULL && kago_napi_register_docker(env, exports) != napi_ok) return NULL;
  if (kago_napi_register_syscalls != NULL && kago_napi_register_syscalls(env, exports) != napi_ok) return NULL;
  return exports;
}
