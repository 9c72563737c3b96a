/* libFuzzer target: config.json text -> kago_spec_validate, as the Node-API
 * export calls it (the same arena limits), with the seccomp syscall tables
 * linked in so names are checked too. Beyond "no crash, no sanitizer report"
 * it checks what callers rely on: a document comes back exactly when the
 * text parsed, every problem has a pointer and a message, and an accepted
 * config serializes back into JSON that parses and validates again without
 * errors (the host re-reads what the core normalized). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core-c/spec/validate.h"
#include "fuzz_check.h"

bool kago_seccomp_syscall_name_known(const char *name, size_t len);

static bool syscall_known(const char *name, size_t len, void *data) {
  (void)data;
  return kago_seccomp_syscall_name_known(name, len);
}

/* The limits of core-c/napi/spec_napi.c. */
#define ARENA_BASE ((size_t)16 << 20)
#define ARENA_PER_BYTE 24

static const struct kj_value *validate(struct kago_arena *a, const char *text, size_t len, bool require_process,
                                       struct kago_problems *problems) {
  kago_arena_init(a, 0);
  a->limit = ARENA_BASE + ARENA_PER_BYTE * len;
  kago_problems_init(problems, a);
  struct kago_spec_options options = {require_process, syscall_known, NULL};
  const struct kj_value *doc = kago_spec_validate(a, text, len, &options, problems);
  for (const struct kago_problem *p = problems->first; p != NULL; p = p->next) {
    FUZZ_CHECK(p->pointer != NULL && p->message != NULL && p->message[0] != '\0');
    FUZZ_CHECK(p->pointer[0] == '\0' || p->pointer[0] == '/');
  }
  if (doc == NULL) FUZZ_CHECK(problems->errors > 0 || problems->out_of_memory);
  return doc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bool require_process = size > 0 && (data[0] & 1);
  struct kago_arena a;
  struct kago_problems problems;
  const struct kj_value *doc = validate(&a, (const char *)data, size, require_process, &problems);
  if (doc != NULL && problems.errors == 0 && !problems.out_of_memory) {
    /* As the export does: the answer is built past the input's limit. */
    a.limit = 0;
    size_t out_len = 0;
    char *out = kj_write(&a, doc, &out_len);
    FUZZ_CHECK(out != NULL);
    struct kago_arena b;
    struct kago_problems again;
    const struct kj_value *doc2 = validate(&b, out, out_len, require_process, &again);
    FUZZ_CHECK(doc2 != NULL && again.errors == 0);
    kago_arena_free(&b);
  }
  kago_arena_free(&a);
  return 0;
}
