/* A failed property in a fuzz target: print where and abort, so libFuzzer
 * saves the input as a crash like any sanitizer report. */
#ifndef KAGO_FUZZ_CHECK_H
#define KAGO_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                                               \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);                                      \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

#endif
