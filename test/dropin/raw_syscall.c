/* Calls each syscall number given (with zero arguments) and prints
 * "NR ok" or "NR ERRNO", one line each: what a program sees of a seccomp
 * verdict. Static, so it runs in a busybox root filesystem. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    long nr = strtol(argv[i], NULL, 0);
    errno = 0;
    long r = syscall(nr, 0L, 0L, 0L, 0L, 0L, 0L);
    if (r == -1)
      printf("%ld %d\n", nr, errno);
    else
      printf("%ld ok\n", nr);
  }
  return 0;
}
