/* The container side of runc CVE-2019-5736, written for kago's tests: find
 * processes of the runtime's executor inside the container, take their
 * binary through /proc/PID/exe and try to open it for writing, at once and
 * again after the executor has gone (when the kernel no longer refuses a
 * write to a running binary with ETXTBSY). It never writes to a file that
 * could be the runtime's binary: a write-sealed memfd is tried (the write
 * must fail), anything else opened for writing is counted as the breach.
 * Prints one line per attempt and a summary:
 *   exe_attack PID     aim at one process (init of a created container)
 *   exe_attack scan    watch every process until /tmp/stop-scan exists */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 256

static int held[MAX_HELD];
static int nheld, seen, breaches;

/* fd was opened for writing: harmless only when it is a write-sealed copy
 * that refuses the write. */
static void opened(const char *what, int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE)) {
    ssize_t n = write(fd, "x", 1);
    printf("%s: OPENED a sealed copy; write: %s\n", what, n < 0 ? strerror(errno) : "WRITTEN");
    if (n >= 0) breaches++;
  } else {
    struct stat st;
    fstat(fd, &st);
    printf("%s: OPENED for writing %lu:%lu\n", what, (unsigned long)st.st_dev, (unsigned long)st.st_ino);
    breaches++;
  }
  close(fd);
}

static int is_executor(int pid) {
  char path[64], comm[64] = "";
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  int ok = fgets(comm, sizeof comm, f) != NULL && strncmp(comm, "kago-exec", 9) == 0;
  fclose(f);
  return ok;
}

static void attack(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  seen++;
  int w = open(path, O_WRONLY);
  if (w >= 0)
    opened("open exe O_WRONLY", w);
  else
    printf("pid %d: open exe O_WRONLY: %s\n", pid, strerror(errno));
  int h = open(path, O_PATH);
  printf("pid %d: open exe O_PATH: %s\n", pid, h >= 0 ? "held" : strerror(errno));
  if (h >= 0 && nheld < MAX_HELD) held[nheld++] = h;
}

static void retry_held(void) {
  for (int i = 0; i < nheld; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", held[i]);
    int w = open(path, O_WRONLY);
    if (w >= 0)
      opened("reopen held exe O_WRONLY after exit", w);
    else
      printf("held %d: reopen O_WRONLY after exit: %s\n", i, strerror(errno));
  }
}

static int gone_or_changed(int pid) { return !is_executor(pid); }

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 2) return 2;
  struct timespec pause = {0, 2000000};
  if (strcmp(argv[1], "scan") != 0) {
    int pid = atoi(argv[1]);
    attack(pid);
    /* the test starts the container now; wait until init has exec'd */
    puts("waiting");
    while (!gone_or_changed(pid)) nanosleep(&pause, NULL);
    retry_held();
  } else {
    static char attacked[1 << 16];
    while (access("/tmp/stop-scan", F_OK) != 0) {
      DIR *d = opendir("/proc");
      struct dirent *e;
      while (d != NULL && (e = readdir(d)) != NULL) {
        int pid = atoi(e->d_name);
        if (pid <= 0 || pid == getpid() || pid >= (int)sizeof attacked || attacked[pid]) continue;
        if (is_executor(pid)) {
          attacked[pid] = 1;
          attack(pid);
        }
      }
      if (d != NULL) closedir(d);
    }
    retry_held();
  }
  printf("summary seen=%d held=%d breaches=%d\n", seen, nheld, breaches);
  return 0;
}
