#!/usr/bin/env python3
"""Runs a command under a seccomp filter that makes clone3 fail with ENOSYS,
as a container engine's profile around kago may (Docker's default does):
glibc then falls back to clone, and kago's executor to a cgroup.procs write.

    without-clone3.py COMMAND [ARG...]
"""
import ctypes
import errno
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    lib = ctypes.CDLL('libseccomp.so.2', use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    nr = lib.seccomp_syscall_resolve_name(b'clone3')
    if not ctx or nr < 0:
        sys.stderr.write('without-clone3: libseccomp has no clone3\n')
        return 1
    if lib.seccomp_rule_add(ctx, SCMP_ACT_ERRNO | errno.ENOSYS, nr, 0) != 0 or lib.seccomp_load(ctx) != 0:
        sys.stderr.write('without-clone3: could not load the filter\n')
        return 1
    os.execvp(argv[0], argv)


sys.exit(main(sys.argv[1:]))
