/* Each area of the core adds its functions to the module's exports through
 * one of these; module.c calls them. The seccomp and cgroups ones are weak in
 * module.c so the module links while those areas are absent. */
#ifndef KAGO_NAPI_REGISTER_H
#define KAGO_NAPI_REGISTER_H

#include <node_api.h>

/* Returns napi_ok or the first failing status. */
napi_status kago_napi_register_spec(napi_env env, napi_value exports);
napi_status kago_napi_register_seccomp(napi_env env, napi_value exports);
napi_status kago_napi_register_cgroups(napi_env env, napi_value exports);

#endif
