/* The OCI linux.seccomp object (runtime-spec v1.3.0 config-linux.md) ->
 * struct ksc_profile, with runc's reading of it where the spec is silent. */
#include "seccomp.h"

#include <string.h>

struct parse {
  struct kago_arena *a;
  struct kago_problems *problems;
  bool ok;
};

static void problem(struct parse *p, enum kago_severity sev, const char *base, const char *key,
                    const struct kj_value *at, const char *msg, const char *detail) {
  const char *ptr = key ? kj_pointer_key(p->a, base, key) : base;
  kago_problem_add_at(p->problems, sev, ptr, at ? at->line : 0, at ? at->column : 0, "%s%s", msg, detail ? detail : "");
  if (sev == KAGO_ERROR) p->ok = false;
}

static const char *quoted(struct parse *p, const struct kj_value *v) {
  return kago_arena_printf(p->a, ": \"%s\"", v->u.string.s);
}

struct named_value {
  const char *name;
  uint32_t value;
};

static const struct named_value actions[] = {
    /* SCMP_ACT_KILL is libseccomp's old name for killing the thread. */
    {"SCMP_ACT_KILL", KSC_RET_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", KSC_RET_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", KSC_RET_KILL_PROCESS},
    {"SCMP_ACT_TRAP", KSC_RET_TRAP},
    {"SCMP_ACT_ERRNO", KSC_RET_ERRNO},
    {"SCMP_ACT_TRACE", KSC_RET_TRACE},
    {"SCMP_ACT_ALLOW", KSC_RET_ALLOW},
    {"SCMP_ACT_LOG", KSC_RET_LOG},
    {"SCMP_ACT_NOTIFY", KSC_RET_USER_NOTIF},
};

static const struct named_value operators[] = {
    {"SCMP_CMP_NE", KSC_NE},
    {"SCMP_CMP_LT", KSC_LT},
    {"SCMP_CMP_LE", KSC_LE},
    {"SCMP_CMP_EQ", KSC_EQ},
    {"SCMP_CMP_GE", KSC_GE},
    {"SCMP_CMP_GT", KSC_GT},
    {"SCMP_CMP_MASKED_EQ", KSC_MASKED_EQ},
};

static const struct named_value flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", KSC_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", KSC_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", KSC_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", KSC_FLAG_WAIT_KILLABLE_RECV},
};

static bool lookup(const struct named_value *table, size_t n, const struct kj_value *v, uint32_t *out) {
  for (size_t i = 0; i < n; i++) {
    if (strlen(table[i].name) == v->u.string.len && memcmp(table[i].name, v->u.string.s, v->u.string.len) == 0) {
      *out = table[i].value;
      return true;
    }
  }
  return false;
}

static const struct kj_value *typed(struct parse *p, const struct kj_value *obj, const char *base, const char *key,
                                    enum kj_type type, bool required) {
  const struct kj_value *v = kj_get(obj, key);
  if (!v) {
    if (required) problem(p, KAGO_ERROR, base, key, obj, "is required", NULL);
    return NULL;
  }
  if (v->type != type) {
    problem(p, KAGO_ERROR, base, key, v, "must be a ",
            kago_arena_printf(p->a, "%s, not a %s", kj_type_name(type), kj_type_name(v->type)));
    return NULL;
  }
  return v;
}

static bool get_u64(struct parse *p, const struct kj_value *obj, const char *base, const char *key, bool required,
                    uint64_t max, uint64_t *out) {
  const struct kj_value *v = typed(p, obj, base, key, KJ_NUMBER, required);
  if (!v) return false;
  bool neg;
  uint64_t mag;
  if (!kj_integer_parts(v, &neg, &mag) || (neg && mag != 0) || mag > max) {
    problem(p, KAGO_ERROR, base, key, v, "must be an integer from 0 to ",
            kago_arena_printf(p->a, "%llu", (unsigned long long)max));
    return false;
  }
  *out = mag;
  return true;
}

/* The action with its data bits: runc passes errnoRet as the errno of
 * SCMP_ACT_ERRNO and as the tracer's value of SCMP_ACT_TRACE, EPERM when
 * absent; any other action with errnoRet is an error. */
static bool get_action(struct parse *p, const struct kj_value *obj, const char *base, const char *key,
                       const char *errno_key, uint32_t *out) {
  const struct kj_value *v = typed(p, obj, base, key, KJ_STRING, true);
  uint32_t act = 0;
  bool ok = v != NULL;
  if (v && !lookup(actions, sizeof actions / sizeof actions[0], v, &act)) {
    problem(p, KAGO_ERROR, base, key, v, "unknown action", quoted(p, v));
    ok = false;
  }
  uint64_t data = 1; /* EPERM */
  if (kj_get(obj, errno_key)) {
    if (!get_u64(p, obj, base, errno_key, false, KSC_RET_DATA, &data)) return false;
    if (ok && act != KSC_RET_ERRNO && act != KSC_RET_TRACE) {
      problem(p, KAGO_ERROR, base, errno_key, kj_get(obj, errno_key),
              "is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", NULL);
      return false;
    }
  }
  if (!ok) return false;
  *out = (act == KSC_RET_ERRNO || act == KSC_RET_TRACE) ? act | (uint32_t)data : act;
  return true;
}

static bool parse_arg(struct parse *p, const struct kj_value *arg, const char *ptr, struct ksc_cond *c) {
  if (arg->type != KJ_OBJECT) {
    problem(p, KAGO_ERROR, ptr, NULL, arg, "must be an object", NULL);
    return false;
  }
  uint64_t index = 0, value = 0, two = 0;
  bool ok = get_u64(p, arg, ptr, "index", true, 5, &index);
  ok = get_u64(p, arg, ptr, "value", true, UINT64_MAX, &value) && ok;
  if (kj_get(arg, "valueTwo")) ok = get_u64(p, arg, ptr, "valueTwo", false, UINT64_MAX, &two) && ok;
  const struct kj_value *op = typed(p, arg, ptr, "op", KJ_STRING, true);
  uint32_t opv = 0;
  if (!op)
    ok = false;
  else if (!lookup(operators, sizeof operators / sizeof operators[0], op, &opv)) {
    problem(p, KAGO_ERROR, ptr, "op", op, "unknown operator", quoted(p, op));
    ok = false;
  }
  c->index = (uint8_t)index;
  c->op = (uint8_t)opv;
  /* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the datum
   * (libseccomp's datum_a and datum_b, as runc passes them). */
  if (opv == KSC_MASKED_EQ) {
    c->mask = value;
    c->value = two;
  } else {
    c->mask = UINT64_MAX;
    c->value = value;
  }
  return ok;
}

static bool parse_entry(struct parse *p, const struct kj_value *e, const char *ptr, struct ksc_profile_entry *out) {
  out->pointer = ptr;
  if (e->type != KJ_OBJECT) {
    problem(p, KAGO_ERROR, ptr, NULL, e, "must be an object", NULL);
    return false;
  }
  bool ok = true;
  const struct kj_value *names = typed(p, e, ptr, "names", KJ_ARRAY, true);
  if (names) {
    const char *nptr = kj_pointer_key(p->a, ptr, "names");
    if (names->u.array.count == 0) {
      problem(p, KAGO_ERROR, nptr, NULL, names, "must name at least one syscall", NULL);
      ok = false;
    }
    for (size_t i = 0; i < names->u.array.count; i++) {
      if (names->u.array.items[i]->type != KJ_STRING) {
        problem(p, KAGO_ERROR, kj_pointer_index(p->a, nptr, i), NULL, names->u.array.items[i], "must be a string",
                NULL);
        ok = false;
      }
    }
    out->names = (const struct kj_value *const *)names->u.array.items;
    out->nnames = names->u.array.count;
  } else
    ok = false;

  uint32_t action = 0;
  ok = get_action(p, e, ptr, "action", "errnoRet", &action) && ok;

  struct ksc_cond conds[64];
  size_t ncond = 0;
  bool repeated = false;
  const struct kj_value *args = kj_get(e, "args");
  if (args && args->type != KJ_NULL) {
    if (args->type != KJ_ARRAY) {
      problem(p, KAGO_ERROR, ptr, "args", args, "must be an array", NULL);
      return false;
    }
    const char *aptr = kj_pointer_key(p->a, ptr, "args");
    if (args->u.array.count > sizeof conds / sizeof conds[0]) {
      problem(p, KAGO_ERROR, aptr, NULL, args, "too many conditions", NULL);
      return false;
    }
    unsigned seen = 0;
    for (size_t i = 0; i < args->u.array.count; i++) {
      if (!parse_arg(p, args->u.array.items[i], kj_pointer_index(p->a, aptr, i), &conds[ncond])) {
        ok = false;
        continue;
      }
      if (seen & (1u << conds[ncond].index)) repeated = true;
      seen |= 1u << conds[ncond].index;
      ncond++;
    }
  }
  if (!ok) return false;

  /* runc: "If there are multiple conditions on the same argument, add each
   * as its own rule" - they are ORed, not ANDed. */
  out->nrules = repeated ? ncond : 1;
  out->rules = kago_arena_alloc(p->a, out->nrules * sizeof *out->rules);
  if (!out->rules) {
    problem(p, KAGO_ERROR, ptr, NULL, e, "out of memory", NULL);
    return false;
  }
  for (size_t r = 0; r < out->nrules; r++) {
    out->rules[r].action = action;
    out->rules[r].ncond = (uint8_t)(repeated ? 1 : ncond);
    memcpy(out->rules[r].cond, repeated ? &conds[r] : conds, out->rules[r].ncond * sizeof conds[0]);
  }
  return true;
}

bool ksc_parse_profile(struct kago_arena *a, const struct kj_value *obj, const char *base,
                       struct kago_problems *problems, struct ksc_profile *out) {
  struct parse p = {a, problems, true};
  memset(out, 0, sizeof *out);
  if (!obj || obj->type != KJ_OBJECT) {
    problem(&p, KAGO_ERROR, base, NULL, obj, "must be an object", NULL);
    return false;
  }
  if (get_action(&p, obj, base, "defaultAction", "defaultErrnoRet", &out->default_action) &&
      out->default_action == KSC_RET_USER_NOTIF) {
    /* runc refuses it too: the agent's own syscalls would wait for itself. */
    problem(&p, KAGO_ERROR, base, "defaultAction", kj_get(obj, "defaultAction"),
            "SCMP_ACT_NOTIFY cannot be the default action", NULL);
  }

  const struct kj_value *arches = kj_get(obj, "architectures");
  if (arches && arches->type != KJ_NULL) {
    if (arches->type != KJ_ARRAY) {
      problem(&p, KAGO_ERROR, base, "architectures", arches, "must be an array", NULL);
    } else {
      const char *aptr = kj_pointer_key(a, base, "architectures");
      for (size_t i = 0; i < arches->u.array.count; i++) {
        const struct kj_value *v = arches->u.array.items[i];
        const struct ksc_arch *arch = v->type == KJ_STRING ? ksc_arch_by_name(v->u.string.s, v->u.string.len) : NULL;
        if (!arch) {
          problem(&p, KAGO_ERROR, kj_pointer_index(a, aptr, i), NULL, v, "unknown architecture",
                  v->type == KJ_STRING ? quoted(&p, v) : NULL);
          continue;
        }
        bool dup = false;
        for (size_t j = 0; j < out->narches; j++) dup = dup || out->arches[j] == arch;
        if (!dup) out->arches[out->narches++] = arch;
      }
    }
  }

  const struct kj_value *fl = kj_get(obj, "flags");
  if (fl && fl->type != KJ_NULL) {
    if (fl->type != KJ_ARRAY) {
      problem(&p, KAGO_ERROR, base, "flags", fl, "must be an array", NULL);
    } else {
      const char *fptr = kj_pointer_key(a, base, "flags");
      for (size_t i = 0; i < fl->u.array.count; i++) {
        const struct kj_value *v = fl->u.array.items[i];
        uint32_t f = 0;
        if (v->type != KJ_STRING || !lookup(flags, sizeof flags / sizeof flags[0], v, &f)) {
          problem(&p, KAGO_ERROR, kj_pointer_index(a, fptr, i), NULL, v, "unknown seccomp flag",
                  v->type == KJ_STRING ? quoted(&p, v) : NULL);
          continue;
        }
        out->flags |= f;
      }
    }
  }

  const struct kj_value *lp = kj_get(obj, "listenerPath");
  if (lp && lp->type != KJ_NULL) {
    if (lp->type != KJ_STRING)
      problem(&p, KAGO_ERROR, base, "listenerPath", lp, "must be a string", NULL);
    else
      out->listener_path = lp->u.string.s;
  }

  const struct kj_value *sys = kj_get(obj, "syscalls");
  if (sys && sys->type != KJ_NULL) {
    if (sys->type != KJ_ARRAY) {
      problem(&p, KAGO_ERROR, base, "syscalls", sys, "must be an array", NULL);
    } else {
      const char *sptr = kj_pointer_key(a, base, "syscalls");
      out->entries = kago_arena_alloc(a, (sys->u.array.count + 1) * sizeof *out->entries);
      if (!out->entries) {
        problem(&p, KAGO_ERROR, base, NULL, obj, "out of memory", NULL);
        return false;
      }
      for (size_t i = 0; i < sys->u.array.count; i++) {
        struct ksc_profile_entry *en = &out->entries[out->nentries];
        if (!parse_entry(&p, sys->u.array.items[i], kj_pointer_index(a, sptr, i), en)) continue;
        for (size_t r = 0; r < en->nrules; r++)
          if ((en->rules[r].action & KSC_RET_ACTION_FULL) == KSC_RET_USER_NOTIF) out->uses_notify = true;
        out->nentries++;
      }
    }
  }
  return p.ok;
}
