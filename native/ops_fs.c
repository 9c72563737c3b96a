/* Files, mounts and the switch to the container's root. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ops.h"

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000 /* include/linux/statfs.h; older glibc lacks it */
#endif

static const char *or_null(const char *s) { return s[0] != '\0' ? s : NULL; }

static int close_keeping_errno(int fd) {
  int err = errno;
  close(fd);
  errno = err;
  return -1;
}

int op_write_file(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_write_file *w = &op->u.write_file;
  x->detail = w->path;
  int fd = open(w->path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(w->data);
  /* One write: cgroup and sysctl files act on each write(2) separately. */
  ssize_t n = write(fd, w->data, len);
  if (n < 0) return close_keeping_errno(fd);
  close(fd);
  if ((size_t)n != len) {
    errno = EIO;
    return -1;
  }
  return 0;
}

int op_open(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_open *o = &op->u.open;
  x->detail = o->path;
  int fd = open(o->path, (int)o->flags | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  x->slots[o->slot] = fd;
  return 0;
}

int op_close(struct kago_exec *x, const struct kago_op *op) {
  int fd = kago_slot_fd(x, op->u.close.slot);
  if (fd < 0) return -1;
  x->slots[op->u.close.slot] = -1;
  return close(fd);
}

int op_mount(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_mount *m = &op->u.mount;
  x->detail = m->target;
  return mount(or_null(m->source), m->target, or_null(m->fstype), (unsigned long)m->flags, or_null(m->data));
}

/* A bind remount must repeat the flags that are already set: in a user
 * namespace the kernel refuses to clear flags locked by a more privileged
 * mount (EPERM), see mount_namespaces(7) "restrictions on mount namespaces". */
int kago_remount_keeping_flags(const char *target, unsigned long flags) {
  static const struct {
    unsigned long st, ms;
  } kept[] = {
      {ST_RDONLY, MS_RDONLY},     {ST_NOSUID, MS_NOSUID},           {ST_NODEV, MS_NODEV},
      {ST_NOEXEC, MS_NOEXEC},     {ST_NOATIME, MS_NOATIME},         {ST_NODIRATIME, MS_NODIRATIME},
      {ST_RELATIME, MS_RELATIME}, {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
  };
  struct statvfs sv;
  if (statvfs(target, &sv) != 0) return -1;
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
    if (sv.f_flag & kept[i].st) flags |= kept[i].ms;
  }
  return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

int op_remount(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.remount.target;
  return kago_remount_keeping_flags(op->u.remount.target, (unsigned long)op->u.remount.flags);
}

/* pivot_root(".", ".") stacks the old root on top of the new one, so no
 * directory for it is needed inside the container; see pivot_root(2) NOTES. */
static int pivot_into(int old_root, int new_root) {
  if (fchdir(new_root) != 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") != 0) return -1;
  if (fchdir(old_root) != 0) return -1;
  /* A slave first, so that detaching it does not propagate to the host. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) != 0) return -1;
  if (umount2(".", MNT_DETACH) != 0) return -1;
  return chdir("/");
}

int op_pivot_root(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.pivot_root.root;
  int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (old_root < 0) return -1;
  int new_root = open(op->u.pivot_root.root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (new_root < 0) return close_keeping_errno(old_root);
  int rc = pivot_into(old_root, new_root);
  int err = errno;
  close(old_root);
  close(new_root);
  errno = err;
  return rc;
}

int op_mask_path(struct kago_exec *x, const struct kago_op *op) {
  const char *path = op->u.mask_path.path;
  struct stat st;
  x->detail = path;
  if (stat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
  /* Binding a file over a directory fails with ENOTDIR, hence the tmpfs. */
  if (S_ISDIR(st.st_mode)) return mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
  /* runc CVE-2025-31133: if the container's /dev/null were a symlink (or
   * swapped for one) to a procfs file such as core_pattern, binding "/dev/null"
   * would put that file, writable, where the masked path was. Bind only the
   * real null device, through the descriptor that was checked. */
  int null_fd = kago_open_checked("/dev/null", S_IFCHR, makedev(1, 3));
  if (null_fd < 0) {
    if (errno == EPERM) x->detail = "/dev/null is not the null device";
    return -1;
  }
  return kago_bind_fd(null_fd, true, path);
}

int kago_open_checked(const char *path, unsigned type, dev_t rdev) {
  int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) != type || (type == S_IFCHR && st.st_rdev != rdev)) {
    close(fd);
    errno = EPERM;
    return -1;
  }
  return fd;
}

int kago_bind_fd(int fd, bool fd_is_source, const char *other) {
  char fd_path[40];
  snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fd);
  int rc = fd_is_source ? mount(fd_path, other, NULL, MS_BIND, NULL) : mount(other, fd_path, NULL, MS_BIND, NULL);
  int err = errno;
  close(fd);
  errno = err;
  return rc;
}

int op_readonly_path(struct kago_exec *x, const struct kago_op *op) {
  const char *path = op->u.readonly_path.path;
  x->detail = path;
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0) return errno == ENOENT ? 0 : -1;
  return kago_remount_keeping_flags(path, MS_RDONLY);
}

int op_hide_mount(struct kago_exec *x, const struct kago_op *op) {
  const char *path = op->u.hide_mount.path;
  x->detail = path;
  int rc = op->u.hide_mount.cover
               ? mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0")
               : umount2(path, MNT_DETACH);
  return rc != 0 && errno == ENOENT ? 0 : rc;
}

int op_chroot(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.chroot.path;
  if (chdir(op->u.chroot.path) != 0) return -1;
  if (chroot(".") != 0) return -1;
  return chdir("/");
}
