/* Decoding of the plan the host sends (layout: plan/plan.json "layout"). */
#ifndef KAGO_PLAN_READER_H
#define KAGO_PLAN_READER_H

#include <stddef.h>
#include <stdint.h>

#include "plan.gen.h"

/* A cursor over one bounded region of the plan packet; strings point into it. */
struct kago_reader {
  const uint8_t *data;
  size_t len;
  size_t pos;
};

struct kago_plan {
  uint32_t count;
  struct kago_op *ops;
};

/* Decodes the whole plan before anything runs, so a malformed plan has no
 * effect at all. On failure returns -1 and writes a one-line reason to why. */
int kago_plan_decode(const uint8_t *data, size_t len, struct kago_plan *plan, char *why, size_t why_len);

/* Releases what kago_plan_decode allocated (the executor never needs to: it
 * execs or exits; the fuzz target does). */
void kago_plan_free(struct kago_plan *plan);

#endif
