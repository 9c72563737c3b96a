/* Validation of an OCI runtime-spec v1.3.0 config.json for Linux. Every
 * problem is collected (not only the first) with the JSON pointer of the field
 * it is about and the source position of the value. */
#ifndef KAGO_SPEC_VALIDATE_H
#define KAGO_SPEC_VALIDATE_H

#include "../common/arena.h"
#include "../common/problems.h"
#include "../json/json.h"
#include <stdbool.h>
#include <stddef.h>

/* Whether a seccomp syscall name is known on some architecture. The syscall
 * tables live in the seccomp module; the validator only asks. */
typedef bool (*kago_syscall_known_fn)(const char *name, size_t len, void *data);

struct kago_spec_options {
  /* `create` and `run` need a process; `spec`-like checks of a bundle do not
   * (config.md: process is "REQUIRED when start is called"). */
  bool require_process;
  /* NULL: syscall names are not checked. */
  kago_syscall_known_fn syscall_known;
  void *syscall_known_data;
};

/* Nesting allowed in config.json: the deepest object of runtime-spec v1.3.0
 * is 6 levels down; the margin leaves room for annotations-like free data. */
#define KAGO_SPEC_MAX_DEPTH 64

/* Parses and validates text[0..len). Returns the document when it parsed
 * (even with validation errors: the caller decides by problems->errors), NULL
 * on a syntax error (reported at pointer "" with line and column). */
const struct kj_value *kago_spec_validate(struct kago_arena *a, const char *text, size_t len,
                                          const struct kago_spec_options *options, struct kago_problems *problems);

/* The checks on an already parsed document. */
void kago_spec_validate_document(struct kago_arena *a, const struct kj_value *doc,
                                 const struct kago_spec_options *options, struct kago_problems *problems);

#endif
