#ifndef KAGO_SEAL_H
#define KAGO_SEAL_H

/* Re-executes the executor from a sealed memfd copy of its binary, unless it
 * already runs from one (then it only restores its name). Returns 0 in the
 * copy, -1 with errno when the copy could not be made or run. */
int kago_run_sealed(char **argv, char **envp);

#endif
