#!/usr/bin/env python3
"""A seccomp agent for the notify tests: listens on argv[1], takes the
listener fd and the container process state kago sends (saved to argv[2]),
then answers every notification: "errno:N" fails the syscall with errno N,
"continue" lets the kernel run it. Exits when no process uses the filter."""
import fcntl
import json
import os
import select
import socket
import struct
import sys

path, state_file, mode = sys.argv[1], sys.argv[2], sys.argv[3]
# _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp)
NOTIF_RECV, NOTIF_SEND = 0xC0502100, 0xC0182101
USER_NOTIF_FLAG_CONTINUE = 1

server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
print("listening", flush=True)
conn, _ = server.accept()
data, fds, _, _ = socket.recv_fds(conn, 65536, 1)
with open(state_file, "w") as f:
    f.write(data.decode())
listener = fds[0]
handled = []
while True:
    ready = select.poll()
    ready.register(listener, select.POLLIN)
    events = ready.poll(20000)
    if not events or events[0][1] & (select.POLLHUP | select.POLLERR):
        break
    notif = bytearray(80)  # the kernel wants it zeroed
    try:
        fcntl.ioctl(listener, NOTIF_RECV, notif, True)
    except OSError:
        break
    notif_id, pid, _flags, nr = struct.unpack_from("<QIIi", notif, 0)
    handled.append(nr)
    if mode == "continue":
        resp = struct.pack("<QqiI", notif_id, 0, 0, USER_NOTIF_FLAG_CONTINUE)
    else:
        resp = struct.pack("<QqiI", notif_id, 0, -int(mode.split(":")[1]), 0)
    try:
        fcntl.ioctl(listener, NOTIF_SEND, bytearray(resp), True)
    except OSError:
        pass
print(json.dumps({"handled": handled}), flush=True)
