#include "state.h"

#include <string.h>

/* Each check mirrors the one of the same name in host/state/validate.ts.
 * Numbers are taken only when written as plain integers: "1.0" or "1e2"
 * (which the host accepts) send the command to the host instead. */

static bool is_string(const struct kj_value *v) { return v && v->type == KJ_STRING; }

static bool is_object(const struct kj_value *v) { return v && v->type == KJ_OBJECT; }

#define MAX_SAFE_INTEGER 9007199254740991ULL
#define PID_MAX_LIMIT 4194304

static bool count(const struct kj_value *v, long *out) {
  bool negative;
  uint64_t magnitude;
  if (!v || v->type != KJ_NUMBER || !kj_integer_parts(v, &negative, &magnitude)) return false;
  if (negative || magnitude > MAX_SAFE_INTEGER) return false;
  if (out) *out = (long)magnitude;
  return true;
}

static bool pid(const struct kj_value *v, long *out) {
  long n;
  if (!count(v, &n) || n > PID_MAX_LIMIT) return false;
  if (out) *out = n;
  return true;
}

static bool start_time(const struct kj_value *v) {
  if (!is_string(v) || v->u.string.len < 1 || v->u.string.len > 20) return false;
  for (size_t i = 0; i < v->u.string.len; i++)
    if (v->u.string.s[i] < '0' || v->u.string.s[i] > '9') return false;
  return true;
}

static bool string_array(const struct kj_value *v) {
  if (!v || v->type != KJ_ARRAY) return false;
  for (size_t i = 0; i < v->u.array.count; i++)
    if (!is_string(v->u.array.items[i])) return false;
  return true;
}

/* absolute, no ".." component */
static bool cgroup_dirs(const struct kj_value *v) {
  if (!string_array(v)) return false;
  for (size_t i = 0; i < v->u.array.count; i++) {
    const char *d = v->u.array.items[i]->u.string.s;
    size_t len = v->u.array.items[i]->u.string.len;
    if (len == 0 || d[0] != '/' || strlen(d) != len) return false;
    for (const char *c = d; (c = strstr(c, "..")) != NULL; c += 2)
      if (c[-1] == '/' && (c[2] == '/' || c[2] == 0)) return false;
  }
  return true;
}

typedef bool (*check_fn)(const struct kj_value *);

static bool optional(const struct kj_value *obj, const char *key, check_fn check) {
  const struct kj_value *v = kj_get(obj, key);
  return !v || check(v);
}

static bool any_string(const struct kj_value *v) { return is_string(v); }
static bool any_count(const struct kj_value *v) { return count(v, NULL); }
static bool any_pid(const struct kj_value *v) { return pid(v, NULL); }
static bool any_object(const struct kj_value *v) { return is_object(v); }

static bool hook_list(const struct kj_value *v) {
  if (!v || v->type != KJ_ARRAY) return false;
  for (size_t i = 0; i < v->u.array.count; i++) {
    const struct kj_value *h = v->u.array.items[i];
    if (!is_object(h) || !is_string(kj_get(h, "path")) || !optional(h, "args", string_array) ||
        !optional(h, "env", string_array) || !optional(h, "timeout", any_count))
      return false;
  }
  return true;
}

static bool annotations(const struct kj_value *v) {
  if (!is_object(v)) return false;
  for (size_t i = 0; i < v->u.object.count; i++)
    if (!is_string(v->u.object.members[i].value)) return false;
  return true;
}

static bool process(const struct kj_value *v) {
  return is_object(v) && optional(v, "args", string_array) && optional(v, "env", string_array) &&
         optional(v, "cwd", any_string);
}

static bool base64(const struct kj_value *v) {
  if (!is_string(v)) return false;
  size_t i = 0, n = v->u.string.len, pad = 0;
  for (; i < n && pad == 0; i++) {
    char c = v->u.string.s[i];
    if (c == '=')
      pad = 1;
    else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
      return false;
  }
  for (; i < n; i++, pad++)
    if (v->u.string.s[i] != '=') return false;
  return pad <= 2;
}

static bool listener(const struct kj_value *v) {
  return is_object(v) && is_string(kj_get(v, "path")) && is_string(kj_get(v, "metadata"));
}

static bool seccomp(const struct kj_value *v) {
  return is_object(v) && count(kj_get(v, "flags"), NULL) && base64(kj_get(v, "filter")) &&
         optional(v, "listener", listener);
}

static bool hooks(const struct kj_value *v) {
  return is_object(v) && optional(v, "poststart", hook_list) && optional(v, "poststop", hook_list);
}

static bool recorder(const struct kj_value *v) {
  return is_object(v) && pid(kj_get(v, "pid"), NULL) && optional(v, "startTime", start_time);
}

static bool non_empty(const struct kj_value *list) { return list && list->type == KJ_ARRAY && list->u.array.count > 0; }

static const char *const STATUSES[] = {"creating", "created", "running", "paused", "stopped"};

bool launcher_read_state(struct kago_arena *a, const char *id, const char *text, size_t len,
                         struct launcher_state *out) {
  struct kj_error err;
  const struct kj_value *s = kj_parse(a, text, len, 64, &err);
  if (!is_object(s)) return false;
  const struct kj_value *v = kj_get(s, "id");
  if (!is_string(kj_get(s, "ociVersion")) || !is_string(v) || strlen(v->u.string.s) != v->u.string.len ||
      strcmp(v->u.string.s, id))
    return false;
  v = kj_get(s, "status");
  if (!is_string(v)) return false;
  bool known = false;
  for (size_t i = 0; i < sizeof STATUSES / sizeof *STATUSES; i++)
    known |= !strcmp(v->u.string.s, STATUSES[i]) && strlen(STATUSES[i]) == v->u.string.len;
  if (!known) return false;
  out->status = v->u.string.s;
  if (!pid(kj_get(s, "pid"), &out->pid)) return false;
  static const char *const strings[] = {"bundle", "rootfs", "created", "owner"};
  for (size_t i = 0; i < 4; i++)
    if (!is_string(kj_get(s, strings[i]))) return false;
  if (!optional(s, "annotations", annotations)) return false;

  const struct kj_value *k = kj_get(s, "kago");
  if (!is_object(k) || !optional(k, "initStartTime", start_time)) return false;
  const struct kj_value *cg = kj_get(k, "cgroup");
  if (!is_object(cg) || !cgroup_dirs(kj_get(cg, "dirs")) || !cgroup_dirs(kj_get(cg, "created"))) return false;
  if (!optional(k, "executorPid", any_pid) || !optional(k, "executorStartTime", start_time)) return false;
  if (!optional(k, "process", process) || !optional(k, "seccomp", seccomp) || !optional(k, "hooks", hooks))
    return false;
  if (!optional(k, "resources", any_object) || !optional(k, "recorder", recorder)) return false;

  out->root = s;
  v = kj_get(k, "initStartTime");
  out->init_start_time = v ? v->u.string.s : NULL;
  out->dirs = kj_get(cg, "dirs");
  out->created = kj_get(cg, "created");
  out->executor_pid = 0;
  if ((v = kj_get(k, "executorPid"))) pid(v, &out->executor_pid);
  v = kj_get(k, "executorStartTime");
  out->executor_start_time = v ? v->u.string.s : NULL;
  /* Present at all: the host's handling of these is not the launcher's. */
  out->systemd = kj_get(cg, "systemd") != NULL;
  out->recorder = kj_get(k, "recorder") != NULL;
  out->inherited_mounts = kj_get(k, "inheritedMounts") != NULL;
  const struct kj_value *h = kj_get(k, "hooks");
  out->poststart = h && non_empty(kj_get(h, "poststart"));
  out->poststop = h && non_empty(kj_get(h, "poststop"));
  return true;
}
