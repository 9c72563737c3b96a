/* The mount options kago knows, with what each one does: the one table that
 * the validator reads for the words and the plan builder (through the
 * generated wasm/spec.gen.ts) for their meaning. A word that is not here is
 * passed to the file system as data ("size=64m", "mode=755"). */
#ifndef KAGO_SPEC_MOUNT_OPTIONS_H
#define KAGO_SPEC_MOUNT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum spec_mount_effect {
  SPEC_MOUNT_NONE, /* "defaults": mount(8)'s name for no change */
  SPEC_MOUNT_FLAG_SET, /* a mount(2) flag (MS_*) to set */
  SPEC_MOUNT_FLAG_CLEAR, /* a mount(2) flag to clear ("rw" after a default "ro") */
  SPEC_MOUNT_PROPAGATION, /* a propagation change made after the mount (MS_* | MS_REC) */
  SPEC_MOUNT_ATTR_SET, /* a mount_setattr(2) attribute set on the whole tree */
  SPEC_MOUNT_ATTR_CLEAR, /* ... cleared on the whole tree */
  SPEC_MOUNT_ATTR_ATIME, /* the tree's atime mode (MOUNT_ATTR__ATIME), replaced as a whole */
  SPEC_MOUNT_BIND,
  SPEC_MOUNT_RBIND,
  SPEC_MOUNT_TMPCOPYUP,
  SPEC_MOUNT_IDMAP,
  SPEC_MOUNT_RIDMAP,
};
/* The last effect: spec/gen.c writes the names of all up to it. */
#define SPEC_MOUNT_LAST_EFFECT SPEC_MOUNT_RIDMAP

struct spec_mount_option {
  const char *word;
  enum spec_mount_effect effect;
  /* MS_* for the flag and propagation effects, MOUNT_ATTR_* for the attr ones. */
  uint32_t bits;
};

extern const struct spec_mount_option spec_mount_options[];
extern const size_t spec_mount_option_count;

/* The row of word[0..len), or NULL: not a mount option. */
const struct spec_mount_option *spec_mount_option_find(const char *word, size_t len);

#endif
