/* kago's front command (installed as `kago`; docs/launcher.md).
 *
 * Engines run `state`, `start`, `kill` and `delete` several times per
 * container, and the TypeScript host pays its JavaScript runtime's start-up
 * (about 5 ms of CPU) before its first line for each. This program does those
 * four in their ordinary case itself, with the host's checks, and hands every
 * other command, and every case it does not take, to the host unchanged: an
 * execv of dist/kago beside it with the same arguments. It never words an
 * error: what would need one goes to the host, which says it, before the
 * launcher has changed anything (start's failures after init was released go
 * to the host's `__start-failed` command, below). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "state.h"

#include "common/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char **g_argv;

/* The host: ../dist/kago from this program's own directory. */
static _Noreturn void host(void) {
  static char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
  if (n > 0) {
    path[n] = 0;
    char *slash = strrchr(path, '/');
    if (slash) {
      strcpy(slash, "/../dist/kago");
      execv(path, g_argv);
    }
  }
  fprintf(stderr, "kago: %s: cannot run the host: %s\n", n > 0 ? path : "/proc/self/exe", strerror(errno));
  exit(127);
}

/* ---- what the host would do first: flags, id, root ---- */

struct options {
  const char *root;
  const char *command;
  char **args;
  int nargs;
};

/* runc's flag forms: -name or --name, a value after '=' or in the next argument. */
static const char *flag_name(const char *arg, const char **value, size_t *len) {
  const char *body = arg + (arg[1] == '-' ? 2 : 1);
  const char *eq = strchr(body, '=');
  *value = eq ? eq + 1 : NULL;
  *len = eq ? (size_t)(eq - body) : strlen(body);
  return body;
}

static bool named(const char *body, size_t len, const char *name) {
  return strlen(name) == len && !strncmp(body, name, len);
}

/* A --log the host would only open: an existing file of one link (or a
 * character device), not a link, not a FIFO. Anything else the host creates
 * or refuses. */
static bool log_file_taken(const char *path) {
  struct stat st;
  if (lstat(path, &st) < 0) return false;
  return (S_ISREG(st.st_mode) && st.st_nlink == 1) || S_ISCHR(st.st_mode);
}

static bool parse_global(int argc, char **argv, struct options *o) {
  o->root = "/run/kago";
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    const char *value;
    size_t len;
    const char *body = flag_name(argv[i], &value, &len);
    if (named(body, len, "systemd-cgroup")) {
      if (value && strcmp(value, "true") && strcmp(value, "false") && strcmp(value, "1") && strcmp(value, "0"))
        return false;
      continue;
    }
    bool takes = named(body, len, "root") || named(body, len, "log") || named(body, len, "log-format") ||
                 named(body, len, "rootless") || named(body, len, "criu");
    if (!takes) return false; /* --debug, --version, --help, --, unknown */
    if (!value) {
      if (i + 1 >= argc) return false;
      value = argv[++i];
    }
    if (named(body, len, "root"))
      o->root = value;
    else if (named(body, len, "log") && !log_file_taken(value))
      return false;
    else if (named(body, len, "log-format") && strcmp(value, "text") && strcmp(value, "json"))
      return false;
  }
  if (i >= argc || !o->root[0]) return false;
  o->command = argv[i];
  o->args = argv + i + 1;
  o->nargs = argc - i - 1;
  return true;
}

static bool valid_id(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > 1024 || !strcmp(id, ".") || !strcmp(id, "..")) return false;
  return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-.") == n;
}

/* The host refuses a root that is not root's own or that others can write. */
static bool trusted_root(const char *root) {
  struct stat st;
  return stat(root, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 022);
}

/* ---- the container ---- */

struct container {
  const char *id;
  int dir; /* the state directory, O_PATH-free so that flock works */
  char *text;
  struct kago_arena arena;
  struct launcher_state s;
};

static bool read_all(int dirfd, const char *name, char **out, size_t *len) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    if (n + 1 >= cap) {
      if (cap >= (16u << 20)) break;
      char *more = realloc(buf, cap *= 2);
      if (!more) break;
      buf = more;
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    if (r == 0) {
      close(fd);
      buf[n] = 0;
      *out = buf;
      *len = n;
      return true;
    }
    n += (size_t)r;
  }
  free(buf);
  close(fd);
  return false;
}

static bool open_container(const struct options *o, const char *id, bool lock, struct container *c) {
  if (!valid_id(id) || !trusted_root(o->root)) return false;
  int root = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return false;
  c->id = id;
  c->dir = openat(root, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  close(root);
  if (c->dir < 0) return false;
  if (lock && flock(c->dir, LOCK_EX) < 0) return false;
  size_t len;
  if (!read_all(c->dir, "state.json", &c->text, &len)) return false;
  kago_arena_init(&c->arena, 64u << 20);
  return launcher_read_state(&c->arena, id, c->text, len, &c->s);
}

/* Small files of /proc and cgroupfs, read whole. */
static ssize_t read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n >= 0) buf[n] = 0;
  return n;
}

/* As host/state/proc.ts: alive, not a zombie, and the same start time. */
static bool same_live_process(long pid, const char *start_time) {
  if (pid <= 0 || !start_time) return false;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  if (read_small(path, buf, sizeof buf) <= 0) return false;
  char *rest = strrchr(buf, ')');
  if (!rest || rest[1] != ' ') return false;
  rest += 2;
  if (*rest == 'Z' || *rest == 'X') return false;
  /* rest begins at field 3; starttime is field 22 */
  for (int field = 3; field < 22; field++) {
    rest = strchr(rest, ' ');
    if (!rest) return false;
    rest++;
  }
  size_t n = strcspn(rest, " \n");
  return n == strlen(start_time) && !strncmp(rest, start_time, n);
}

static const char *dir_at(const struct kj_value *list, size_t i) { return list->u.array.items[i]->u.string.s; }

static bool file_in(const char *dir, const char *name, char *path, size_t cap) {
  return (size_t)snprintf(path, cap, "%s/%s", dir, name) < cap && access(path, F_OK) == 0;
}

/* As host/cgroups/freezer.ts: the first directory with a v1 freezer, else the first with cgroup.freeze. */
static bool frozen(const struct kj_value *dirs) {
  char path[PATH_MAX], buf[4096];
  for (size_t i = 0; i < dirs->u.array.count; i++)
    if (file_in(dir_at(dirs, i), "freezer.state", path, sizeof path)) {
      if (read_small(path, buf, sizeof buf) < 0) return false;
      size_t n = strlen(buf);
      while (n && strchr(" \t\n\r", buf[n - 1])) buf[--n] = 0;
      return !strcmp(buf + strspn(buf, " \t\n\r"), "FROZEN");
    }
  for (size_t i = 0; i < dirs->u.array.count; i++)
    if (file_in(dir_at(dirs, i), "cgroup.freeze", path, sizeof path)) {
      snprintf(path, sizeof path, "%s/cgroup.events", dir_at(dirs, i));
      if (read_small(path, buf, sizeof buf) < 0) return false;
      for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        if (!strcmp(line, "frozen 1")) return true;
      return false;
    }
  return false;
}

/* As StateStore.status. */
static const char *status_of(struct container *c) {
  if (!strcmp(c->s.status, "creating") && !c->s.pid) return "creating";
  if (!same_live_process(c->s.pid, c->s.init_start_time)) return "stopped";
  if (frozen(c->s.dirs)) return "paused";
  struct stat st;
  return fstatat(c->dir, "exec.fifo", &st, 0) == 0 ? "created" : "running";
}

/* ---- state: runc's shape, byte for byte what the host prints ---- */

/* A JavaScript object lists integer-like keys first, and a repeated key at
 * its first place: such annotations are left to the host's printing. */
static bool plain_annotation_keys(const struct kj_value *obj) {
  for (size_t i = 0; i < obj->u.object.count; i++) {
    const struct kj_member *m = &obj->u.object.members[i];
    if (m->key_len && strspn(m->key, "0123456789") == m->key_len) return false;
    for (size_t j = 0; j < i; j++)
      if (obj->u.object.members[j].key_len == m->key_len && !memcmp(obj->u.object.members[j].key, m->key, m->key_len))
        return false;
  }
  return true;
}

static void member(struct kago_text *t, const char *key, const struct kj_value *string) {
  kago_text_puts(t, ",\n  \"");
  kago_text_puts(t, key);
  kago_text_puts(t, "\": ");
  kago_text_json_string(t, string->u.string.s, string->u.string.len);
}

static int cmd_state(const struct options *o) {
  if (o->nargs != 1 || o->args[0][0] == '-') host();
  struct container c;
  if (!open_container(o, o->args[0], false, &c)) host();
  const char *status = status_of(&c);
  if (!strcmp(status, "creating")) host();
  const struct kj_value *s = c.s.root, *ann = kj_get(s, "annotations");
  if (ann && !plain_annotation_keys(ann)) host();
  struct kago_text out = {.a = &c.arena};
  kago_text_puts(&out, "{\n  \"ociVersion\": ");
  const struct kj_value *v = kj_get(s, "ociVersion");
  kago_text_json_string(&out, v->u.string.s, v->u.string.len);
  member(&out, "id", kj_get(s, "id"));
  char num[32];
  snprintf(num, sizeof num, ",\n  \"pid\": %ld", strcmp(status, "stopped") ? c.s.pid : 0L);
  kago_text_puts(&out, num);
  kago_text_puts(&out, ",\n  \"status\": \"");
  kago_text_puts(&out, status);
  kago_text_puts(&out, "\"");
  member(&out, "bundle", kj_get(s, "bundle"));
  member(&out, "rootfs", kj_get(s, "rootfs"));
  member(&out, "created", kj_get(s, "created"));
  kago_text_puts(&out, ",\n  \"owner\": \"\"");
  /* after owner: the host's report gains it last */
  if (ann && ann->u.object.count) {
    kago_text_puts(&out, ",\n  \"annotations\": {");
    for (size_t i = 0; i < ann->u.object.count; i++) {
      const struct kj_member *m = &ann->u.object.members[i];
      kago_text_puts(&out, i ? ",\n    " : "\n    ");
      kago_text_json_string(&out, m->key, m->key_len);
      kago_text_puts(&out, ": ");
      kago_text_json_string(&out, m->value->u.string.s, m->value->u.string.len);
    }
    kago_text_puts(&out, "\n  }");
  }
  kago_text_puts(&out, "\n}\n");
  if (out.oom) host();
  for (size_t done = 0; done < out.len;) {
    ssize_t w = write(1, out.buf + done, out.len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return 1;
    done += (size_t)w;
  }
  return 0;
}

/* ---- start ---- */

#define START_TIMEOUT_MS 30000
#define CHECK_MS 10

/* 1 for a byte, 0 at end-of-file, -1 when nothing is there yet. */
static int read_byte(int fd, char *byte) {
  for (;;) {
    ssize_t n = read(fd, byte, 1);
    if (n >= 0) return (int)n;
    if (errno == EINTR) continue;
    return -1;
  }
}

static void wait_readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  poll(&p, 1, CHECK_MS);
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Init was released, so there is no handing the whole command over any more:
 * the host words the outcome (host/lifecycle/start.ts, startFailure). */
static _Noreturn void start_failed(const struct options *o, const char *kind, const char *text) {
  int argc = 0;
  while (g_argv[argc]) argc++;
  char **argv = calloc((size_t)argc + 3, sizeof *argv);
  if (!argv) exit(1);
  int n = 0;
  /* the global flags as given, then the host's command */
  for (int i = 0; i < argc && g_argv[i] != o->command; i++) argv[n++] = g_argv[i];
  argv[n++] = "__start-failed";
  argv[n++] = (char *)kind;
  argv[n++] = o->args[0];
  if (text) argv[n++] = (char *)text;
  argv[n] = NULL;
  g_argv = argv;
  host();
}

static int cmd_start(const struct options *o) {
  if (o->nargs != 1 || o->args[0][0] == '-') host();
  struct container c;
  if (!open_container(o, o->args[0], true, &c)) host();
  if (strcmp(status_of(&c), "created") || c.s.poststart) host();
  int fd = openat(c.dir, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) host();
  char byte;
  long long deadline = now_ms() + START_TIMEOUT_MS;
  for (;;) {
    if (read_byte(fd, &byte) == 1) break;
    if (!same_live_process(c.s.pid, c.s.init_start_time)) {
      if (read_byte(fd, &byte) == 1) break;
      start_failed(o, "exited", NULL);
    }
    if (now_ms() > deadline) start_failed(o, "timeout", NULL);
    wait_readable(fd);
  }
  unlinkat(c.dir, "exec.fifo", 0);
  /* init keeps its end open, close-on-exec: end-of-file is its execve, bytes before it why it failed */
  static char failure[4096];
  size_t n = 0;
  for (;;) {
    int r = read_byte(fd, &byte);
    if (r == 0) break;
    if (r == 1 && n + 1 < sizeof failure)
      failure[n++] = byte;
    else if (r < 0)
      wait_readable(fd);
  }
  close(fd);
  if (n) {
    failure[n] = 0;
    start_failed(o, "init", failure);
  }
  return 0;
}

/* ---- kill ---- */

/* The names the host knows (Node's and Bun's os.constants.signals on Linux). */
static const struct {
  const char *name;
  int number;
} SIGNALS[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},   {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

/* As host/cli/signal.ts: 0-64, or a name with or without SIG in any case; -1 for the host to refuse. */
static int parse_signal(const char *text) {
  size_t n = strlen(text);
  if (n && strspn(text, "0123456789") == n) {
    if (n > 2) return n <= 20 && strspn(text, "0") >= n - 2 ? parse_signal(text + n - 2) : -1;
    int v = atoi(text);
    return v <= 64 ? v : -1;
  }
  char upper[16];
  if (n >= sizeof upper) return -1;
  for (size_t i = 0; i <= n; i++) upper[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
  const char *name = strncmp(upper, "SIG", 3) ? upper : upper + 3;
  for (size_t i = 0; i < sizeof SIGNALS / sizeof *SIGNALS; i++)
    if (!strcmp(name, SIGNALS[i].name)) return SIGNALS[i].number;
  return -1;
}

static int cmd_kill(const struct options *o) {
  if (o->nargs < 1 || o->nargs > 2) host();
  for (int i = 0; i < o->nargs; i++)
    if (o->args[i][0] == '-') host(); /* --all, and flags the host must check */
  int signal = o->nargs == 2 ? parse_signal(o->args[1]) : SIGTERM;
  if (signal < 0) host();
  struct container c;
  if (!open_container(o, o->args[0], false, &c)) host();
  const char *status = status_of(&c);
  /* a paused container's SIGKILL thaws it too: the host's */
  if (strcmp(status, "created") && strcmp(status, "running") && !(strcmp(status, "paused") == 0 && signal != SIGKILL))
    host();
  int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)c.s.pid, 0);
  if (pidfd < 0) host();
  /* the pid could have been reused between the status and the pidfd */
  if (!same_live_process(c.s.pid, c.s.init_start_time)) host();
  if (syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0) < 0) host();
  close(pidfd);
  return 0;
}

/* ---- delete ---- */

static bool has_subdirectory(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return false;
  bool found = false;
  for (struct dirent *e; !found && (e = readdir(d));)
    found = e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  closedir(d);
  return found;
}

static bool cgroup_has_processes(const char *dir) {
  char path[PATH_MAX], buf[64];
  if ((size_t)snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= sizeof path) return true;
  ssize_t n = read_small(path, buf, sizeof buf);
  return n > 0;
}

static bool listed(const struct kj_value *list, const char *dir) {
  for (size_t i = 0; i < list->u.array.count; i++)
    if (!strcmp(dir_at(list, i), dir)) return true;
  return false;
}

/* The state directory's files, then the directory; false at anything that is not a plain file. */
static bool remove_state_dir(struct container *c, const struct options *o) {
  DIR *d = fdopendir(fcntl(c->dir, F_DUPFD_CLOEXEC, 0));
  if (!d) return false;
  bool ok = true;
  for (struct dirent *e; ok && (e = readdir(d));) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    ok = e->d_type != DT_DIR && unlinkat(c->dir, e->d_name, 0) == 0;
  }
  closedir(d);
  if (!ok) return false;
  int root = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok = root >= 0 && unlinkat(root, c->id, AT_REMOVEDIR) == 0;
  if (root >= 0) close(root);
  return ok;
}

/* A stopped container that leaves nothing but its cgroup directories and
 * its state: anything more (hooks, a unit, a recorder, a mount, a process
 * still in a cgroup) is the host's. */
static int cmd_delete(const struct options *o) {
  const char *id = NULL;
  for (int i = 0; i < o->nargs; i++) {
    const char *a = o->args[i];
    if (a[0] != '-') {
      if (id) host(); /* several ids */
      id = a;
      continue;
    }
    const char *value;
    size_t len;
    const char *body = flag_name(a, &value, &len);
    if (!named(body, len, "force") && !named(body, len, "f")) host();
    if (value && strcmp(value, "true") && strcmp(value, "1")) host();
  }
  if (!id) host();
  struct container c;
  if (!open_container(o, id, true, &c)) host();
  if (strcmp(status_of(&c), "stopped") || c.s.poststop || c.s.systemd || c.s.recorder || c.s.inherited_mounts) host();
  if (same_live_process(c.s.executor_pid, c.s.executor_start_time)) host();
  const struct kj_value *created = c.s.created, *leaves = c.s.dirs;
  for (size_t i = 0; i < leaves->u.array.count; i++)
    if (has_subdirectory(dir_at(leaves, i)) || cgroup_has_processes(dir_at(leaves, i))) host();
  /* As removeCgroupDirs: the container's own directories, last made first;
   * a parent kago made that another container still uses stays. */
  for (size_t i = created->u.array.count; i-- > 0;) {
    const char *dir = dir_at(created, i);
    bool leaf = listed(leaves, dir);
    if (rmdir(dir) == 0 || errno == ENOENT) continue;
    if (!leaf && (errno == EBUSY || errno == ENOTEMPTY)) continue;
    host(); /* the host retries a busy one and says what failed; what is gone stays gone */
  }
  if (!remove_state_dir(&c, o)) host();
  return 0;
}

int main(int argc, char **argv) {
  g_argv = argv;
  struct options o;
  /* a user's root, rootless cgroups and the like are the host's */
  if (geteuid() != 0 || !parse_global(argc, argv, &o)) host();
  if (!strcmp(o.command, "state")) return cmd_state(&o);
  if (!strcmp(o.command, "start")) return cmd_start(&o);
  if (!strcmp(o.command, "kill")) return cmd_kill(&o);
  if (!strcmp(o.command, "delete")) return cmd_delete(&o);
  host();
}
