#!/usr/bin/env python3
"""Drives native/kago-exec's fork_into_cgroup (op 90) on a pure cgroup v2
host, as root, with clone3 refused by a seccomp filter in each of the ways
the executor falls back on (ENOSYS, E2BIG, EPERM), in one it does not
(EACCES: reported as it is), and not refused at all.
kago itself cannot run under an EPERM or E2BIG filter (glibc's threads
fall back to clone only on ENOSYS), so the executor is started here, from
a fork (glibc's fork is clone, not clone3), with the plan sent as the host
would, encoded from plan/plan.json.

In a cgroup with pids.max 1 the child fits alone only if the executor
never entered the cgroup: so clone3 works there, and every fallback (a
cgroup.procs write, then the fork) fails with EAGAIN instead of the refusal
itself; with pids.max 2 the fallback's child is in the cgroup too.

    fork-fallback.py        (prints one line per case; exit 1 on a failure)
"""
import errno
import json
import os
import socket
import struct
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside clone3_filter.py
sys.path.insert(0, str(Path(__file__).resolve().parent))
from clone3_filter import refuse_clone3  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXECUTOR = str(REPO / "native" / "kago-exec")
PLAN = json.loads((REPO / "plan" / "plan.json").read_text())
OPS = {op["name"]: op for op in PLAN["ops"]}
MSG = {m["name"]: m["code"] for m in PLAN["messages"]["types"]}
MSG_NAME = {code: name for name, code in MSG.items()}
HEADER = struct.Struct("<IIqq")
CLONE_PARENT = 0x8000


def encode_plan(ops):
    """plan.json's "layout": the magic, version and count, then each op's code, size and arguments."""
    def arg(kind, value):
        if kind == "int":
            return struct.pack("<q", value)
        if kind == "str":
            return struct.pack("<I", len(value.encode())) + value.encode() + b"\0"
        if kind == "strs":
            return struct.pack("<I", len(value)) + b"".join(arg("str", v) for v in value)
        raise ValueError(kind)
    out = PLAN["magic"].encode() + struct.pack("<II", PLAN["version"], len(ops))
    for name, *values in ops:
        body = b"".join(arg(kind, v) for (_, kind), v in zip(OPS[name]["args"], values))
        out += struct.pack("<HHI", OPS[name]["code"], 0, len(body)) + body
    return out


def message(kind, payload=b""):
    return HEADER.pack(MSG[kind], 0, 0, 0) + payload


CGROUP = Path("/sys/fs/cgroup")
SLOT = 0  # the plan holds no other descriptor
O_DIRECTORY = 0o200000


def run(plan, refusal):
    """The executor's messages (kind, a, b, payload) and its processes' exit codes."""
    host, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            if refusal:
                refuse_clone3(refusal)  # an OSError ends the child with 121: no executor messages
            os.dup2(child.fileno(), 3)
            os.execv(EXECUTOR, [EXECUTOR])
        finally:
            os._exit(121)
    child.close()
    host.send(message("plan", payload=plan))
    messages, pids = [], [pid]
    while True:
        packet = host.recv(1 << 16)
        if not packet:
            break
        kind, _, a, b = HEADER.unpack_from(packet)
        name = MSG_NAME.get(kind, str(kind))
        messages.append((name, a, b, packet[HEADER.size:]))
        if name == "child_pid":
            pids.append(a)
    host.close()
    exits = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]
    return messages, exits


def case(limit, refusal, scratch):
    """Runs the plan into a new cgroup with pids.max limit; returns (error errno or None, the child's /proc/self/cgroup)."""
    dir = CGROUP / f"kago-fork-fallback-{os.getpid()}-{limit}-{refusal}"
    dir.mkdir()
    seen = scratch / f"seen-{limit}-{refusal}"
    try:
        (dir / "pids.max").write_text(str(limit))
        plan = encode_plan([
            ("open", str(dir), O_DIRECTORY, SLOT),
            ("fork_into_cgroup", CLONE_PARENT, SLOT),
            ("exec", "/bin/sh", ["sh", "-c", f"exec cat /proc/self/cgroup > {seen}"], ["PATH=/bin"]),
        ])
        messages, exits = run(plan, refusal)
        errors = [b for (kind, _, b, _) in messages if kind == "error"]
        return (errors[0] if errors else None), (seen.read_text().strip() if seen.exists() else None), exits
    finally:
        dir.rmdir()


def main():
    failed = False
    scratch = Path(tempfile.mkdtemp(prefix="kago-fork-fallback-"))
    try:
        for refusal in (None, errno.ENOSYS, errno.E2BIG, errno.EPERM, errno.EACCES):
            label = errno.errorcode[refusal] if refusal else "clone3 allowed"
            for limit in (1, 2):
                err, seen, exits = case(limit, refusal, scratch)
                cgroup = f"0::/kago-fork-fallback-{os.getpid()}-{limit}-{refusal}"
                # Allowed: the child is created in the cgroup, fitting pids.max 1.
                # Refused: the executor joins first, so pids.max 1 leaves no room (EAGAIN).
                # Any other error is the cgroup's own (here a filter's EACCES): reported as it is.
                if refusal == errno.EACCES:
                    ok = err == errno.EACCES and seen is None
                elif refusal is not None and limit == 1:
                    ok = err == errno.EAGAIN and seen is None
                else:
                    ok = err is None and seen == cgroup
                failed |= not ok
                got = f"error {errno.errorcode.get(err, err)}" if err else f"child in {seen}"
                print(f"{'ok  ' if ok else 'FAIL'} {label}, pids.max {limit}: {got} (exits {exits})", flush=True)
    finally:
        for f in scratch.iterdir():
            f.unlink()
        scratch.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
