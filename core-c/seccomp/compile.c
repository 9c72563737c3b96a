/* The whole compile as one call, and its report as JSON text. */
#include "seccomp.h"

#include "../common/text.h"

#include <stdio.h>
#include <string.h>

static void putu(struct kago_text *t, uint64_t v) {
  char b[24];
  int n = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
  kago_text_put(t, b, (size_t)n);
}

static void putstr(struct kago_text *t, const char *s) { kago_text_json_string(t, s, strlen(s)); }

static void put_problems(struct kago_text *t, const struct kago_problems *pr) {
  kago_text_puts(t, "\"problems\":[");
  for (const struct kago_problem *p = pr->first; p; p = p->next) {
    if (p != pr->first) kago_text_puts(t, ",");
    kago_text_puts(t, "{\"severity\":");
    putstr(t, p->severity == KAGO_ERROR ? "error" : "warning");
    kago_text_puts(t, ",\"pointer\":");
    putstr(t, p->pointer);
    kago_text_puts(t, ",\"message\":");
    putstr(t, p->message);
    if (p->line) {
      kago_text_puts(t, ",\"line\":");
      putu(t, p->line);
      kago_text_puts(t, ",\"column\":");
      putu(t, p->column);
    }
    kago_text_puts(t, "}");
  }
  kago_text_puts(t, "],\"errors\":");
  putu(t, pr->errors);
  kago_text_puts(t, ",\"warnings\":");
  putu(t, pr->warnings);
}

static void put_action(struct kago_text *t, const char *key, uint32_t ret) {
  kago_text_puts(t, ",\"");
  kago_text_puts(t, key);
  kago_text_puts(t, "\":{\"name\":");
  putstr(t, ksc_action_name(ret));
  kago_text_puts(t, ",\"ret\":");
  putu(t, ret);
  kago_text_puts(t, "}");
}

/* Splits the comma-separated list into the profile's architectures. */
static bool override_arches(struct kago_arena *a, const char *list, size_t len, struct kago_problems *problems,
                            struct ksc_profile *profile) {
  profile->narches = 0;
  size_t i = 0;
  bool ok = true;
  while (i <= len) {
    size_t j = i;
    while (j < len && list[j] != ',') j++;
    const char *name = list + i;
    size_t n = j - i;
    while (n > 0 && name[0] == ' ') name++, n--;
    while (n > 0 && name[n - 1] == ' ') n--;
    if (n > 0) {
      const struct ksc_arch *arch = ksc_arch_by_name(name, n);
      if (!arch) {
        kago_problem_add(problems, KAGO_ERROR, "", "unknown architecture \"%s\" requested",
                         kago_arena_strndup(a, name, n));
        ok = false;
      } else {
        bool dup = false;
        for (size_t k = 0; k < profile->narches; k++) dup = dup || profile->arches[k] == arch;
        if (!dup && profile->narches < KSC_ARCH_COUNT) profile->arches[profile->narches++] = arch;
      }
    }
    i = j + 1;
  }
  return ok;
}

static const char *flag_names[] = {"SECCOMP_FILTER_FLAG_TSYNC",
                                   "SECCOMP_FILTER_FLAG_LOG",
                                   "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                   NULL,
                                   NULL,
                                   "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};

const char *ksc_compile(struct kago_arena *a, const char *src, size_t len, const char *arches, size_t arches_len,
                        struct ksc_program *program) {
  struct kago_problems problems;
  kago_problems_init(&problems, a);
  program->insns = NULL;
  program->len = 0;
  struct kago_text t = {a, NULL, 0, 0, false};
  struct ksc_profile profile;
  struct ksc_policy policy;
  struct ksc_codegen_stats stats;
  memset(&profile, 0, sizeof profile);
  memset(&policy, 0, sizeof policy);
  memset(&stats, 0, sizeof stats);
  bool present = true, generated = false;

  struct kj_error err = {0, 0, NULL};
  struct kj_value *doc = kj_parse(a, src, len, 64, &err);
  const char *base = "";
  if (!doc) {
    kago_problem_add_at(&problems, KAGO_ERROR, "", err.line, err.column, "%s",
                        err.message ? err.message : "invalid JSON");
  } else {
    const struct kj_value *obj = doc;
    /* A whole config.json has no defaultAction at its top level. */
    if (doc->type == KJ_OBJECT && !kj_get(doc, "defaultAction") &&
        (kj_get(doc, "linux") || kj_get(doc, "ociVersion"))) {
      base = "/linux/seccomp";
      const struct kj_value *linux = kj_get(doc, "linux");
      obj = linux && linux->type == KJ_OBJECT ? kj_get(linux, "seccomp") : NULL;
      if (!obj || obj->type == KJ_NULL) present = false;
    }
    if (present && ksc_parse_profile(a, obj, base, &problems, &profile)) {
      bool ok = true;
      if (arches_len > 0) ok = override_arches(a, arches, arches_len, &problems, &profile);
      if (ok && profile.narches == 0) {
        /* libseccomp would use the machine it runs on; the core does not
         * know it, so the host must say. */
        kago_problem_add(&problems, KAGO_ERROR, kj_pointer_key(a, base, "architectures"),
                         "no architecture: list one in the profile or pass the native one");
        ok = false;
      }
      if (ok && ksc_normalize(a, &profile, base, &problems, &policy) &&
          ksc_codegen(a, &policy, &problems, program, &stats))
        generated = true;
    }
  }
  if (!generated) {
    program->insns = NULL;
    program->len = 0;
  }

  kago_text_puts(&t, "{\"ok\":");
  kago_text_puts(&t, problems.errors == 0 ? "true" : "false");
  kago_text_puts(&t, ",\"seccomp\":");
  kago_text_puts(&t, present ? "true" : "false");
  kago_text_puts(&t, ",\"pointer\":");
  putstr(&t, base);
  kago_text_puts(&t, ",");
  put_problems(&t, &problems);
  if (generated) {
    kago_text_puts(&t, ",\"flags\":");
    putu(&t, profile.flags);
    kago_text_puts(&t, ",\"flagNames\":[");
    bool first = true;
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
      if (!flag_names[i] || !(profile.flags & (1u << i))) continue;
      if (!first) kago_text_puts(&t, ",");
      putstr(&t, flag_names[i]);
      first = false;
    }
    kago_text_puts(&t, "]");
    put_action(&t, "defaultAction", policy.default_action);
    put_action(&t, "badArchAction", policy.bad_arch_action);
    kago_text_puts(&t, ",\"notify\":");
    kago_text_puts(&t, profile.uses_notify ? "true" : "false");
    kago_text_puts(&t, ",\"listenerPath\":");
    if (profile.listener_path)
      putstr(&t, profile.listener_path);
    else
      kago_text_puts(&t, "null");
    kago_text_puts(&t, ",\"instructions\":");
    putu(&t, program->len);
    kago_text_puts(&t, ",\"arches\":[");
    for (size_t i = 0; i < policy.narches; i++) {
      const struct ksc_arch_policy *ap = &policy.arches[i];
      size_t conditional = 0;
      for (size_t s = 0; s < ap->nsyscalls; s++) conditional += ap->syscalls[s].nrules > 0;
      if (i) kago_text_puts(&t, ",");
      kago_text_puts(&t, "{\"name\":");
      putstr(&t, ap->arch->name);
      kago_text_puts(&t, ",\"audit\":");
      putu(&t, ap->arch->audit_arch);
      kago_text_puts(&t, ",\"syscalls\":");
      putu(&t, ap->nsyscalls);
      kago_text_puts(&t, ",\"conditional\":");
      putu(&t, conditional);
      kago_text_puts(&t, ",\"ranges\":");
      putu(&t, i < KSC_ARCH_COUNT ? stats.ranges[i] : 0);
      if (ap->has_newer) {
        kago_text_puts(&t, ",\"newerAbove\":");
        putu(&t, ap->highest_named);
      }
      kago_text_puts(&t, "}");
    }
    kago_text_puts(&t, "]");
  }
  kago_text_puts(&t, "}");
  return t.oom ? "{\"ok\":false,\"problems\":[{\"severity\":\"error\",\"pointer\":\"\","
                 "\"message\":\"out of memory\"}],\"errors\":1,\"warnings\":0}"
               : t.buf;
}

const char *ksc_verdict_json(struct kago_arena *a, const struct ksc_verdict *v) {
  struct kago_text t = {a, NULL, 0, 0, false};
  kago_text_puts(&t, "{\"valid\":");
  kago_text_puts(&t, v->valid ? "true" : "false");
  if (!v->valid) {
    kago_text_puts(&t, ",\"error\":");
    putstr(&t, v->error);
  }
  kago_text_puts(&t, ",\"ret\":");
  putu(&t, v->ret);
  kago_text_puts(&t, ",\"action\":");
  putstr(&t, ksc_action_name(v->ret));
  kago_text_puts(&t, ",\"data\":");
  putu(&t, v->ret & KSC_RET_DATA);
  kago_text_puts(&t, ",\"executed\":");
  putu(&t, v->executed);
  kago_text_puts(&t, ",\"path\":[");
  for (size_t i = 0; i < v->path_len; i++) {
    if (i) kago_text_puts(&t, ",");
    putu(&t, v->path[i]);
  }
  kago_text_puts(&t, "]}");
  return t.oom ? "{\"valid\":false,\"error\":\"out of memory\"}" : t.buf;
}
