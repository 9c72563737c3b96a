/* Files and mounts inside the container's root, before pivot_root.
 *
 * Every path here is a container path resolved inside the directory held in
 * a slot (the root file system), with openat2(2) RESOLVE_IN_ROOT: ".." and
 * absolute symlinks stop at that directory, so an image whose /proc or whose
 * mount destination is a symlink to a host path (CVE-2019-16884,
 * CVE-2021-30465) still has everything made inside it. Mounts are then made
 * on the resolved fd (through /proc/self/fd/N or move_mount(2)), never on a
 * path the kernel would walk again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ops.h"

/* path(7) MAXSYMLINKS: the same bound the kernel puts on a symlink chain. */
#define SYMLINK_HOPS 40

static const char *or_null(const char *s) { return s[0] != '\0' ? s : NULL; }

static int keep_errno_close(int fd) {
  int err = errno;
  if (fd >= 0) close(fd);
  errno = err;
  return -1;
}

/* "/a/b" inside root; no magic links (/proc/self/...) on the way, since
 * those jump to wherever the kernel says, root or not. */
static int open_in_root(int root, const char *path, int flags) {
  struct open_how how = {
      .flags = (unsigned long long)(flags | O_CLOEXEC),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  const char *rel = path;
  while (*rel == '/') rel++;
  long fd = syscall(SYS_openat2, root, rel[0] ? rel : ".", &how, sizeof how);
  return (int)fd;
}

/* The parent directory of path inside root, and the last component in *name
 * (a pointer into the copy in buf). */
static int open_parent_in_root(int root, const char *path, char *buf, size_t len, const char **name) {
  if (snprintf(buf, len, "%s", path) >= (int)len) {
    errno = ENAMETOOLONG;
    return -1;
  }
  size_t n = strlen(buf);
  while (n > 1 && buf[n - 1] == '/') buf[--n] = '\0';
  char *slash = strrchr(buf, '/');
  if (slash == NULL) {
    *name = buf;
    return open_in_root(root, "/", O_PATH | O_DIRECTORY);
  }
  *name = slash + 1;
  if ((*name)[0] == '\0' || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0) {
    errno = EINVAL;
    return -1;
  }
  *slash = '\0';
  int fd = open_in_root(root, buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
  return fd;
}

static int root_slot(struct kago_exec *x, int64_t slot) { return kago_slot_fd(x, slot); }

/* mount(2) cannot take an fd, but it follows the /proc/self/fd magic link to
 * exactly the object that fd holds. */
static void fd_path(char *buf, size_t len, int fd) { snprintf(buf, len, "/proc/self/fd/%d", fd); }

int op_mount_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_mount_in_root *m = &op->u.mount_in_root;
  x->detail = m->target;
  int root = root_slot(x, m->root);
  if (root < 0) return -1;
  int fd = open_in_root(root, m->target, O_PATH);
  if (fd < 0) return -1;
  char target[32];
  fd_path(target, sizeof target, fd);
  int rc = mount(or_null(m->source), target, or_null(m->fstype), (unsigned long)m->flags, or_null(m->data));
  keep_errno_close(fd);
  return rc;
}

/* The flags already set are kept, as remount does (ops_fs.c). */
int op_remount_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_remount_in_root *r = &op->u.remount_in_root;
  x->detail = r->target;
  int root = root_slot(x, r->root);
  if (root < 0) return -1;
  int fd = open_in_root(root, r->target, O_PATH);
  if (fd < 0) return -1;
  char target[32];
  fd_path(target, sizeof target, fd);
  int rc = kago_remount_keeping_flags(target, (unsigned long)r->flags);
  keep_errno_close(fd);
  return rc;
}

int op_setattr_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_setattr_in_root *s = &op->u.setattr_in_root;
  x->detail = s->target;
  int root = root_slot(x, s->root);
  if (root < 0) return -1;
  int fd = open_in_root(root, s->target, O_PATH);
  if (fd < 0) return -1;
  struct mount_attr attr = {.attr_set = (uint64_t)s->set, .attr_clr = (uint64_t)s->clear};
  unsigned flags = AT_EMPTY_PATH | (s->recursive ? AT_RECURSIVE : 0);
  int rc = mount_setattr(fd, "", flags, &attr, sizeof attr);
  keep_errno_close(fd);
  return rc;
}

/* Creates path component by component. A component that exists but cannot
 * be opened as a directory through root is either a dangling symlink, whose
 * target (read and resolved inside root, as the kernel would) is created in
 * its place, or not a directory at all (ENOTDIR). */
static int mkdir_in_root(int root, const char *path, mode_t mode, int hops) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  size_t len = strlen(buf);
  for (size_t i = 1; i <= len; i++) {
    if ((buf[i] != '/' && buf[i] != '\0') || buf[i - 1] == '/') continue;
    char c = buf[i];
    buf[i] = '\0';
    int fd = open_in_root(root, buf, O_PATH | O_DIRECTORY);
    if (fd >= 0) {
      close(fd);
      buf[i] = c;
      continue;
    }
    if (errno != ENOENT) return -1;
    const char *name;
    char parent_buf[PATH_MAX];
    int parent = open_parent_in_root(root, buf, parent_buf, sizeof parent_buf, &name);
    if (parent < 0) return -1;
    if (mkdirat(parent, name, mode) == 0) {
      close(parent);
      buf[i] = c;
      continue;
    }
    if (errno != EEXIST) return keep_errno_close(parent);
    char link[PATH_MAX];
    ssize_t n = readlinkat(parent, name, link, sizeof link - 1);
    close(parent);
    if (n < 0) {
      errno = errno == EINVAL ? ENOTDIR : errno;
      return -1;
    }
    link[n] = '\0';
    if (hops >= SYMLINK_HOPS) {
      errno = ELOOP;
      return -1;
    }
    /* The rest of the path now continues from the link's target: absolute
     * targets start at root, relative ones at the link's directory. */
    char next[PATH_MAX];
    const char *rest = c != '\0' ? buf + i + 1 : "";
    char *dir_end = strrchr(buf, '/');
    *dir_end = '\0';
    int w = link[0] == '/' ? snprintf(next, sizeof next, "%s/%s", link, rest)
                           : snprintf(next, sizeof next, "%s/%s/%s", buf, link, rest);
    if (w >= (int)sizeof next) {
      errno = ENAMETOOLONG;
      return -1;
    }
    return mkdir_in_root(root, next, mode, hops + 1);
  }
  return 0;
}

int op_mkdir_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_mkdir_in_root *m = &op->u.mkdir_in_root;
  x->detail = m->path;
  int root = root_slot(x, m->root);
  if (root < 0) return -1;
  return mkdir_in_root(root, m->path, (mode_t)m->mode, 0);
}

/* An existing entry is left alone, except a dangling symlink: its target is
 * created (inside root, parents included), as runc and crun do for a bind
 * mount whose destination is such a link. */
static int mkfile_in_root(int root, const char *path, mode_t mode, int hops) {
  char buf[PATH_MAX];
  const char *name;
  int parent = open_parent_in_root(root, path, buf, sizeof buf, &name);
  if (parent < 0) return -1;
  /* O_NOFOLLOW with O_EXCL: an existing symlink is "something exists", it is
   * never followed to create a file elsewhere. */
  int fd = openat(parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
  if (fd >= 0) {
    close(fd);
    close(parent);
    return 0;
  }
  if (errno != EEXIST) return keep_errno_close(parent);
  char link[PATH_MAX];
  ssize_t n = readlinkat(parent, name, link, sizeof link - 1);
  close(parent);
  if (n <= 0) return 0; /* not a symlink: something is there */
  link[n] = '\0';
  int target = open_in_root(root, path, O_PATH);
  if (target >= 0) {
    close(target);
    return 0;
  }
  if (errno != ENOENT) return -1;
  if (hops >= SYMLINK_HOPS) {
    errno = ELOOP;
    return -1;
  }
  /* buf now holds the link's directory: relative targets start there. */
  char next[PATH_MAX];
  int w = link[0] == '/' ? snprintf(next, sizeof next, "%s", link) : snprintf(next, sizeof next, "%s/%s", buf, link);
  if (w >= (int)sizeof next) {
    errno = ENAMETOOLONG;
    return -1;
  }
  char dir[PATH_MAX];
  memcpy(dir, next, (size_t)w + 1);
  char *slash = strrchr(dir, '/');
  if (slash != NULL && slash != dir) {
    *slash = '\0';
    if (mkdir_in_root(root, dir, 0755, hops + 1) != 0) return -1;
  }
  return mkfile_in_root(root, next, mode, hops + 1);
}

int op_mkfile_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_mkfile_in_root *m = &op->u.mkfile_in_root;
  x->detail = m->path;
  int root = root_slot(x, m->root);
  if (root < 0) return -1;
  return mkfile_in_root(root, m->path, (mode_t)m->mode, 0);
}

int op_mknod_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_mknod_in_root *n = &op->u.mknod_in_root;
  x->detail = n->path;
  int root = root_slot(x, n->root);
  if (root < 0) return -1;
  char buf[PATH_MAX];
  const char *name;
  int parent = open_parent_in_root(root, n->path, buf, sizeof buf, &name);
  if (parent < 0) return -1;
  int rc = mknodat(parent, name, (mode_t)n->mode, makedev((unsigned)n->major, (unsigned)n->minor));
  keep_errno_close(parent);
  return rc;
}

int op_chown_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_chown_in_root *c = &op->u.chown_in_root;
  x->detail = c->path;
  int root = root_slot(x, c->root);
  if (root < 0) return -1;
  char buf[PATH_MAX];
  const char *name;
  int parent = open_parent_in_root(root, c->path, buf, sizeof buf, &name);
  if (parent < 0) return -1;
  int rc = fchownat(parent, name, (uid_t)c->uid, (gid_t)c->gid, AT_SYMLINK_NOFOLLOW);
  keep_errno_close(parent);
  return rc;
}

int op_symlink_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_symlink_in_root *s = &op->u.symlink_in_root;
  x->detail = s->path;
  int root = root_slot(x, s->root);
  if (root < 0) return -1;
  char buf[PATH_MAX];
  const char *name;
  int parent = open_parent_in_root(root, s->path, buf, sizeof buf, &name);
  if (parent < 0) return -1;
  int rc = symlinkat(s->target, parent, name);
  if (rc != 0 && errno == EEXIST) rc = 0;
  keep_errno_close(parent);
  return rc;
}

int op_open_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_open_in_root *o = &op->u.open_in_root;
  x->detail = o->path;
  int root = root_slot(x, o->root);
  if (root < 0) return -1;
  if (o->flags & O_CREAT) {
    errno = EINVAL;
    return -1;
  }
  int fd = open_in_root(root, o->path, (int)o->flags);
  if (fd < 0) return -1;
  x->slots[o->slot] = fd;
  return 0;
}

/* --- tmpcopyup --------------------------------------------------------------- */

static int copy_entry(int from_dir, int to_dir, const char *name, int depth);

/* Both fds are directories; entries are copied with their owner, mode and
 * times (what runc's tmpcopyup keeps). */
static int copy_dir(int from, int to, int depth) {
  if (depth > 256) {
    errno = ELOOP;
    return -1;
  }
  int dup_fd = fcntl(from, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return -1;
  DIR *d = fdopendir(dup_fd);
  if (d == NULL) return keep_errno_close(dup_fd);
  struct dirent *e;
  int rc = 0;
  errno = 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    rc = copy_entry(from, to, e->d_name, depth);
  }
  int err = errno;
  closedir(d);
  errno = err;
  return rc;
}

static int copy_file_data(int in, int out) {
  char chunk[65536];
  for (;;) {
    ssize_t n = read(in, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return (int)n;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, chunk + done, (size_t)(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return -1;
      done += w;
    }
  }
}

static int copy_entry(int from_dir, int to_dir, const char *name, int depth) {
  struct stat st;
  if (fstatat(from_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  mode_t perm = st.st_mode & 07777;
  int rc = 0;
  if (S_ISDIR(st.st_mode)) {
    if (mkdirat(to_dir, name, perm) != 0 && errno != EEXIST) return -1;
    int in = openat(from_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) return -1;
    int out = openat(to_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (out < 0) return keep_errno_close(in);
    rc = copy_dir(in, out, depth + 1);
    keep_errno_close(in);
    keep_errno_close(out);
  } else if (S_ISREG(st.st_mode)) {
    int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) return -1;
    int out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
    if (out < 0) return keep_errno_close(in);
    rc = copy_file_data(in, out);
    keep_errno_close(in);
    keep_errno_close(out);
  } else if (S_ISLNK(st.st_mode)) {
    char link[PATH_MAX];
    ssize_t n = readlinkat(from_dir, name, link, sizeof link - 1);
    if (n < 0) return -1;
    link[n] = '\0';
    rc = symlinkat(link, to_dir, name);
  } else {
    rc = mknodat(to_dir, name, st.st_mode, st.st_rdev);
  }
  if (rc != 0) return -1;
  if (fchownat(to_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  /* chown clears set-id bits; the mode goes on after it (symlinks have none). */
  if (!S_ISLNK(st.st_mode) && fchmodat(to_dir, name, perm, 0) != 0) return -1;
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  return utimensat(to_dir, name, times, AT_SYMLINK_NOFOLLOW);
}

int op_copy_tree_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_copy_tree_in_root *c = &op->u.copy_tree_in_root;
  x->detail = c->path;
  int from = kago_slot_fd(x, c->from);
  int root = root_slot(x, c->root);
  if (from < 0 || root < 0) return -1;
  int to = open_in_root(root, c->path, O_RDONLY | O_DIRECTORY);
  if (to < 0) return -1;
  int rc = copy_dir(from, to, 0);
  keep_errno_close(to);
  return rc;
}

/* --- id-mapped mounts -------------------------------------------------------- */

static int write_whole(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(data);
  /* The kernel accepts a map only in one write, and only once. */
  ssize_t n = write(fd, data, len);
  if (n < 0) return keep_errno_close(fd);
  close(fd);
  if ((size_t)n != len) {
    errno = EIO;
    return -1;
  }
  return 0;
}

static int fill_userns(pid_t child, const struct kago_op_make_userns *u, int *out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
  if (write_whole(path, u->uid_map) != 0) return -1;
  snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
  if (write_whole(path, u->gid_map) != 0) return -1;
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
  *out = open(path, O_RDONLY | O_CLOEXEC);
  return *out < 0 ? -1 : 0;
}

/* An id-mapped mount takes its mapping from a user namespace (mount_setattr(2)
 * MOUNT_ATTR_IDMAP); a namespace lives as long as an fd to it, so a child
 * makes one and is gone before this op returns. */
int op_make_userns(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_make_userns *u = &op->u.make_userns;
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) != 0) return -1;
  pid_t child = fork();
  if (child < 0) {
    int err = errno;
    close(gate[0]);
    close(gate[1]);
    errno = err;
    return -1;
  }
  if (child == 0) {
    close(gate[0]);
    /* Never outlive the op, even if this process is killed in between. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int err = unshare(CLONE_NEWUSER) == 0 ? 0 : errno;
    if (write(gate[1], &err, sizeof err) != (ssize_t)sizeof err) _exit(1);
    for (;;) pause(); /* until the SIGKILL below */
  }
  close(gate[1]);
  int err = 0, fd = -1;
  ssize_t n;
  do n = read(gate[0], &err, sizeof err);
  while (n < 0 && errno == EINTR);
  close(gate[0]);
  if (n != (ssize_t)sizeof err) err = ECHILD;
  if (err == 0 && fill_userns(child, u, &fd) != 0) err = errno;
  kill(child, SIGKILL);
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
  if (err != 0) {
    if (fd >= 0) close(fd);
    errno = err;
    return -1;
  }
  x->slots[u->slot] = fd;
  return 0;
}

int op_open_tree(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_open_tree *t = &op->u.open_tree;
  x->detail = t->path;
  int fd = open_tree(AT_FDCWD, t->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (t->recursive ? AT_RECURSIVE : 0));
  if (fd < 0) return -1;
  x->slots[t->slot] = fd;
  return 0;
}

int op_idmap_tree(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_idmap_tree *t = &op->u.idmap_tree;
  int tree = kago_slot_fd(x, t->slot);
  int userns = kago_slot_fd(x, t->userns);
  if (tree < 0 || userns < 0) return -1;
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  return mount_setattr(tree, "", AT_EMPTY_PATH | (t->recursive ? AT_RECURSIVE : 0), &attr, sizeof attr);
}

int op_move_mount_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_move_mount_in_root *m = &op->u.move_mount_in_root;
  x->detail = m->target;
  int tree = kago_slot_fd(x, m->slot);
  int root = root_slot(x, m->root);
  if (tree < 0 || root < 0) return -1;
  int fd = open_in_root(root, m->target, O_PATH);
  if (fd < 0) return -1;
  int rc = move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  keep_errno_close(fd);
  return rc;
}

/* pivot_root(2) refuses a root on rootfs/ramfs (EINVAL); moving the new root
 * onto / and chroot-ing into it is what remains (runc --no-pivot). */
int op_move_root(struct kago_exec *x, const struct kago_op *op) {
  x->detail = op->u.move_root.root;
  if (chdir(op->u.move_root.root) != 0) return -1;
  if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) return -1;
  if (chroot(".") != 0) return -1;
  return chdir("/");
}

/* A bind source opened while this process could still reach it (before it
 * became the user namespace's root, whose host uid may not pass the source's
 * permissions); the fd is of this mount namespace, so mount(2) accepts it. */
int op_bind_fd_in_root(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_bind_fd_in_root *b = &op->u.bind_fd_in_root;
  x->detail = b->target;
  int source = kago_slot_fd(x, b->slot);
  int root = root_slot(x, b->root);
  if (source < 0 || root < 0) return -1;
  int fd = open_in_root(root, b->target, O_PATH);
  if (fd < 0) return -1;
  char from[32], to[32];
  fd_path(from, sizeof from, source);
  fd_path(to, sizeof to, fd);
  int rc = mount(from, to, NULL, MS_BIND | (b->recursive ? MS_REC : 0), NULL);
  keep_errno_close(fd);
  if (rc != 0) return -1;
  x->slots[b->slot] = -1;
  close(source);
  return 0;
}
