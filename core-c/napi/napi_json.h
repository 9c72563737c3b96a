/* Passing documents across the Node-API boundary: text in (a JS string or a
 * Uint8Array of UTF-8), JSON text out. */
#ifndef KAGO_NAPI_JSON_H
#define KAGO_NAPI_JSON_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/arena.h"
#include "../common/problems.h"
#include "../json/json.h"

/* Copies a string or a Uint8Array argument into the arena (NUL-terminated).
 * Returns false after throwing a TypeError/RangeError into env. Bytes are
 * passed as they are, so invalid UTF-8 reaches the parser, which reports
 * where it is; a JS string has already been made valid by the engine. */
bool kago_napi_get_text(napi_env env, napi_value value, struct kago_arena *a, size_t max_len, const char *what,
                        const char **text, size_t *len);

/* [{"pointer","message","severity","line"?,"column"?}, ...] */
struct kj_value *kago_problems_to_json(struct kago_arena *a, const struct kago_problems *p);

/* The serialized value as a JS string; NULL after throwing. */
napi_value kago_napi_json_string(napi_env env, struct kago_arena *a, const struct kj_value *v);

#endif
