#!/usr/bin/env python3
"""Runs a command the way a person at a terminal does: stdin and stderr are
a pty that is its controlling terminal (runc refuses a foreground terminal
without one), while stdout goes to the file named first, so that the test
reads exactly the bytes the command wrote. Exits with the command's status;
what reached the pty is written to this script's stderr."""
import os
import pty
import sys

out_path, argv = sys.argv[1], sys.argv[2:]
pid, master = pty.fork()
if pid == 0:
    fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.close(fd)
    os.execvp(argv[0], argv)
seen = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the command and its children closed the pty
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
sys.stderr.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
