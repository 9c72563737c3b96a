#include "mount_options.h"

#include <string.h>

/* include/uapi/linux/mount.h; the same values on every architecture. */
#define MS_RDONLY 0x1u
#define MS_NOSUID 0x2u
#define MS_NODEV 0x4u
#define MS_NOEXEC 0x8u
#define MS_SYNCHRONOUS 0x10u
#define MS_REMOUNT 0x20u
#define MS_MANDLOCK 0x40u
#define MS_DIRSYNC 0x80u
#define MS_NOSYMFOLLOW 0x100u
#define MS_NOATIME 0x400u
#define MS_NODIRATIME 0x800u
#define MS_REC 0x4000u
#define MS_SILENT 0x8000u
#define MS_POSIXACL 0x10000u
#define MS_UNBINDABLE 0x20000u
#define MS_PRIVATE 0x40000u
#define MS_SLAVE 0x80000u
#define MS_SHARED 0x100000u
#define MS_RELATIME 0x200000u
#define MS_I_VERSION 0x800000u
#define MS_STRICTATIME 0x1000000u
#define MS_LAZYTIME 0x2000000u
#define MOUNT_ATTR_RDONLY 0x1u
#define MOUNT_ATTR_NOSUID 0x2u
#define MOUNT_ATTR_NODEV 0x4u
#define MOUNT_ATTR_NOEXEC 0x8u
#define MOUNT_ATTR_RELATIME 0x0u
#define MOUNT_ATTR_NOATIME 0x10u
#define MOUNT_ATTR_STRICTATIME 0x20u
#define MOUNT_ATTR_NODIRATIME 0x80u
#define MOUNT_ATTR_NOSYMFOLLOW 0x200000u

/* mount(8)'s flag words, the propagation modes, and the extensions runc and
 * crun share (the recursive r* forms of mount_setattr(2), tmpcopyup, idmap,
 * ridmap): runc 1.1.5's `runc features` lists the same words but idmap and
 * ridmap (runc 1.2). The atime modes of the tree are one field that
 * mount_setattr(2) changes only as a whole: "ratime", "rnorelatime" and
 * "rnostrictatime" return it to relatime, the kernel's default (0). */
const struct spec_mount_option spec_mount_options[] = {
    {"defaults", SPEC_MOUNT_NONE, 0},
    {"bind", SPEC_MOUNT_BIND, 0},
    {"rbind", SPEC_MOUNT_RBIND, 0},
    {"tmpcopyup", SPEC_MOUNT_TMPCOPYUP, 0},
    {"idmap", SPEC_MOUNT_IDMAP, 0},
    {"ridmap", SPEC_MOUNT_RIDMAP, 0},

    {"ro", SPEC_MOUNT_FLAG_SET, MS_RDONLY},
    {"rw", SPEC_MOUNT_FLAG_CLEAR, MS_RDONLY},
    {"nosuid", SPEC_MOUNT_FLAG_SET, MS_NOSUID},
    {"suid", SPEC_MOUNT_FLAG_CLEAR, MS_NOSUID},
    {"nodev", SPEC_MOUNT_FLAG_SET, MS_NODEV},
    {"dev", SPEC_MOUNT_FLAG_CLEAR, MS_NODEV},
    {"noexec", SPEC_MOUNT_FLAG_SET, MS_NOEXEC},
    {"exec", SPEC_MOUNT_FLAG_CLEAR, MS_NOEXEC},
    {"sync", SPEC_MOUNT_FLAG_SET, MS_SYNCHRONOUS},
    {"async", SPEC_MOUNT_FLAG_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", SPEC_MOUNT_FLAG_SET, MS_DIRSYNC},
    {"remount", SPEC_MOUNT_FLAG_SET, MS_REMOUNT},
    {"mand", SPEC_MOUNT_FLAG_SET, MS_MANDLOCK},
    {"nomand", SPEC_MOUNT_FLAG_CLEAR, MS_MANDLOCK},
    {"noatime", SPEC_MOUNT_FLAG_SET, MS_NOATIME},
    {"atime", SPEC_MOUNT_FLAG_CLEAR, MS_NOATIME},
    {"nodiratime", SPEC_MOUNT_FLAG_SET, MS_NODIRATIME},
    {"diratime", SPEC_MOUNT_FLAG_CLEAR, MS_NODIRATIME},
    {"relatime", SPEC_MOUNT_FLAG_SET, MS_RELATIME},
    {"norelatime", SPEC_MOUNT_FLAG_CLEAR, MS_RELATIME},
    {"strictatime", SPEC_MOUNT_FLAG_SET, MS_STRICTATIME},
    {"nostrictatime", SPEC_MOUNT_FLAG_CLEAR, MS_STRICTATIME},
    {"lazytime", SPEC_MOUNT_FLAG_SET, MS_LAZYTIME},
    {"nolazytime", SPEC_MOUNT_FLAG_CLEAR, MS_LAZYTIME},
    {"silent", SPEC_MOUNT_FLAG_SET, MS_SILENT},
    {"loud", SPEC_MOUNT_FLAG_CLEAR, MS_SILENT},
    {"nosymfollow", SPEC_MOUNT_FLAG_SET, MS_NOSYMFOLLOW},
    {"symfollow", SPEC_MOUNT_FLAG_CLEAR, MS_NOSYMFOLLOW},
    {"iversion", SPEC_MOUNT_FLAG_SET, MS_I_VERSION},
    {"noiversion", SPEC_MOUNT_FLAG_CLEAR, MS_I_VERSION},
    /* runc's words for MS_POSIXACL; passed as file system data, "acl" would
     * make tmpfs refuse the mount ("Unknown parameter"). */
    {"acl", SPEC_MOUNT_FLAG_SET, MS_POSIXACL},
    {"noacl", SPEC_MOUNT_FLAG_CLEAR, MS_POSIXACL},

    {"private", SPEC_MOUNT_PROPAGATION, MS_PRIVATE},
    {"rprivate", SPEC_MOUNT_PROPAGATION, MS_PRIVATE | MS_REC},
    {"shared", SPEC_MOUNT_PROPAGATION, MS_SHARED},
    {"rshared", SPEC_MOUNT_PROPAGATION, MS_SHARED | MS_REC},
    {"slave", SPEC_MOUNT_PROPAGATION, MS_SLAVE},
    {"rslave", SPEC_MOUNT_PROPAGATION, MS_SLAVE | MS_REC},
    {"unbindable", SPEC_MOUNT_PROPAGATION, MS_UNBINDABLE},
    {"runbindable", SPEC_MOUNT_PROPAGATION, MS_UNBINDABLE | MS_REC},

    {"rro", SPEC_MOUNT_ATTR_SET, MOUNT_ATTR_RDONLY},
    {"rrw", SPEC_MOUNT_ATTR_CLEAR, MOUNT_ATTR_RDONLY},
    {"rnosuid", SPEC_MOUNT_ATTR_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", SPEC_MOUNT_ATTR_CLEAR, MOUNT_ATTR_NOSUID},
    {"rnodev", SPEC_MOUNT_ATTR_SET, MOUNT_ATTR_NODEV},
    {"rdev", SPEC_MOUNT_ATTR_CLEAR, MOUNT_ATTR_NODEV},
    {"rnoexec", SPEC_MOUNT_ATTR_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", SPEC_MOUNT_ATTR_CLEAR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", SPEC_MOUNT_ATTR_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", SPEC_MOUNT_ATTR_CLEAR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", SPEC_MOUNT_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", SPEC_MOUNT_ATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    {"rnoatime", SPEC_MOUNT_ATTR_ATIME, MOUNT_ATTR_NOATIME},
    {"ratime", SPEC_MOUNT_ATTR_ATIME, MOUNT_ATTR_RELATIME},
    {"rrelatime", SPEC_MOUNT_ATTR_ATIME, MOUNT_ATTR_RELATIME},
    {"rnorelatime", SPEC_MOUNT_ATTR_ATIME, MOUNT_ATTR_RELATIME},
    {"rstrictatime", SPEC_MOUNT_ATTR_ATIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", SPEC_MOUNT_ATTR_ATIME, MOUNT_ATTR_RELATIME},
};
const size_t spec_mount_option_count = sizeof spec_mount_options / sizeof spec_mount_options[0];

const struct spec_mount_option *spec_mount_option_find(const char *word, size_t len) {
  for (size_t i = 0; i < spec_mount_option_count; i++) {
    const char *w = spec_mount_options[i].word;
    if (strlen(w) == len && memcmp(w, word, len) == 0) return &spec_mount_options[i];
  }
  return NULL;
}
