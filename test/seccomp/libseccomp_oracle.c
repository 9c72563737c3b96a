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
 * that kago's table gives to another syscall. Verdicts may differ there.
 *
 * runc prepends its own -ENOSYS stub to libseccomp's filter
 * (libcontainer/seccomp/patchbpf): unless the default action is allow, log,
 * trace or ERRNO(ENOSYS), a syscall numbered above the highest name of the
 * profile on its architecture gets ENOSYS. The oracle writes that stub in
 * front of libseccomp's program, with the highest numbers taken from kago's
 * table so both filters judge by one table (libseccomp 2.5.4 lacks the
 * newest names). */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
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
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

static uint32_t arch_token(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
    if (strlen(arch_names[i].name) == len && memcmp(arch_names[i].name, name, len) == 0) return arch_names[i].token;
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

static void add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const char *name, struct scmp_arg_cmp *c, unsigned n) {
  int rc = seccomp_rule_add_array(ctx, act, nr, n, c);
  if (rc < 0) {
    fprintf(stderr, "oracle: seccomp_rule_add_array(%s): %s\n", name, strerror(-rc));
    exit(3);
  }
}

/* ---- the -ENOSYS stub, as runc lays it out ---- */

#define LBL_NONE (-1)
#define LBL_FILTER 0 /* the first instruction of libseccomp's program */

struct stub_insn {
  uint16_t code;
  int jt, jf; /* labels, LBL_NONE: the next instruction */
  uint32_t k;
  int ja; /* label of an unconditional jump */
};

struct stub {
  struct stub_insn insns[256];
  size_t len;
  int label_pos[64];
  int nlabels;
};

static int new_label(struct stub *s) {
  s->label_pos[s->nlabels] = -1;
  return s->nlabels++;
}

static void place(struct stub *s, int label) { s->label_pos[label] = (int)s->len; }

static void put(struct stub *s, uint16_t code, uint32_t k, int jt, int jf, int ja) {
  struct stub_insn in = {code, jt, jf, k, ja};
  s->insns[s->len++] = in;
}

static uint32_t enosys_for(const char *arch) {
  if (!strncmp(arch, "SCMP_ARCH_MIPS", 14)) return 89;
  if (!strncmp(arch, "SCMP_ARCH_PARISC", 16)) return 251;
  return 38;
}

/* Writes stub + program to path; highest[t] < 0: no name on token t. */
static void prepend_enosys_stub(const char *path, uint32_t def, const char *const *tnames, size_t ntok,
                                const int64_t *highest) {
  struct stub st = {.len = 0, .nlabels = 0};
  new_label(&st); /* LBL_FILTER */
  size_t groups[32], ngroups = 0;
  int section[32];
  for (size_t t = 0; t < ntok; t++) {
    const struct ksc_arch *ka = ksc_arch_by_name(tnames[t], strlen(tnames[t]));
    uint32_t data = def & 0xffff, act = def & 0xffff0000u;
    bool allow = act == SCMP_ACT_ALLOW || act == SCMP_ACT_LOG || act == (SCMP_ACT_TRACE(0) & 0xffff0000u);
    if (allow || (act == SCMP_ACT_ERRNO(0) && data == enosys_for(tnames[t])) || highest[t] < 0) continue;
    bool seen = false;
    for (size_t g = 0; g < ngroups; g++) {
      const struct ksc_arch *kg = ksc_arch_by_name(tnames[groups[g]], strlen(tnames[groups[g]]));
      seen = seen || kg->audit_arch == ka->audit_arch;
    }
    if (!seen) groups[ngroups++] = t;
  }
  if (ngroups == 0) return;
  put(&st, 0x20, 4, LBL_NONE, LBL_NONE, LBL_NONE); /* ld arch */
  for (size_t g = 0; g < ngroups; g++) {
    section[g] = new_label(&st);
    const struct ksc_arch *kg = ksc_arch_by_name(tnames[groups[g]], strlen(tnames[groups[g]]));
    put(&st, 0x15, kg->audit_arch, section[g], LBL_NONE, LBL_NONE); /* jeq */
  }
  put(&st, 0x05, 0, LBL_NONE, LBL_NONE, LBL_FILTER);
  for (size_t g = 0; g < ngroups; g++) {
    const char *gname = tnames[groups[g]];
    const struct ksc_arch *kg = ksc_arch_by_name(gname, strlen(gname));
    int enosys = new_label(&st);
    place(&st, section[g]);
    put(&st, 0x20, 0, LBL_NONE, LBL_NONE, LBL_NONE); /* ld nr */
    /* the highest of each member of the group: x86_64 and x32 share one audit value */
    int64_t hi64 = -1, hi32 = -1, hi = -1;
    for (size_t t = 0; t < ntok; t++) {
      const struct ksc_arch *ka = ksc_arch_by_name(tnames[t], strlen(tnames[t]));
      if (ka->audit_arch != kg->audit_arch) continue;
      if (!strcmp(tnames[t], "SCMP_ARCH_X32"))
        hi32 = highest[t];
      else if (!strcmp(tnames[t], "SCMP_ARCH_X86_64"))
        hi64 = highest[t];
      else
        hi = highest[t];
    }
    if (!strcmp(kg->name, "SCMP_ARCH_X86_64") || !strcmp(kg->name, "SCMP_ARCH_X32")) {
      int x32 = new_label(&st);
      put(&st, 0x45, 0x40000000u, x32, LBL_NONE, LBL_NONE); /* jset the x32 bit */
      if (hi64 >= 0) put(&st, 0x25, (uint32_t)hi64, enosys, LBL_NONE, LBL_NONE);
      put(&st, 0x05, 0, LBL_NONE, LBL_NONE, LBL_FILTER);
      place(&st, x32);
      if (hi32 >= 0) put(&st, 0x25, (uint32_t)hi32, enosys, LBL_NONE, LBL_NONE);
      put(&st, 0x05, 0, LBL_NONE, LBL_NONE, LBL_FILTER);
    } else {
      if (!strcmp(kg->name, "SCMP_ARCH_S390") || !strcmp(kg->name, "SCMP_ARCH_S390X"))
        put(&st, 0x15, 0, enosys, LBL_NONE, LBL_NONE); /* the multiplexer's 0 */
      put(&st, 0x25, (uint32_t)hi, enosys, LBL_NONE, LBL_NONE);
      put(&st, 0x05, 0, LBL_NONE, LBL_NONE, LBL_FILTER);
    }
    place(&st, enosys);
    put(&st, 0x06, SCMP_ACT_ERRNO(enosys_for(kg->name)), LBL_NONE, LBL_NONE, LBL_NONE);
  }
  st.label_pos[LBL_FILTER] = (int)st.len;
  size_t plen;
  char *prog = slurp(path, &plen);
  FILE *f = fopen(path, "wb");
  if (!prog || !f) exit(2);
  for (size_t i = 0; i < st.len; i++) {
    const struct stub_insn *in = &st.insns[i];
    struct {
      uint16_t code;
      uint8_t jt, jf;
      uint32_t k;
    } out = {in->code, 0, 0, in->k}; /* struct sock_filter */
    if (in->jt != LBL_NONE) out.jt = (uint8_t)(st.label_pos[in->jt] - (int)i - 1);
    if (in->jf != LBL_NONE) out.jf = (uint8_t)(st.label_pos[in->jf] - (int)i - 1);
    if (in->ja != LBL_NONE) out.k = (uint32_t)(st.label_pos[in->ja] - (int)i - 1);
    if (fwrite(&out, sizeof out, 1, f) != 1) exit(2);
  }
  if (fwrite(prog, 1, plen, f) != plen) exit(2);
  fclose(f);
  free(prog);
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
  if (!kj_get(doc, "defaultAction") && kj_get(doc, "linux")) doc = kj_get(kj_get(doc, "linux"), "seccomp");

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
      tokens[ntok++] = arch_token(arches->u.array.items[i]->u.string.s, arches->u.array.items[i]->u.string.len);
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

  int64_t highest[32];
  for (size_t t = 0; t < ntok; t++) highest[t] = -1;
  const struct kj_value *sys = kj_get(doc, "syscalls");
  for (size_t i = 0; sys && i < sys->u.array.count; i++) {
    const struct kj_value *e = sys->u.array.items[i];
    uint32_t act = action_of(e, "action", "errnoRet");
    const struct kj_value *names = kj_get(e, "names"), *args = kj_get(e, "args");
    /* runc's stub counts every name, whatever its action */
    for (size_t k = 0; k < names->u.array.count; k++) {
      const char *name = names->u.array.items[k]->u.string.s;
      long index = ksc_syscall_index(name, strlen(name));
      for (size_t t = 0; index >= 0 && t < ntok; t++) {
        int64_t nr = ksc_syscall_nr(ksc_arch_by_name(tnames[t], strlen(tnames[t])), (size_t)index);
        if (nr > highest[t]) highest[t] = nr;
      }
    }
    if (act == def) continue; /* runc skips them: libseccomp refuses them */
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
      } else
        add_rule(ctx, act, nr, name, conds, n);
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
  prepend_enosys_stub(argv[3], def, tnames, ntok, highest);
  seccomp_release(ctx);
  kago_arena_free(&arena);
  free(text);
  return 0;
}
