#!/usr/bin/env python3
"""Stands in for an engine's console socket (conmon, the containerd shim):
accepts one connection, takes the pty master passed with SCM_RIGHTS, and
prints as JSON the name sent with it and everything read from the master
until the terminal is gone."""
import json
import os
import socket
import sys

path = sys.argv[1]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
print("listening", flush=True)
conn, _ = server.accept()
name, fds, _, _ = socket.recv_fds(conn, 256, 1)
master = fds[0]
output = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: no process holds the slave any more
        break
    if not chunk:
        break
    output += chunk
print(json.dumps({"name": name.decode(), "output": output.decode(errors="replace")}), flush=True)
