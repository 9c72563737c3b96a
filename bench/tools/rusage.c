/* rusage OUT PROGRAM ARGS...: runs PROGRAM, waits for it with wait4 and
 * writes one line to OUT: wall µs, user µs, system µs, peak RSS KiB, minor
 * page faults, exit status. The CPU and memory are the program's and those of
 * the children it waited for (getrusage's RUSAGE_CHILDREN semantics), as GNU
 * time reports them, but in microseconds instead of centiseconds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static long long tv_us(struct timeval tv) { return (long long)tv.tv_sec * 1000000 + tv.tv_usec; }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rusage OUT PROGRAM [ARG...]\n");
    return 2;
  }
  long long start = now_us();
  pid_t pid = fork();
  if (pid < 0) return perror("fork"), 2;
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return perror("wait4"), 2;
  long long wall = now_us() - start;
  FILE *out = fopen(argv[1], "we");
  if (!out) return perror(argv[1]), 2;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fprintf(out, "%lld %lld %lld %ld %ld %d\n", wall, tv_us(ru.ru_utime), tv_us(ru.ru_stime), ru.ru_maxrss, ru.ru_minflt,
          code);
  return fclose(out) == 0 ? 0 : 2;
}
