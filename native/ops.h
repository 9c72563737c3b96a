/* The operations of the plan: one handler per op code, run in order by main.c.
 * A handler returns 0, or -1 with errno set; it may point x->detail at text
 * (a path, a program name) that says what the failure was about. */
#ifndef KAGO_OPS_H
#define KAGO_OPS_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdbool.h>

#include "plan.gen.h"

#define KAGO_SLOTS 65

struct kago_exec {
  int sync_fd; /* -1 once `ready` has closed it */
  int slots[KAGO_SLOTS];
  const char *detail;
  /* the container state the host sent for the next hooks (sync_hooks, ready) */
  uint8_t *hook_state;
  size_t hook_state_len;
  /* set by `seccomp` with SECCOMP_FILTER_FLAG_NEW_LISTENER */
  int seccomp_listener;
  /* the exec FIFO once `wait_exec_fifo` has passed: where a later failure is reported */
  int exec_fifo;
  /* the path chdir_early could not enter yet, for chdir_retry */
  const char *deferred_cwd;
  char detail_buf[64];
};

typedef int (*kago_op_fn)(struct kago_exec *x, const struct kago_op *op);

/* ops_fs.c */
/* path opened O_PATH without following a final symlink, and only if it is a
 * file of that type (and, for a character device, that device); EPERM if not. */
int kago_open_checked(const char *path, unsigned type, dev_t rdev);
/* bind through /proc/self/fd/FD (source or target), then close fd */
int kago_bind_fd(int fd, bool fd_is_source, const char *other);
int op_write_file(struct kago_exec *x, const struct kago_op *op);
int op_open(struct kago_exec *x, const struct kago_op *op);
int op_close(struct kago_exec *x, const struct kago_op *op);
int op_mount(struct kago_exec *x, const struct kago_op *op);
int op_remount(struct kago_exec *x, const struct kago_op *op);
int op_mkdir_all(struct kago_exec *x, const struct kago_op *op);
int op_mkfile(struct kago_exec *x, const struct kago_op *op);
int op_mknod(struct kago_exec *x, const struct kago_op *op);
int op_chown(struct kago_exec *x, const struct kago_op *op);
int op_symlink(struct kago_exec *x, const struct kago_op *op);
int op_pivot_root(struct kago_exec *x, const struct kago_op *op);
int op_mask_path(struct kago_exec *x, const struct kago_op *op);
int op_hide_mount(struct kago_exec *x, const struct kago_op *op);
int op_chroot(struct kago_exec *x, const struct kago_op *op);
int op_readonly_path(struct kago_exec *x, const struct kago_op *op);
/* ops_ns.c */
int op_unshare(struct kago_exec *x, const struct kago_op *op);
int op_setns(struct kago_exec *x, const struct kago_op *op);
int op_request_id_maps(struct kago_exec *x, const struct kago_op *op);
int op_setresgid(struct kago_exec *x, const struct kago_op *op);
int op_setresuid(struct kago_exec *x, const struct kago_op *op);
int op_setgroups(struct kago_exec *x, const struct kago_op *op);
int op_fork(struct kago_exec *x, const struct kago_op *op);
/* clone with flags (and SIGCHLD), into the cgroup v2 directory cgroup_fd
 * unless it is -1; the parent reports the child's pid and exits, the child
 * returns 0 once that report is sent */
int kago_fork_with(struct kago_exec *x, unsigned long flags, int cgroup_fd);
/* ops_cgroup_fork.c */
/* clone3(CLONE_INTO_CGROUP) as fork(2) would (or, where clone3 is refused,
 * a cgroup.procs write and clone): the child's pid, 0 in the child, or -1 and errno */
long kago_clone_into_cgroup(unsigned long flags, int cgroup_fd);
int op_fork_into_cgroup(struct kago_exec *x, const struct kago_op *op);
/* ops_process.c */
int op_sethostname(struct kago_exec *x, const struct kago_op *op);
int op_setdomainname(struct kago_exec *x, const struct kago_op *op);
int op_umask(struct kago_exec *x, const struct kago_op *op);
int op_chdir(struct kago_exec *x, const struct kago_op *op);
int op_chdir_early(struct kago_exec *x, const struct kago_op *op);
int op_chdir_retry(struct kago_exec *x, const struct kago_op *op);
int op_fix_stdio_owner(struct kago_exec *x, const struct kago_op *op);
int op_setsid(struct kago_exec *x, const struct kago_op *op);
int op_prctl(struct kago_exec *x, const struct kago_op *op);
int op_ready(struct kago_exec *x, const struct kago_op *op);
int op_wait_exec_fifo(struct kago_exec *x, const struct kago_op *op);
int op_exec(struct kago_exec *x, const struct kago_op *op);
int op_check_exec(struct kago_exec *x, const struct kago_op *op);
int op_drop_bounding(struct kago_exec *x, const struct kago_op *op);
int op_capset(struct kago_exec *x, const struct kago_op *op);
int op_set_ambient(struct kago_exec *x, const struct kago_op *op);
int op_setrlimit(struct kago_exec *x, const struct kago_op *op);
int op_seccomp(struct kago_exec *x, const struct kago_op *op);
int op_sync_hooks(struct kago_exec *x, const struct kago_op *op);
int op_run_hook(struct kago_exec *x, const struct kago_op *op);
int op_adopt_fd(struct kago_exec *x, const struct kago_op *op);
int op_setup_console(struct kago_exec *x, const struct kago_op *op);
int op_send_seccomp_listener(struct kago_exec *x, const struct kago_op *op);
int op_new_session_keyring(struct kago_exec *x, const struct kago_op *op);
int op_move_fds(struct kago_exec *x, const struct kago_op *op);

/* ops_root.c */
int op_mount_in_root(struct kago_exec *x, const struct kago_op *op);
int op_remount_in_root(struct kago_exec *x, const struct kago_op *op);
int op_setattr_in_root(struct kago_exec *x, const struct kago_op *op);
int op_mkdir_in_root(struct kago_exec *x, const struct kago_op *op);
int op_mkfile_in_root(struct kago_exec *x, const struct kago_op *op);
int op_mknod_in_root(struct kago_exec *x, const struct kago_op *op);
int op_chown_in_root(struct kago_exec *x, const struct kago_op *op);
int op_symlink_in_root(struct kago_exec *x, const struct kago_op *op);
int op_open_in_root(struct kago_exec *x, const struct kago_op *op);
int op_copy_tree_in_root(struct kago_exec *x, const struct kago_op *op);
int op_make_userns(struct kago_exec *x, const struct kago_op *op);
int op_open_tree(struct kago_exec *x, const struct kago_op *op);
int op_idmap_tree(struct kago_exec *x, const struct kago_op *op);
int op_move_mount_in_root(struct kago_exec *x, const struct kago_op *op);
int op_move_root(struct kago_exec *x, const struct kago_op *op);
int op_bind_fd_in_root(struct kago_exec *x, const struct kago_op *op);
/* ops_kernel.c */
int op_write_proc(struct kago_exec *x, const struct kago_op *op);
int op_personality(struct kago_exec *x, const struct kago_op *op);
int op_set_mempolicy(struct kago_exec *x, const struct kago_op *op);
int op_sched_setattr(struct kago_exec *x, const struct kago_op *op);
int op_ioprio_set(struct kago_exec *x, const struct kago_op *op);
int op_sched_setaffinity(struct kago_exec *x, const struct kago_op *op);
/* ops_net.c */
int op_request_net_devices(struct kago_exec *x, const struct kago_op *op);
int op_link_up(struct kago_exec *x, const struct kago_op *op);

static inline kago_op_fn kago_op_handler(unsigned code) {
  static const kago_op_fn table[] = {
      [KAGO_OP_WRITE_FILE] = op_write_file,       [KAGO_OP_UNSHARE] = op_unshare,
      [KAGO_OP_OPEN] = op_open,                   [KAGO_OP_SETNS] = op_setns,
      [KAGO_OP_CLOSE] = op_close,                 [KAGO_OP_REQUEST_ID_MAPS] = op_request_id_maps,
      [KAGO_OP_SETRESGID] = op_setresgid,         [KAGO_OP_SETRESUID] = op_setresuid,
      [KAGO_OP_SETGROUPS] = op_setgroups,         [KAGO_OP_FORK] = op_fork,
      [KAGO_OP_MOUNT] = op_mount,                 [KAGO_OP_REMOUNT] = op_remount,
      [KAGO_OP_MKDIR_ALL] = op_mkdir_all,         [KAGO_OP_MKFILE] = op_mkfile,
      [KAGO_OP_MKNOD] = op_mknod,                 [KAGO_OP_CHOWN] = op_chown,
      [KAGO_OP_SYMLINK] = op_symlink,             [KAGO_OP_PIVOT_ROOT] = op_pivot_root,
      [KAGO_OP_MASK_PATH] = op_mask_path,         [KAGO_OP_READONLY_PATH] = op_readonly_path,
      [KAGO_OP_SETHOSTNAME] = op_sethostname,     [KAGO_OP_SETDOMAINNAME] = op_setdomainname,
      [KAGO_OP_UMASK] = op_umask,                 [KAGO_OP_CHDIR] = op_chdir,
      [KAGO_OP_READY] = op_ready,                 [KAGO_OP_WAIT_EXEC_FIFO] = op_wait_exec_fifo,
      [KAGO_OP_EXEC] = op_exec,                   [KAGO_OP_PRCTL] = op_prctl,
      [KAGO_OP_CHECK_EXEC] = op_check_exec,       [KAGO_OP_DROP_BOUNDING] = op_drop_bounding,
      [KAGO_OP_CAPSET] = op_capset,               [KAGO_OP_SET_AMBIENT] = op_set_ambient,
      [KAGO_OP_SETRLIMIT] = op_setrlimit,         [KAGO_OP_SECCOMP] = op_seccomp,
      [KAGO_OP_SYNC_HOOKS] = op_sync_hooks,       [KAGO_OP_RUN_HOOK] = op_run_hook,
      [KAGO_OP_ADOPT_FD] = op_adopt_fd,           [KAGO_OP_SETUP_CONSOLE] = op_setup_console,
      [KAGO_OP_SEND_SECCOMP_LISTENER] = op_send_seccomp_listener,
      [KAGO_OP_NEW_SESSION_KEYRING] = op_new_session_keyring, [KAGO_OP_MOVE_FDS] = op_move_fds,
      [KAGO_OP_MOUNT_IN_ROOT] = op_mount_in_root,           [KAGO_OP_REMOUNT_IN_ROOT] = op_remount_in_root,
      [KAGO_OP_SETATTR_IN_ROOT] = op_setattr_in_root,       [KAGO_OP_MKDIR_IN_ROOT] = op_mkdir_in_root,
      [KAGO_OP_MKFILE_IN_ROOT] = op_mkfile_in_root,         [KAGO_OP_MKNOD_IN_ROOT] = op_mknod_in_root,
      [KAGO_OP_CHOWN_IN_ROOT] = op_chown_in_root,           [KAGO_OP_SYMLINK_IN_ROOT] = op_symlink_in_root,
      [KAGO_OP_OPEN_IN_ROOT] = op_open_in_root,             [KAGO_OP_COPY_TREE_IN_ROOT] = op_copy_tree_in_root,
      [KAGO_OP_MAKE_USERNS] = op_make_userns,               [KAGO_OP_OPEN_TREE] = op_open_tree,
      [KAGO_OP_IDMAP_TREE] = op_idmap_tree,                 [KAGO_OP_MOVE_MOUNT_IN_ROOT] = op_move_mount_in_root,
      [KAGO_OP_MOVE_ROOT] = op_move_root,                   [KAGO_OP_WRITE_PROC] = op_write_proc,
      [KAGO_OP_PERSONALITY] = op_personality,               [KAGO_OP_SET_MEMPOLICY] = op_set_mempolicy,
      [KAGO_OP_SCHED_SETATTR] = op_sched_setattr,           [KAGO_OP_IOPRIO_SET] = op_ioprio_set,
      [KAGO_OP_SCHED_SETAFFINITY] = op_sched_setaffinity,   [KAGO_OP_REQUEST_NET_DEVICES] = op_request_net_devices,
      [KAGO_OP_FIX_STDIO_OWNER] = op_fix_stdio_owner,       [KAGO_OP_CHDIR_EARLY] = op_chdir_early,
      [KAGO_OP_CHDIR_RETRY] = op_chdir_retry,             [KAGO_OP_SETSID] = op_setsid,
      [KAGO_OP_LINK_UP] = op_link_up,                       [KAGO_OP_HIDE_MOUNT] = op_hide_mount,
      [KAGO_OP_CHROOT] = op_chroot,                         [KAGO_OP_BIND_FD_IN_ROOT] = op_bind_fd_in_root,
      [KAGO_OP_FORK_INTO_CGROUP] = op_fork_into_cgroup,
  };
  return code < sizeof table / sizeof table[0] ? table[code] : NULL;
}

/* The fd in a slot, or -1 with errno EBADF for an empty or out-of-range slot. */
static inline int kago_slot_fd(const struct kago_exec *x, int64_t slot) {
  if (slot < 0 || slot >= KAGO_SLOTS || x->slots[slot] < 0) {
    errno = EBADF;
    return -1;
  }
  return x->slots[slot];
}

#endif
