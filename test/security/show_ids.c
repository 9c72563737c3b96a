/* Installed setuid root in a test root filesystem: prints the ids and the
 * capabilities the kernel gave it at execve. With no_new_privs the setuid
 * bit must have been ignored (euid stays the caller's, no capabilities). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void) {
  uid_t r, e, s;
  getresuid(&r, &e, &s);
  printf("ruid=%u euid=%u suid=%u nnp=%d\n", r, e, s, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (f != NULL && fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "Cap", 3) == 0) fputs(line, stdout);
  return 0;
}
