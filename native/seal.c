/* The executor runs from a sealed in-memory copy of itself, never from the
 * file on disk. runc CVE-2019-5736: a process in the container opened the
 * runtime's binary through /proc/PID/exe of a runtime process that had
 * joined the container, waited for it to exit (ETXTBSY protects a file only
 * while some process executes it) and then overwrote it on the host. With
 * the copy, /proc/PID/exe is a memfd whose seals refuse every write, and the
 * file on disk is not reachable from the container at all.
 *
 * This is not a policy decision (the plan cannot ask for it to be skipped):
 * it holds for every plan, before any plan is read. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seal.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: vm.memfd_noexec may otherwise refuse exec */
#endif

static int sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

static int copy_of(int self) {
  int mfd = memfd_create("kago-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  /* Kernels before 6.3 do not know MFD_EXEC. */
  if (mfd < 0 && errno == EINVAL) mfd = memfd_create("kago-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) return -1;
  struct stat st;
  if (fstat(self, &st) != 0) goto fail;
  off_t done = 0;
  while (done < st.st_size) {
    ssize_t n = sendfile(mfd, self, &done, (size_t)(st.st_size - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) goto fail;
  }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) != 0) goto fail;
  return mfd;
fail:;
  int saved = errno;
  close(mfd);
  errno = saved;
  return -1;
}

int kago_run_sealed(char **argv, char **envp) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  if (sealed(self)) {
    close(self);
    /* execveat names the process after the descriptor ("3"); ps, the
     * tests and people look for kago-exec. */
    return prctl(PR_SET_NAME, "kago-exec", 0, 0, 0);
  }
  int mfd = copy_of(self);
  int saved = errno;
  close(self);
  if (mfd < 0) {
    errno = saved;
    return -1;
  }
  /* MFD_CLOEXEC: the descriptor is gone once the copy runs; execveat keeps
   * the file for an ELF binary (only a script would need it open). */
  fexecve(mfd, argv, envp);
  saved = errno;
  close(mfd);
  errno = saved;
  return -1;
}
