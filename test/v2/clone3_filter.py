#!/usr/bin/env python3
"""A seccomp filter that makes clone3 fail with a given errno, as a
container engine's profile around kago may (Docker's default gives ENOSYS;
glibc then falls back to clone, and kago's executor to a cgroup.procs
write). Run as a command, it runs COMMAND under the ENOSYS filter:

    clone3_filter.py COMMAND [ARG...]

fork-fallback.py imports refuse_clone3 for the other errnos.
"""
import ctypes
import errno
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000


def refuse_clone3(err):
    """Loads the filter into this process (and what it starts); raises OSError if it cannot."""
    lib = ctypes.CDLL('libseccomp.so.2', use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    nr = lib.seccomp_syscall_resolve_name(b'clone3')
    if not ctx or nr < 0:
        raise OSError('libseccomp has no clone3')
    if lib.seccomp_rule_add(ctx, SCMP_ACT_ERRNO | err, nr, 0) != 0 or lib.seccomp_load(ctx) != 0:
        raise OSError('could not load the filter')


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    try:
        refuse_clone3(errno.ENOSYS)
    except OSError as e:
        sys.stderr.write(f'clone3_filter: {e}\n')
        return 1
    os.execvp(argv[0], argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
