/* Workloads for the seccomp recording tests (test/seccomp/record.test.ts):
 * each makes a system call that no other part of the program makes, from
 * the place the test is about, so that the recording can be checked for it.
 *   threads N  N threads, each calls getcpu (only they do) and sysinfo
 *   fork       a child calls times (only it does); the parent waits
 *   int80      a 32-bit call: getuid32 through int $0x80 (AUDIT_ARCH_I386)
 *   loop N     N getppid calls, timed, to measure what recording costs
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *thread_main(void *arg) {
  unsigned cpu = 0, node = 0;
  (void)arg;
  if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0) return (void *)1;
  for (int i = 0; i < 200; i++) syscall(SYS_getppid);
  return NULL;
}

static int threads(int n) {
  pthread_t t[64];
  if (n < 1 || n > 64) return 2;
  for (int i = 0; i < n; i++)
    if (pthread_create(&t[i], NULL, thread_main, NULL) != 0) return 3;
  for (int i = 0; i < n; i++) {
    void *r;
    if (pthread_join(t[i], &r) != 0 || r != NULL) return 4;
  }
  printf("threads ok\n");
  return 0;
}

static int forked(void) {
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    char buf[64];
    _exit(syscall(SYS_times, buf) == -1 ? 1 : 0);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 3;
  printf("fork ok\n");
  return 0;
}

static int int80(void) {
  long ret;
  /* 199 is getuid32 in arch/x86/entry/syscalls/syscall_32.tbl. */
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(199L) : "memory");
  printf("getuid32 %ld\n", ret);
  return ret == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "threads") == 0) return threads(atoi(argv[2]));
  if (argc >= 2 && strcmp(argv[1], "fork") == 0) return forked();
  if (argc >= 2 && strcmp(argv[1], "int80") == 0) return int80();
  if (argc >= 3 && strcmp(argv[1], "loop") == 0) {
    long n = atol(argv[2]);
    struct timespec a, b;
    /* clock_gettime is answered by the vDSO: no system call to skew the figure. */
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld calls, %.2f us each\n", n, ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / (double)n);
    return 0;
  }
  fprintf(stderr, "usage: record_workload threads N | fork | int80 | loop N\n");
  return 2;
}
