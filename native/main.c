/* kago-exec: performs, verbatim, the plan the host built (see docs/architecture.md,
 * "The parts"). It runs as root between clone and execve
 * of a container, so it decides nothing and stays small enough to audit.
 *
 * fd 3 is the sync socket; stdio is the container's. `--prime-cgroup FILE`:
 * see prime_until_plan. Exit status: 0 when the
 * plan ran to its end (or this process was the parent of a `fork`), 1 when an
 * operation failed (reported on the socket), 2 when there was no valid plan. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ops.h"
#include "plan_reader.h"
#include "seal.h"
#include "sync.h"

#define SYNC_FD 3

/* Nothing of the host may reach the container: every inherited fd, the sync
 * socket included, closes at execve. */
static int mark_inherited_fds_cloexec(void) {
  if (close_range(SYNC_FD, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return 0;
  /* CLOSE_RANGE_CLOEXEC needs Linux 5.11. */
  DIR *dir = opendir("/proc/self/fd");
  if (dir == NULL) return -1;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    int fd = atoi(entry->d_name);
    if (fd < SYNC_FD || fd == dirfd(dir)) continue;
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  closedir(dir);
  return 0;
}

/* kago may start the executor before it has validated the config, and has
 * it wait for the plan. Meanwhile it keeps the kernel's cgroup migration
 * path warm (host/cgroups/prime.ts says why): it moves itself into the
 * cgroup it is already in (FILE is that cgroup's cgroup.procs) every few ms,
 * so that the move into the container's cgroups, once the plan comes, does
 * not wait for an RCU grace period. Bounded, and harmless if it fails. */
#define PRIME_INTERVAL_MS 3
#define PRIME_ROUNDS 300

static void prime_until_plan(const char *procs) {
  for (int round = 0; round < PRIME_ROUNDS; round++) {
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = write(fd, "0", 1);
    close(fd);
    if (n != 1) return;
    struct pollfd sync = {.fd = SYNC_FD, .events = POLLIN};
    if (poll(&sync, 1, PRIME_INTERVAL_MS) != 0) return;
  }
}

/* An op that puts a descriptor in a slot must find it empty: a plan that
 * reuses a live slot is the builder's mistake (host/plan/slots.ts), and
 * closing what the slot held would lose a descriptor a later op needs. */
static int check_filled_slot(struct kago_exec *x, const struct kago_op *op) {
  int64_t slot;
  if (!kago_op_fills_slot(op, &slot)) return 0;
  if (slot >= 0 && slot < KAGO_SLOTS && x->slots[slot] < 0) return 0;
  bool exists = slot >= 0 && slot < KAGO_SLOTS;
  snprintf(x->detail_buf, sizeof x->detail_buf, "descriptor slot %lld %s", (long long)slot,
           exists ? "already holds a descriptor" : "does not exist");
  x->detail = x->detail_buf;
  errno = exists ? EBUSY : EBADF;
  return -1;
}

static _Noreturn void report_failure(struct kago_exec *x, uint32_t index, unsigned code, int err) {
  const char *detail = x->detail != NULL ? x->detail : "";
  bool host_gone = false;
  if (x->sync_fd >= 0) {
    if (kago_sync_send(x->sync_fd, KAGO_MSG_ERROR, index, err, detail, strlen(detail)) == 0) _exit(1);
    /* The host closed its end first: it gave up on this container (one of
     * its hooks failed) and says why itself. Printing this op's EPIPE too
     * would be a second, misleading line. */
    host_gone = errno == EPIPE || errno == ECONNRESET;
  }
  /* After `start` has released init, its reader of the FIFO is the one who
   * can still tell the user, in one line; stderr (the container's, which a
   * foreground run relays to the same user) only when nobody reads it. */
  if (x->exec_fifo >= 0 && dprintf(x->exec_fifo, "operation %u (%s) failed: %s%s%s", index, kago_op_name(code),
                                   strerror(err), detail[0] ? ": " : "", detail) > 0) {
    _exit(1);
  }
  if (host_gone && x->exec_fifo < 0) _exit(1);
  dprintf(STDERR_FILENO, "kago-exec: operation %u (%s) failed: %s%s%s\n", index, kago_op_name(code), strerror(err),
          detail[0] ? ": " : "", detail);
  _exit(1);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("kago-exec plan version %d\n", KAGO_PLAN_VERSION);
    return 0;
  }
  /* runc CVE-2019-5736: never run from the file on disk (native/seal.c). */
  if (kago_run_sealed(argv, environ) != 0) {
    dprintf(STDERR_FILENO, "kago-exec: cannot run from a sealed copy of itself: %s\n", strerror(errno));
    return 2;
  }
  /* runc CVE-2016-9962 and CVE-2019-5736: once this process has joined a
   * container, the container's processes must not reach it through
   * /proc/PID (its descriptors, its memory, its exe). Non-dumpable, only
   * CAP_SYS_PTRACE over it opens those; execve of the container's program
   * makes that process dumpable again, as any other. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    dprintf(STDERR_FILENO, "kago-exec: cannot make itself non-dumpable: %s\n", strerror(errno));
    return 2;
  }
  if (mark_inherited_fds_cloexec() != 0) {
    dprintf(STDERR_FILENO, "kago-exec: cannot mark fds close-on-exec: %s\n", strerror(errno));
    return 2;
  }
  if (argc > 2 && strcmp(argv[1], "--prime-cgroup") == 0) prime_until_plan(argv[2]);
  const uint8_t *encoded;
  size_t encoded_len;
  if (kago_sync_recv_plan(SYNC_FD, &encoded, &encoded_len) != 0) {
    /* kago closed the socket without a plan: it refused the config after
     * starting this process ahead (or it died). Nothing was done; nothing to say. */
    if (errno == EPIPE || errno == ECONNRESET) return 2;
    dprintf(STDERR_FILENO, "kago-exec: cannot read the plan from fd %d: %s\n", SYNC_FD, strerror(errno));
    return 2;
  }
  struct kago_plan plan;
  char why[160];
  if (kago_plan_decode(encoded, encoded_len, &plan, why, sizeof why) != 0) {
    dprintf(STDERR_FILENO, "kago-exec: malformed plan: %s\n", why);
    return 2;
  }
  for (uint32_t i = 0; i < plan.count; i++) {
    if (kago_op_handler(plan.ops[i].code) == NULL) {
      dprintf(STDERR_FILENO, "kago-exec: malformed plan: operation %u: code %u not supported\n", i, plan.ops[i].code);
      return 2;
    }
  }

  struct kago_exec x = {.sync_fd = SYNC_FD, .detail = NULL, .seccomp_listener = -1, .exec_fifo = -1};
  for (int s = 0; s < KAGO_SLOTS; s++) x.slots[s] = -1;
#ifdef KAGO_FAULT_INJECTION
  /* Fault injection for the crash tests, in the test build only (make
   * test-build): kill kago itself right after operation N, to prove `delete
   * --force` cleans up after a crash at any point of the plan. kago passes
   * the variable on only when it has it. */
  const char *crash = getenv("KAGO_CRASH_AFTER_OP");
  long crash_after = crash != NULL ? strtol(crash, NULL, 10) : -1;
#endif
  for (uint32_t i = 0; i < plan.count; i++) {
    x.detail = NULL;
    if (check_filled_slot(&x, &plan.ops[i]) != 0 || kago_op_handler(plan.ops[i].code)(&x, &plan.ops[i]) != 0) {
      report_failure(&x, i, plan.ops[i].code, errno);
    }
#ifdef KAGO_FAULT_INJECTION
    /* Asked over the socket, not with kill(2): from a new pid namespace kago's
     * pid is not visible (getppid() is 0, which kill would read as the whole
     * process group). Only while kago waits on the socket is there one to ask. */
    if ((long)i == crash_after && x.sync_fd >= 0) kago_sync_send(x.sync_fd, KAGO_MSG_CRASH_NOW, 0, 0, NULL, 0);
#endif
  }
  return 0;
}
