/* A container's state.json as the launcher reads it: checked by the same
 * rules as host/state/validate.ts (test/integration/launcher.test.ts holds the
 * two to each other over mutated files), so the launcher acts only on a state
 * the host would act on. */
#ifndef KAGO_LAUNCHER_STATE_H
#define KAGO_LAUNCHER_STATE_H

#include "json/json.h"
#include <stdbool.h>

struct launcher_state {
  const struct kj_value *root;
  const char *status; /* as stored: "creating", "created", ... */
  long pid;
  const char *init_start_time; /* NULL when absent */
  const struct kj_value *dirs; /* kago.cgroup.dirs */
  const struct kj_value *created; /* kago.cgroup.created */
  long executor_pid; /* 0 when absent */
  const char *executor_start_time; /* NULL when absent */
  bool systemd, recorder, inherited_mounts, poststart, poststop;
};

/* false when the host would refuse the file (or the launcher cannot be sure
 * it would not): the caller then hands the command to the host. */
bool launcher_read_state(struct kago_arena *a, const char *id, const char *text, size_t len,
                         struct launcher_state *out);

#endif
