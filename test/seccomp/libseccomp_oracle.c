/* The reference: builds an OCI seccomp profile the way runc does, with
 * libseccomp, and exports the BPF, so kago's filter can be compared with it
 * verdict by verdict. Reads the profile with kago's JSON parser only; the
 * OCI fields are interpreted here independently of core-c/seccomp, as runc
 * hands them to libseccomp (value/valueTwo as datum_a/datum_b, errnoRet as
 * the action's data, one rule per condition when an index repeats).
 *
 * usage: libseccomp_oracle PROFILE.json ARCHES OUT.bpf [optimize]
 *   ARCHES: comma-separated OCI names ("" = the profile's). The native
 *   architecture is removed unless listed, so both filters cover the same
 *   architectures. optimize: 2 for libseccomp's binary tree.
 * Prints on stdout where libseccomp's syscall table disagrees with kago's
 * for a name of the profile on a filter architecture: "ARCH NAME" when
 * libseccomp does not map kago's number back to the name (it has no number,
 * an older one, or multiplexes it), "ARCH #NR" for a number libseccomp uses
 * that kago's table gives to another syscall. Verdicts may differ there. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core-c/json/json.h"
#include "../../core-c/seccomp/syscalls.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  size_t r;
  while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) b = realloc(b, cap *= 2);
  }
  fclose(f);
  *len = n;
  return b;
}

struct arch_name {
  const char *name;
  uint32_t token;
};
static const struct arch_name arch_names[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},           {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},           {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},   {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},     {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},     {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32}, {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},       {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},         {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},     {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

static uint32_t arch_token(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
    if (strlen(arch_names[i].name) == len && memcmp(arch_names[i].name, name, len) == 0)
      return arch_names[i].token;
  fprintf(stderr, "oracle: architecture %.*s unknown to libseccomp\n", (int)len, name);
  exit(2);
}

static uint32_t action_of(const struct kj_value *obj, const char *akey, const char *ekey) {
  const struct kj_value *a = kj_get(obj, akey), *e = kj_get(obj, ekey);
  uint64_t data = 1; /* runc: EPERM when errnoRet is absent */
  if (e) kj_as_u64(e, &data);
  const char *s = a->u.string.s;
  if (!strcmp(s, "SCMP_ACT_KILL") || !strcmp(s, "SCMP_ACT_KILL_THREAD")) return SCMP_ACT_KILL;
  if (!strcmp(s, "SCMP_ACT_KILL_PROCESS")) return SCMP_ACT_KILL_PROCESS;
  if (!strcmp(s, "SCMP_ACT_TRAP")) return SCMP_ACT_TRAP;
  if (!strcmp(s, "SCMP_ACT_ERRNO")) return SCMP_ACT_ERRNO((uint16_t)data);
  if (!strcmp(s, "SCMP_ACT_TRACE")) return SCMP_ACT_TRACE((uint16_t)data);
  if (!strcmp(s, "SCMP_ACT_ALLOW")) return SCMP_ACT_ALLOW;
  if (!strcmp(s, "SCMP_ACT_LOG")) return SCMP_ACT_LOG;
  if (!strcmp(s, "SCMP_ACT_NOTIFY")) return SCMP_ACT_NOTIFY;
  fprintf(stderr, "oracle: action %s\n", s);
  exit(2);
}

static enum scmp_compare op_of(const char *s) {
  if (!strcmp(s, "SCMP_CMP_NE")) return SCMP_CMP_NE;
  if (!strcmp(s, "SCMP_CMP_LT")) return SCMP_CMP_LT;
  if (!strcmp(s, "SCMP_CMP_LE")) return SCMP_CMP_LE;
  if (!strcmp(s, "SCMP_CMP_EQ")) return SCMP_CMP_EQ;
  if (!strcmp(s, "SCMP_CMP_GE")) return SCMP_CMP_GE;
  if (!strcmp(s, "SCMP_CMP_GT")) return SCMP_CMP_GT;
  if (!strcmp(s, "SCMP_CMP_MASKED_EQ")) return SCMP_CMP_MASKED_EQ;
  fprintf(stderr, "oracle: operator %s\n", s);
  exit(2);
}

static void add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const char *name,
                     struct scmp_arg_cmp *c, unsigned n) {
  int rc = seccomp_rule_add_array(ctx, act, nr, n, c);
  if (rc < 0) {
    fprintf(stderr, "oracle: seccomp_rule_add_array(%s): %s\n", name, strerror(-rc));
    exit(3);
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s PROFILE ARCHES OUT.bpf [optimize]\n", argv[0]);
    return 2;
  }
  size_t len;
  char *text = slurp(argv[1], &len);
  if (!text) {
    perror(argv[1]);
    return 2;
  }
  struct kago_arena arena;
  kago_arena_init(&arena, 0);
  struct kj_error err;
  const struct kj_value *doc = kj_parse(&arena, text, len, 64, &err);
  if (!doc) {
    fprintf(stderr, "oracle: %u:%u: %s\n", err.line, err.column, err.message);
    return 2;
  }
  if (!kj_get(doc, "defaultAction") && kj_get(doc, "linux"))
    doc = kj_get(kj_get(doc, "linux"), "seccomp");

  uint32_t def = action_of(doc, "defaultAction", "defaultErrnoRet");
  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx) return 3;
  if (argc > 4) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)atoi(argv[4]));

  bool native_listed = false;
  const char *list = argv[2];
  const struct kj_value *arches = kj_get(doc, "architectures");
  uint32_t tokens[32];
  const char *tnames[32];
  size_t ntok = 0;
  if (*list) {
    for (const char *p = list; *p;) {
      const char *q = strchr(p, ',');
      size_t n = q ? (size_t)(q - p) : strlen(p);
      if (n && ntok < 32) {
        tnames[ntok] = strndup(p, n);
        tokens[ntok++] = arch_token(p, n);
      }
      p += n + (q ? 1 : 0);
    }
  } else if (arches) {
    for (size_t i = 0; i < arches->u.array.count && ntok < 32; i++) {
      tnames[ntok] = arches->u.array.items[i]->u.string.s;
      tokens[ntok++] = arch_token(arches->u.array.items[i]->u.string.s,
                                  arches->u.array.items[i]->u.string.len);
    }
  }
  for (size_t i = 0; i < ntok; i++) native_listed = native_listed || tokens[i] == seccomp_arch_native();
  /* Before adding: libseccomp refuses to mix byte orders in one filter. */
  if (!native_listed) seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
  for (size_t i = 0; i < ntok; i++) {
    int rc = seccomp_arch_add(ctx, tokens[i]);
    if (rc < 0 && rc != -EEXIST) {
      fprintf(stderr, "oracle: seccomp_arch_add: %s\n", strerror(-rc));
      return 3;
    }
  }

  const struct kj_value *sys = kj_get(doc, "syscalls");
  for (size_t i = 0; sys && i < sys->u.array.count; i++) {
    const struct kj_value *e = sys->u.array.items[i];
    uint32_t act = action_of(e, "action", "errnoRet");
    if (act == def) continue; /* runc skips them: libseccomp refuses them */
    const struct kj_value *names = kj_get(e, "names"), *args = kj_get(e, "args");
    struct scmp_arg_cmp conds[64];
    unsigned n = 0, seen = 0;
    bool repeated = false;
    for (size_t k = 0; args && args->type == KJ_ARRAY && k < args->u.array.count && n < 64; k++) {
      const struct kj_value *a = args->u.array.items[k];
      uint64_t index = 0, value = 0, two = 0;
      kj_as_u64(kj_get(a, "index"), &index);
      kj_as_u64(kj_get(a, "value"), &value);
      if (kj_get(a, "valueTwo")) kj_as_u64(kj_get(a, "valueTwo"), &two);
      conds[n].arg = (unsigned)index;
      conds[n].op = op_of(kj_get(a, "op")->u.string.s);
      conds[n].datum_a = value;
      conds[n].datum_b = two;
      if (seen & (1u << index)) repeated = true;
      seen |= 1u << index;
      n++;
    }
    for (size_t k = 0; k < names->u.array.count; k++) {
      const char *name = names->u.array.items[k]->u.string.s;
      long index = ksc_syscall_index(name, strlen(name));
      for (size_t t = 0; t < ntok; t++) {
        const struct ksc_arch *ka = ksc_arch_by_name(tnames[t], strlen(tnames[t]));
        int64_t ours = index < 0 ? -1 : ksc_syscall_nr(ka, (size_t)index);
        int theirs = seccomp_syscall_resolve_name_arch(tokens[t], name);
        char *back = ours < 0 ? NULL : seccomp_syscall_resolve_num_arch(tokens[t], (int)ours);
        if (ours >= 0 && (!back || strcmp(back, name) != 0)) printf("%s %s\n", tnames[t], name);
        if (theirs >= 0 && theirs != ours) printf("%s #%d\n", tnames[t], theirs);
        free(back);
      }
      int nr = seccomp_syscall_resolve_name(name);
      if (nr == __NR_SCMP_ERROR) continue;
      if (repeated) {
        for (unsigned c = 0; c < n; c++) add_rule(ctx, act, nr, name, &conds[c], 1);
      } else add_rule(ctx, act, nr, name, conds, n);
    }
  }
  int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    perror(argv[3]);
    return 2;
  }
  int rc = seccomp_export_bpf(ctx, fd);
  close(fd);
  if (rc < 0) {
    fprintf(stderr, "oracle: seccomp_export_bpf: %s\n", strerror(-rc));
    return 3;
  }
  /* libseccomp writes a big-endian filter in big-endian byte order; the
   * comparison reads struct sock_filter in this host's (little-endian) order. */
  const struct ksc_arch *first = ntok ? ksc_arch_by_name(tnames[0], strlen(tnames[0])) : NULL;
  if (first && first->big_endian) {
    size_t blen;
    unsigned char *b = (unsigned char *)slurp(argv[3], &blen);
    for (size_t i = 0; b && i + 8 <= blen; i += 8) {
      unsigned char t = b[i];
      b[i] = b[i + 1];
      b[i + 1] = t;
      t = b[i + 4];
      b[i + 4] = b[i + 7];
      b[i + 7] = t;
      t = b[i + 5];
      b[i + 5] = b[i + 6];
      b[i + 6] = t;
    }
    FILE *f = fopen(argv[3], "wb");
    if (!f || !b || fwrite(b, 1, blen, f) != blen) return 2;
    fclose(f);
    free(b);
  }
  seccomp_release(ctx);
  kago_arena_free(&arena);
  free(text);
  return 0;
}
