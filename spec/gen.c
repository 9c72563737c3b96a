/* Writes wasm/spec.gen.ts from the validator's own tables (core-c/spec): the
 * TypeScript types of config.json and the mount option table. The tables are
 * the one definition of the spec's shape; this program runs at build time
 * (natively, on the same sources the core is compiled from) so the host and
 * the library read what the validator accepts, never a copy of it.
 *
 * Usage: gen OUT.ts */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core-c/spec/mount_options.h"
#include "../core-c/spec/shape.h"

#define MAX_TYPES 128

struct generator {
  FILE *out;
  const struct spec_shape *queue[MAX_TYPES];
  size_t queue_count;
};

static void fail(const char *what, const char *name) {
  fprintf(stderr, "spec/gen: %s%s%s\n", what, name ? ": " : "", name ? name : "");
  exit(1);
}

static bool is_named_words(const struct spec_shape *s) {
  return s->kind == SK_STRING && s->words != NULL && s->type_name != NULL;
}

/* A shape that becomes a declaration of its own, written once. */
static void want(struct generator *g, const struct spec_shape *s) {
  for (size_t i = 0; i < g->queue_count; i++) {
    if (g->queue[i] == s) return;
    if (strcmp(g->queue[i]->type_name, s->type_name) == 0) fail("two shapes have the same type name", s->type_name);
  }
  if (g->queue_count == MAX_TYPES) fail("too many types", NULL);
  g->queue[g->queue_count++] = s;
}

/* The TypeScript type of a value of this shape, as used in a member. */
static void write_type(struct generator *g, const struct spec_shape *s) {
  switch (s->kind) {
  case SK_ANY: fputs("unknown", g->out); return;
  case SK_BOOL: fputs("boolean", g->out); return;
  /* 64-bit integers beyond 2^53 lose precision as JS numbers, which is why
     * the core, not the host, compiles the fields that may hold them. */
  case SK_INT: fputs("number", g->out); return;
  case SK_STRING:
    if (is_named_words(s)) {
      want(g, s);
      fputs(s->type_name, g->out);
    } else {
      fputs("string", g->out);
    }
    return;
  case SK_OBJECT:
    if (s->type_name == NULL) fail("an object shape has no type_name", NULL);
    want(g, s);
    fputs(s->type_name, g->out);
    return;
  case SK_ARRAY:
    if (s->item == NULL) {
      fputs("unknown[]", g->out);
      return;
    }
    write_type(g, s->item);
    fputs("[]", g->out);
    return;
  case SK_MAP:
    fputs("Record<string, ", g->out);
    if (s->item == NULL) {
      fputs("unknown", g->out);
    } else {
      write_type(g, s->item);
    }
    fputs(">", g->out);
    return;
  }
}

static void write_declaration(struct generator *g, const struct spec_shape *s) {
  if (s->kind == SK_OBJECT) {
    fprintf(g->out, "\nexport interface %s {\n", s->type_name);
    for (const struct spec_field *f = s->fields; f != NULL && f->name != NULL; f++) {
      /* SF_REQUIRED_TO_START fields (process, process.args) may be absent
       * from a document that is only validated. */
      fprintf(g->out, "  %s%s: ", f->name, (f->flags & SF_REQUIRED) ? "" : "?");
      write_type(g, f->shape);
      fputs(";\n", g->out);
    }
    fputs("}\n", g->out);
    return;
  }
  fprintf(g->out, "\nexport type %s =", s->type_name);
  for (const char *const *w = s->words; *w != NULL; w++) fprintf(g->out, "\n  | '%s'", *w);
  fputs(";\n", g->out);
}

static const char *effect_name(enum spec_mount_effect e) {
  switch (e) {
  case SPEC_MOUNT_NONE: return "none";
  case SPEC_MOUNT_FLAG_SET: return "flag-set";
  case SPEC_MOUNT_FLAG_CLEAR: return "flag-clear";
  case SPEC_MOUNT_PROPAGATION: return "propagation";
  case SPEC_MOUNT_ATTR_SET: return "attr-set";
  case SPEC_MOUNT_ATTR_CLEAR: return "attr-clear";
  case SPEC_MOUNT_ATTR_ATIME: return "attr-atime";
  case SPEC_MOUNT_BIND: return "bind";
  case SPEC_MOUNT_RBIND: return "rbind";
  case SPEC_MOUNT_TMPCOPYUP: return "tmpcopyup";
  case SPEC_MOUNT_IDMAP: return "idmap";
  case SPEC_MOUNT_RIDMAP: return "ridmap";
  }
  fail("a mount option effect has no name", NULL);
  return NULL;
}

static void write_mount_options(FILE *out) {
  fputs("\n// --- mount options (core-c/spec/mount_options.c) ---------------------------\n\n"
        "/** What a mount option does: a mount(2) flag (MS_*) set or cleared, a propagation\n"
        " * change (MS_* | MS_REC), a mount_setattr(2) attribute (MOUNT_ATTR_*) set or cleared\n"
        " * on the whole tree or its atime mode replaced, or one of kago's own steps. */\n"
        "export type MountOptionEffect =",
        out);
  for (int e = SPEC_MOUNT_NONE; e <= SPEC_MOUNT_LAST_EFFECT; e++)
    fprintf(out, "\n  | '%s'", effect_name((enum spec_mount_effect)e));
  fputs(";\n\nexport interface MountOption {\n  effect: MountOptionEffect;\n  bits: number;\n}\n\n"
        "/** Every word the validator takes as a mount option; any other word is file system data. */\n"
        "export const MOUNT_OPTIONS: ReadonlyMap<string, MountOption> = new Map<string, MountOption>([\n",
        out);
  for (size_t i = 0; i < spec_mount_option_count; i++) {
    const struct spec_mount_option *o = &spec_mount_options[i];
    for (size_t j = 0; j < i; j++) {
      if (strcmp(spec_mount_options[j].word, o->word) == 0) fail("a mount option is listed twice", o->word);
    }
    fprintf(out, "  ['%s', { effect: '%s', bits: 0x%x }],\n", o->word, effect_name(o->effect), (unsigned)o->bits);
  }
  fputs("]);\n", out);
}

int main(int argc, char **argv) {
  if (argc != 2) fail("usage: gen OUT.ts", NULL);
  size_t n = strlen(argv[1]);
  char *tmp = malloc(n + 5);
  if (tmp == NULL) fail("out of memory", NULL);
  memcpy(tmp, argv[1], n);
  memcpy(tmp + n, ".tmp", 5);
  struct generator g = {.out = fopen(tmp, "w")};
  if (g.out == NULL) fail("cannot write", tmp);
  fputs("// Generated by spec/gen.c from the validator's tables in core-c/spec: do not edit.\n"
        "// Types of the OCI runtime-spec v1.3.0 config.json for Linux, as kago's\n"
        "// validator accepts it. The core validates a document before the host sees\n"
        "// it as a Spec, so these types describe a valid document.\n",
        g.out);
  want(&g, &spec_document);
  /* Breadth-first: Spec first, then what it refers to, in field order. */
  for (size_t i = 0; i < g.queue_count; i++) write_declaration(&g, g.queue[i]);
  write_mount_options(g.out);
  if (fclose(g.out) != 0 || rename(tmp, argv[1]) != 0) fail("cannot write", argv[1]);
  free(tmp);
  return 0;
}
