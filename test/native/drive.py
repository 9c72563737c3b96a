#!/usr/bin/env python3
"""Drives native/kago-exec by hand, as the host would: encodes a plan from
plan/plan.json, sends it over a SOCK_SEQPACKET socketpair on fd 3, answers the
sync protocol and checks what happened. Run as root from anywhere:

    python3 test/native/drive.py [scenario ...]     (default: all)

Every scenario builds its files in a scratch directory and removes it; the
mounts it makes live in namespaces that die with the container."""

import errno
import json
import os
import shutil
import socket
import stat
import struct
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXECUTOR = str(REPO / "native" / "kago-exec")
SPEC = json.loads((REPO / "plan" / "plan.json").read_text())
OPS = {op["name"]: op for op in SPEC["ops"]}
MSG = {m["name"]: m["code"] for m in SPEC["messages"]["types"]}
MSG_NAME = {code: name for name, code in MSG.items()}
HEADER = struct.Struct("<IIqq")

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x20000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x08000000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_PARENT = 0x40000000, 0x8000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE, MS_SLAVE, MS_STRICTATIME = 4096, 16384, 1 << 18, 1 << 19, 1 << 24
O_PATH = 0o10000000
PR_SET_NO_NEW_PRIVS = 38
HOST_ID = 100000  # container root is this uid/gid on the host


def encode_arg(kind, value):
    if kind == "int":
        return struct.pack("<q", value)
    if kind == "str":
        raw = value.encode() if isinstance(value, str) else value
        return struct.pack("<I", len(raw)) + raw + b"\0"
    if kind == "strs":
        return struct.pack("<I", len(value)) + b"".join(encode_arg("str", v) for v in value)
    if kind == "ints":
        return struct.pack("<I", len(value)) + b"".join(struct.pack("<q", v) for v in value)
    if kind == "bytes":
        return struct.pack("<I", len(value)) + value
    raise ValueError(kind)


def encode_op(name, *args):
    spec = OPS[name]
    assert len(args) == len(spec["args"]), name
    body = b"".join(encode_arg(kind, v) for (_, kind), v in zip(spec["args"], args))
    return struct.pack("<HHI", spec["code"], 0, len(body)) + body


def encode_plan(ops, version=None):
    head = SPEC["magic"].encode() + struct.pack("<II", version or SPEC["version"], len(ops))
    return head + b"".join(encode_op(*op) if isinstance(op, tuple) else op for op in ops)


def message(kind, a=0, b=0, payload=b""):
    return HEADER.pack(MSG[kind], 0, a, b) + payload


class Run:
    """One executor run: the messages it sent and how its processes exited."""

    def __init__(self):
        self.messages = []
        self.exits = {}

    def errors(self):
        return [(a, b, p) for (kind, a, b, p) in self.messages if kind == "error"]

    def kinds(self):
        return [m[0] for m in self.messages]


def run(plan, on_ready=None, extra_fd=None, raw_packet=None):
    host, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    actions = [(os.POSIX_SPAWN_DUP2, child.fileno(), 3)]
    if extra_fd is not None:
        # An fd the executor inherits without being told: it must not reach the container.
        actions.append((os.POSIX_SPAWN_DUP2, extra_fd, 9))
    pid = os.posix_spawn(EXECUTOR, [EXECUTOR], os.environ, file_actions=actions)
    child.close()
    result, pids = Run(), [pid]
    host.send(raw_packet if raw_packet is not None else message("plan", payload=plan))
    while True:
        packet = host.recv(1 << 16)
        if not packet:
            print("  <- EOF")
            break
        kind, _, a, b = HEADER.unpack_from(packet)
        name, payload = MSG_NAME.get(kind, str(kind)), packet[HEADER.size:]
        result.messages.append((name, a, b, payload))
        shown = f"  <- {name} a={a} b={b}"
        if name == "error":
            shown += f" ({errno.errorcode.get(b, b)}: {os.strerror(b)}) detail={payload.decode()!r}"
        print(shown, flush=True)
        if name == "id_maps_request":
            for which in ("uid_map", "gid_map"):
                Path(f"/proc/{a}/{which}").write_text(f"0 {HOST_ID} 65536\n")
            host.send(message("id_maps_done"))
        elif name == "child_pid":
            pids.append(a)
        elif name == "ready" and on_ready is not None:
            on_ready(pids)
    host.close()
    for p in pids:
        _, status = os.waitpid(p, 0)
        result.exits[p] = os.waitstatus_to_exitcode(status)
    print(f"  exits: {result.exits}", flush=True)
    return result


def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
    if not ok:
        check.failed = True


check.failed = False


def make_rootfs(scratch):
    rootfs = scratch / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy2(shutil.which("busybox"), rootfs / "bin" / "busybox")
    for applet in ("sh", "ls", "cat", "echo", "hostname", "id", "grep", "touch", "wc", "head"):
        os.symlink("busybox", rootfs / "bin" / applet)
    # Container root is HOST_ID on the host: it must own its root to create /proc and /dev.
    for path in [rootfs, *rootfs.rglob("*")]:
        os.lchown(path, HOST_ID, HOST_ID)
    return rootfs


def container_plan(rootfs, script, fifo=None):
    r = str(rootfs)
    ops = [
        ("unshare", CLONE_NEWUSER),
        ("request_id_maps",),
        ("setresgid", 0),
        ("setresuid", 0),
        ("setgroups", []),
        ("unshare", CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP),
        ("fork", CLONE_PARENT),
        ("mount", "", "/", "", MS_SLAVE | MS_REC, ""),
        ("mount", r, r, "", MS_BIND | MS_REC, ""),
        ("mkdir_all", r + "/proc", 0o755),
        ("mount", "proc", r + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""),
        ("mkdir_all", r + "/dev", 0o755),
        ("mount", "tmpfs", r + "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=1m"),
        # mknod is refused in a user namespace: bind the host's device instead.
        ("mkfile", r + "/dev/null", 0o666),
        ("mount", "/dev/null", r + "/dev/null", "", MS_BIND, ""),
        ("symlink", "/proc/self/fd", r + "/dev/fd"),
    ]
    if fifo:
        ops.append(("open", str(fifo), O_PATH, 0))
    ops += [
        ("pivot_root", r),
        ("sethostname", "kago-test"),
        ("mask_path", "/proc/keys"),
        ("mask_path", "/proc/acpi"),
        ("mask_path", "/proc/kcore"),  # absent on this kernel: skipped
        ("readonly_path", "/proc/sys"),
        ("readonly_path", "/no-such-dir"),
        ("remount", "/", MS_RDONLY),
        ("chdir", "/"),
        ("umask", 0o022),
        ("prctl", PR_SET_NO_NEW_PRIVS, 1),
        ("ready",),
    ]
    if fifo:
        ops.append(("wait_exec_fifo", 0))
    ops.append(("exec", "sh", ["sh", "-c", script], ["PATH=/bin", "HOME=/"]))
    return encode_plan(ops)


SCRIPT = (
    "echo pid=$$; hostname; ls /; ls -l /proc/$$/fd | grep -o '[0-9]* -> .*'; "
    "echo keys bytes: $(cat /proc/keys | wc -c); echo acpi entries: $(ls -A /proc/acpi | wc -l); "
    "echo acpi: $(grep ' /proc/acpi ' /proc/self/mountinfo); "
    "touch /proc/sys/kernel/hostname 2>&1; touch /newfile 2>&1; id; grep NoNewPrivs /proc/self/status"
)


def scenario_container(scratch):
    rootfs = make_rootfs(scratch)
    leak = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY)
    try:
        result = run(container_plan(rootfs, SCRIPT), extra_fd=leak)
    finally:
        os.close(leak)
    check(result.kinds() == ["id_maps_request", "child_pid", "ready"], "messages: id maps, child pid, ready")
    check(all(code == 0 for code in result.exits.values()), "intermediate and container exit 0")


def scenario_fifo(scratch):
    rootfs = make_rootfs(scratch)
    fifo = scratch / "exec.fifo"
    os.mkfifo(fifo, 0o600)
    os.chown(fifo, HOST_ID, HOST_ID)
    seen = {}

    def start(pids):
        time.sleep(0.5)
        init = pids[-1]
        seen["waiting"] = os.waitpid(init, os.WNOHANG) == (0, 0)
        print(f"  .. init {init} still waiting after 0.5 s: {seen['waiting']}; opening the FIFO", flush=True)
        with open(fifo, "rb") as reader:
            seen["byte"] = reader.read()

    result = run(container_plan(rootfs, "echo started after the FIFO; hostname", fifo), on_ready=start)
    check(seen.get("waiting") is True, "init blocks on the FIFO until it is opened")
    check(seen.get("byte") == b"0", "init wrote '0' into the FIFO")
    check(all(code == 0 for code in result.exits.values()), "both processes exit 0")


def scenario_mount_error(scratch):
    target = scratch / "mnt"
    target.mkdir()
    plan = encode_plan([
        ("unshare", CLONE_NEWNS),
        ("mount", "", "/", "", MS_REC | MS_PRIVATE, ""),
        ("mount", "none", str(target), "kagonosuchfs", 0, ""),
        ("mkdir_all", str(scratch / "not-reached"), 0o755),
    ])
    result = run(plan)
    check(result.errors() == [(2, errno.ENODEV, str(target).encode())], "error at index 2 with ENODEV and the target")
    check(list(result.exits.values()) == [1], "exit 1")
    check(not (scratch / "not-reached").exists(), "nothing after the failed operation ran")


def scenario_files(scratch):
    s = str(scratch)
    (scratch / "plainfile").write_text("")
    plan = encode_plan([
        ("mkdir_all", s + "/a//b/c/", 0o750),
        ("mkdir_all", s + "/a/b/c", 0o750),
        ("mkfile", s + "/x/y/file", 0o640),
        ("mkfile", s + "/x/y/file", 0o600),
        ("write_file", s + "/x/y/file", "hello"),
        ("symlink", "file", s + "/x/y/link"),
        ("symlink", "other", s + "/x/y/link"),
        ("chown", s + "/x/y/link", 1234, 5678),
        ("mknod", s + "/null", stat.S_IFCHR | 0o666, 1, 3),
        ("open", s, os.O_DIRECTORY | os.O_RDONLY, 5),
        ("open", s + "/x", os.O_DIRECTORY | os.O_RDONLY, 5),
        ("close", 5),
        ("close", 5),
    ])
    result = run(plan)
    check(result.errors() == [(12, errno.EBADF, b"")], "closing an empty slot fails at index 12 with EBADF")
    check(stat.S_ISDIR(os.stat(s + "/a/b/c").st_mode), "mkdir_all made a/b/c")
    check(stat.S_IMODE(os.stat(s + "/x/y/file").st_mode) == 0o640 & ~current_umask(), "mkfile kept the first mode")
    check(Path(s + "/x/y/file").read_text() == "hello", "write_file wrote the data")
    check(os.readlink(s + "/x/y/link") == "file", "symlink left the existing link alone")
    st = os.lstat(s + "/x/y/link")
    check((st.st_uid, st.st_gid) == (1234, 5678), "chown changed the link itself")
    st = os.stat(s + "/null")
    check(stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3, "mknod made c 1:3")
    result = run(encode_plan([("mkdir_all", s + "/plainfile/sub", 0o755)]))
    check(result.errors() == [(0, errno.ENOTDIR, (s + "/plainfile/sub").encode())], "a file in the way is ENOTDIR")


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def scenario_exec_errors(scratch):
    bindir = scratch / "bin"
    bindir.mkdir()
    (bindir / "notexec").write_text("#!/bin/sh\n")
    (bindir / "notexec").chmod(0o644)
    env = [f"PATH=/nonexistent:{bindir}"]
    result = run(encode_plan([("exec", "kago-no-such-program", ["x"], env)]))
    check(result.errors() == [(0, errno.ENOENT, b"kago-no-such-program")], "a missing program is ENOENT with its name")
    result = run(encode_plan([("umask", 0), ("exec", "notexec", ["notexec"], env)]))
    check(result.errors() == [(1, errno.EACCES, b"notexec")], "a found but not executable program is EACCES")
    result = run(encode_plan([("exec", "true", ["true"], [])]))
    check(result.errors() == [] and list(result.exits.values()) == [0], "no PATH in env: the default PATH finds true")
    result = run(encode_plan([("exec", "sh", ["sh", "-c", "exit 7"], [f"PATH={bindir}:/bin"])]))
    check(list(result.exits.values()) == [7], "exec replaces the executor (exit 7 from sh)")


def scenario_malformed(scratch):
    marker = str(scratch / "must-not-exist")
    first = encode_op("mkdir_all", marker, 0o755)
    good = encode_op("umask", 0)
    # A umask op whose declared arg size is one byte longer than its int.
    loose = struct.pack("<HHI", OPS["umask"]["code"], 0, 9) + struct.pack("<q", 0) + b"\0"
    nul = encode_op("chdir", "/tmp\0x")
    cases = {
        "bad magic": message("plan", payload=b"NOTAPLAN" + encode_plan([first])[8:]),
        "wrong version": message("plan", payload=encode_plan([first], version=99)),
        "truncated": message("plan", payload=encode_plan([first, good])[:-3]),
        "trailing bytes": message("plan", payload=encode_plan([first, good]) + b"x"),
        "args not consumed": message("plan", payload=encode_plan([first, loose])),
        "embedded NUL": message("plan", payload=encode_plan([first, nul])),
        "unknown code": message("plan", payload=encode_plan([first, struct.pack("<HHI", 999, 0, 0)])),
        "count too large": message("plan", payload=encode_plan([first])[:12] + struct.pack("<I", 1 << 30) + first),
        "not a plan message": message("ready"),
    }
    for what, packet in cases.items():
        print(f"  [{what}]", flush=True)
        result = run(None, raw_packet=packet)
        check(list(result.exits.values()) == [2] and result.messages == [], f"{what}: exit 2, no message")
    check(not os.path.exists(marker), "no operation of a malformed plan ran")


def scenario_large(scratch):
    marker = scratch / "large-done"
    ops = [("umask", 0o22)] * 10000 + [("mkdir_all", str(marker), 0o755)]
    plan = encode_plan(ops)
    print(f"  plan of {len(plan)} bytes, {len(ops)} operations", flush=True)
    result = run(plan)
    check(result.errors() == [] and marker.is_dir(), "a large plan is read whole and runs to its end")


SCENARIOS = {
    "container": scenario_container,
    "fifo": scenario_fifo,
    "mount-error": scenario_mount_error,
    "files": scenario_files,
    "exec-errors": scenario_exec_errors,
    "malformed": scenario_malformed,
    "large": scenario_large,
}


def main(names):
    for name in names or SCENARIOS:
        print(f"== {name}", flush=True)
        scratch = Path(tempfile.mkdtemp(prefix="kago-exec-"))
        scratch.chmod(0o755)
        try:
            SCENARIOS[name](scratch)
        finally:
            shutil.rmtree(scratch)
    print("FAILED" if check.failed else "all checks passed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
