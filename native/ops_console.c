/* The container's terminal: a pty from the container's own devpts, its
 * master handed to whoever listens on the console socket (as runc does). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ops.h"
#include "sync.h"

int op_adopt_fd(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_adopt_fd *a = &op->u.adopt_fd;
  if (a->fd < 3 || fcntl((int)a->fd, F_GETFD) < 0) {
    errno = EBADF;
    return -1;
  }
  x->slots[a->slot] = (int)a->fd;
  return 0;
}

/* runc CVE-2025-52565: the console is the empty file kago created; a
 * symlink put in its place must not redirect the bind elsewhere. */
static int bind_console(const char *slave_path, const char *console) {
  int fd = kago_open_checked(console, S_IFREG, 0);
  return fd < 0 ? -1 : kago_bind_fd(fd, false, slave_path);
}

int op_setup_console(struct kago_exec *x, const struct kago_op *op) {
  const struct kago_op_setup_console *c = &op->u.setup_console;
  int socket_fd = kago_slot_fd(x, c->socket_slot);
  if (socket_fd < 0) return -1;
  x->detail = "/dev/ptmx";
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -1;
  char slave_path[64];
  if (unlockpt(master) != 0 || ptsname_r(master, slave_path, sizeof slave_path) != 0) goto fail_master;
  if (c->rows > 0) {
    struct winsize size = {.ws_row = (unsigned short)c->rows, .ws_col = (unsigned short)c->cols};
    if (ioctl(master, TIOCSWINSZ, &size) != 0) goto fail_master;
  }
  /* The payload names the file, as the receivers of runc's console socket expect. */
  x->detail = "console socket";
  if (kago_send_fd(socket_fd, master, "/dev/ptmx", strlen("/dev/ptmx")) != 0) goto fail_master;
  close(master);
  close(socket_fd);
  x->slots[c->socket_slot] = -1;

  x->detail = slave_path;
  int slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return -1;
  if (c->console[0] != '\0' && bind_console(slave_path, c->console) != 0) goto fail_slave;
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) != 0) goto fail_slave;
  for (int fd = 0; fd <= 2; fd++) {
    if (dup2(slave, fd) < 0) goto fail_slave;
  }
  if (slave > 2) close(slave);
  return 0;

fail_slave : {
  int err = errno;
  close(slave);
  errno = err;
  return -1;
}
fail_master : {
  int err = errno;
  close(master);
  errno = err;
  return -1;
}
}
