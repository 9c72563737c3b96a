// The minimal FFI layer: only the libc calls the JavaScript runtime lacks.
// Under Bun they go through Bun's own FFI (sys/bun-ffi.ts, ~0.3 ms to open)
// with struct msghdr laid out here as bytes; under Node.js through koffi
// (sys/koffi.ts, 1.5-2 ms), which lays out sendmsg's and recvmsg's structs
// itself. bpf's attributes always go through koffi. Each is opened on first
// use, so commands that never touch these calls do not pay.
import { closeSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { SYS_bpf, SYS_pidfd_getfd, SYS_pidfd_open, SYS_pidfd_send_signal } from '../linux.ts';
import { openBunLibc } from './bun-ffi.ts';
import { errnoName } from './errno.ts';
import { type Koffi, loadKoffi } from './koffi.ts';

type Fn = (...args: unknown[]) => number;

// Integers and byte buffers only, so that either FFI can make the call. A C
// string is passed as NUL-terminated bytes (cString). ioctl and syscall are
// variadic in C; declared with fixed arguments, they are called as glibc's
// implementations read them on x86-64 and arm64.
const PLAIN = {
  socketpair: 'int socketpair(int domain, int type, int protocol, _Out_ int *sv)',
  pipe2: 'int pipe2(_Out_ int *fds, int flags)',
  mkfifo: 'int mkfifo(const uint8_t *path, uint32_t mode)',
  flock: 'int flock(int fd, int op)',
  // struct pollfd { int fd; short events; short revents; }
  poll: 'int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)',
  // siginfo_t is 128 bytes; si_code at 8, si_pid at 16, si_status at 24.
  waitid: 'int waitid(int idtype, uint32_t id, _Out_ uint8_t *info, int options)',
  syscall4: 'long syscall(long number, long a, long b, long c, long d)',
  socket: 'int socket(int domain, int type, int protocol)',
  connect: 'int connect(int fd, const uint8_t *addr, uint32_t len)',
  ioctl: 'int ioctl(int fd, unsigned long request, _Inout_ uint8_t *arg)',
  eventfd: 'int eventfd(uint32_t initval, int flags)',
  umount2: 'int umount2(const uint8_t *target, int flags)',
  // sighandler_t as an integer: only SIG_DFL (0) is ever passed.
  signal: 'intptr_t signal(int sig, intptr_t handler)',
};

// Under Bun: struct msghdr built here (messageCall).
const BUN_MESSAGES = {
  recvmsg: 'ssize_t recvmsg(int fd, _Inout_ uint8_t *msg, int flags)',
  sendmsg: 'ssize_t sendmsg(int fd, const uint8_t *msg, int flags)',
};

// Structs whose members point to buffers: koffi lays them out.
const WITH_STRUCTS = {
  syscall: 'long syscall(long number, ...)',
  recvmsg: 'ssize_t recvmsg(int fd, msghdr *msg, int flags)',
  sendmsg: 'ssize_t sendmsg(int fd, const msghdr *msg, int flags)',
};

type Calls<T> = { [name in keyof T]: Fn };
interface Backend<T> {
  fns: Calls<T>;
  errno(): number;
  address?(view: ArrayBufferView): number;
}

let plain: Backend<typeof PLAIN & Partial<typeof BUN_MESSAGES>> | null = null;
let structs: (Backend<typeof WITH_STRUCTS> & { koffi: Koffi }) | null = null;

function plainCalls(): Backend<typeof PLAIN & Partial<typeof BUN_MESSAGES>> {
  if (plain) return plain;
  const bun = openBunLibc({ ...PLAIN, ...BUN_MESSAGES });
  plain = bun ? { fns: bun.fns as Calls<typeof PLAIN & typeof BUN_MESSAGES>, errno: bun.errno, address: bun.address } : koffiCalls(PLAIN, loadKoffi());
  return plain;
}

/** Opens what create's calls go through, ahead of them (while the core compiles). */
export function openFfiAhead(): void {
  if (!plainCalls().address) structCalls();
}

/**
 * recvmsg or sendmsg of one data buffer and a control buffer: the result,
 * and errno when it is negative. struct msghdr on 64-bit Linux: name, namelen
 * (u32, padded), iov, iovlen, control, controllen, flags (i32, padded).
 */
function messageCall(call: 'recvmsg' | 'sendmsg', fd: number, data: Uint8Array, control: Uint8Array, controlLength: number, flags: number): [number, number] {
  const p = plainCalls();
  const f = p.fns[call];
  if (p.address && f) {
    const iov = new BigUint64Array([BigInt(p.address(data)), BigInt(data.length)]);
    const msg = new BigUint64Array([0n, 0n, BigInt(p.address(iov)), 1n, BigInt(p.address(control)), BigInt(controlLength), 0n]);
    const rc = f(fd, msg, flags);
    return [rc, rc < 0 ? p.errno() : 0];
  }
  const s = structCalls();
  const msg = {
    msg_name: null,
    msg_namelen: 0,
    msg_iov: [{ iov_base: data, iov_len: data.length }],
    msg_iovlen: 1,
    msg_control: control,
    msg_controllen: controlLength,
    msg_flags: 0,
  };
  const rc = s.fns[call](fd, msg, flags);
  return [rc, rc < 0 ? s.errno() : 0];
}

function structCalls(): Backend<typeof WITH_STRUCTS> & { koffi: Koffi } {
  if (structs) return structs;
  const k = loadKoffi();
  k.alias('ssize_t', 'intptr_t');
  k.struct('iovec', { iov_base: 'void *', iov_len: 'size_t' });
  k.struct('msghdr', {
    msg_name: 'void *',
    msg_namelen: 'uint32_t',
    msg_iov: 'iovec *',
    msg_iovlen: 'size_t',
    msg_control: 'void *',
    msg_controllen: 'size_t',
    msg_flags: 'int',
  });
  // union bpf_attr, the members for BPF_PROG_LOAD and BPF_PROG_ATTACH/DETACH
  // (include/uapi/linux/bpf.h); the kernel takes a shorter attr than its own.
  k.struct('kago_bpf_prog_load', {
    prog_type: 'uint32_t',
    insn_cnt: 'uint32_t',
    insns: 'const uint8_t *',
    license: 'const char *',
    log_level: 'uint32_t',
    log_size: 'uint32_t',
    log_buf: 'uint8_t *',
    kern_version: 'uint32_t',
    prog_flags: 'uint32_t',
  });
  k.struct('kago_bpf_prog_attach', {
    target_fd: 'uint32_t',
    attach_bpf_fd: 'uint32_t',
    attach_type: 'uint32_t',
    attach_flags: 'uint32_t',
    replace_bpf_fd: 'uint32_t',
  });
  structs = { ...koffiCalls(WITH_STRUCTS, k), koffi: k };
  return structs;
}

/** Each function declared on its first call (a command uses a few of them). */
function koffiCalls<T extends Record<string, string>>(declarations: T, k: Koffi): Backend<T> {
  const lib = k.load('libc.so.6');
  const declared: Partial<Calls<T>> = {};
  const fns = {} as Calls<T>;
  for (const name of Object.keys(declarations) as (keyof T & string)[]) {
    Object.defineProperty(fns, name, { get: () => (declared[name] ??= lib.func(declarations[name]!)) });
  }
  return { fns, errno: () => k.errno() };
}

function cString(text: string): Uint8Array {
  return new TextEncoder().encode(`${text}\0`);
}

/** A failed system call: its name, the errno (and its symbolic name) and the path it was given, if any. */
export class SyscallError extends KagoError {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly path: string | undefined;
  constructor(syscall: string, errno: number, path?: string) {
    super(path === undefined ? syscall : `${syscall} ${path}`, errnoName(errno));
    this.errno = errno;
    this.code = errnoName(errno);
    this.syscall = syscall;
    this.path = path;
  }
}

function check(name: string, rc: number, path?: string): number {
  if (rc < 0) throw new SyscallError(name, plainCalls().errno(), path);
  return rc;
}

function checkStructCall(name: string, rc: number): number {
  if (rc < 0) throw new SyscallError(name, structCalls().errno());
  return rc;
}

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;

/** A connected AF_UNIX SOCK_SEQPACKET pair, both ends close-on-exec. */
export function seqpacketPair(): [number, number] {
  const sv = new Int32Array(2);
  check('socketpair', plainCalls().fns.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
  return [sv[0]!, sv[1]!];
}

/** A pipe, both ends close-on-exec: [read end, write end]. */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  check('pipe2', plainCalls().fns.pipe2(fds, SOCK_CLOEXEC));
  return [fds[0]!, fds[1]!];
}

const SIGPIPE = 13;

/**
 * Ends kago as a write to a closed pipe ends a C or Go program, runc
 * included: killed by SIGPIPE, silently (shells print nothing for it).
 * Node and Bun ignore SIGPIPE, so the default disposition comes back first.
 */
export function dieOfSigpipe(): never {
  try {
    plainCalls().fns.signal(SIGPIPE, 0);
    process.kill(process.pid, 'SIGPIPE');
  } catch {
    // no FFI: the shell's status for a SIGPIPE death, without the death
  }
  process.exit(128 + SIGPIPE);
}

export function mkfifo(path: string, mode: number): void {
  check('mkfifo', plainCalls().fns.mkfifo(cString(path), mode), path);
}

export const MNT_DETACH = 2;

export function umount2(path: string, flags: number): void {
  check('umount2', plainCalls().fns.umount2(cString(path), flags), path);
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

export function flock(fd: number, op: number): void {
  check('flock', plainCalls().fns.flock(fd, op));
}

export const POLLIN = 0x1;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;

// One struct pollfd for every call: the seccomp recorder polls for each notification.
const pollfd = new Uint8Array(8);
const pollView = new DataView(pollfd.buffer);

/** poll(2) on one fd for `events`: the revents, or 0 on timeout. */
export function pollOne(fd: number, events: number, timeoutMs: number): number {
  pollView.setInt32(0, fd, true);
  pollView.setInt16(4, events, true);
  pollView.setInt16(6, 0, true);
  for (;;) {
    const n = plainCalls().fns.poll(pollfd, 1, timeoutMs);
    if (n > 0) return pollView.getInt16(6, true);
    if (n === 0) return 0;
    const errno = plainCalls().errno();
    if (errno !== 4 /* EINTR */) throw new SyscallError('poll', errno);
  }
}

/** Waits up to timeoutMs for fd to be readable (or at end-of-file); false on timeout. */
export function waitReadable(fd: number, timeoutMs: number): boolean {
  return pollOne(fd, POLLIN, timeoutMs) !== 0;
}

/** ioctl(2) with a buffer for its argument: 0, or the errno it failed with (callers tell EINTR and ENOENT apart). */
export function ioctlErrno(fd: number, request: number, arg: Uint8Array): number {
  return plainCalls().fns.ioctl(fd, request, arg) === 0 ? 0 : plainCalls().errno();
}

const P_PID = 1;
const WEXITED = 4;
const WNOHANG = 1;
const CLD_EXITED = 1;

export type WaitResult = { exited: true; code: number; signal: number } | { exited: false };

/** waitid(P_PID, pid, WEXITED | WNOHANG): reaps pid if it has ended. */
export function reapIfExited(pid: number): WaitResult {
  const info = new Uint8Array(128);
  check(`waitid ${pid}`, plainCalls().fns.waitid(P_PID, pid, info, WEXITED | WNOHANG));
  const view = new DataView(info.buffer);
  const sipid = view.getInt32(16, true);
  if (sipid === 0) return { exited: false };
  const code = view.getInt32(8, true);
  const status = view.getInt32(24, true);
  return code === CLD_EXITED ? { exited: true, code: status, signal: 0 } : { exited: true, code: 128 + status, signal: status };
}

/** A pidfd pins the process: signals sent through it cannot hit a reused pid. */
export function pidfdOpen(pid: number): number {
  return check(`pidfd_open ${pid}`, plainCalls().fns.syscall4(SYS_pidfd_open, pid, 0, 0, 0));
}

export function pidfdSendSignal(pidfd: number, signal: number): void {
  check('pidfd_send_signal', plainCalls().fns.syscall4(SYS_pidfd_send_signal, pidfd, signal, 0, 0));
}

/** A copy of descriptor `fd` of the process behind `pidfd`, close-on-exec (pidfd_getfd(2)). */
export function pidfdGetfd(pidfd: number, fd: number): number {
  return check('pidfd_getfd', plainCalls().fns.syscall4(SYS_pidfd_getfd, pidfd, fd, 0, 0));
}

const SOL_SOCKET = 1;

const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_LOG_SIZE = 65536;

/**
 * BPF_PROG_LOAD: a close-on-exec fd for the program (the kernel makes every
 * bpf fd O_CLOEXEC). On failure the verifier's log is part of the error.
 */
export function bpfProgLoad(progType: number, insns: Uint8Array, license: string): number {
  const { fns: c, koffi: k } = structCalls();
  const attempt = (log: Uint8Array | null) => {
    const attr = {
      prog_type: progType,
      insn_cnt: insns.length / 8,
      insns,
      license,
      log_level: log ? 1 : 0,
      log_size: log ? log.length : 0,
      log_buf: log,
      kern_version: 0,
      prog_flags: 0,
    };
    return c.syscall(SYS_bpf, 'int', BPF_PROG_LOAD, 'kago_bpf_prog_load *', attr, 'uint', k.sizeof('kago_bpf_prog_load'));
  };
  // The verifier gives up with EAGAIN when a signal arrives while it works
  // (Node's own signals included); like libbpf, try again a few times.
  for (let tries = 0; tries < 5; tries++) {
    const fd = attempt(null);
    if (fd >= 0) return fd;
    if (k.errno() !== 11 /* EAGAIN */) break;
  }
  // Once more with the verifier's log, for the error message.
  const log = new Uint8Array(BPF_LOG_SIZE);
  const fd = attempt(log);
  if (fd >= 0) return fd;
  const errno = k.errno();
  const text = Buffer.from(log).toString('latin1').replace(/\0.*$/s, '').trim().split('\n').slice(-3).join('; ');
  const err = new SyscallError('bpf BPF_PROG_LOAD', errno);
  if (text) err.message += ` (verifier: ${text})`;
  throw err;
}

function progAttach(cmd: number, name: string, targetFd: number, progFd: number, attachType: number, flags: number): void {
  const { fns: c, koffi: k } = structCalls();
  const attr = { target_fd: targetFd, attach_bpf_fd: progFd, attach_type: attachType, attach_flags: flags, replace_bpf_fd: 0 };
  checkStructCall(name, c.syscall(SYS_bpf, 'int', cmd, 'kago_bpf_prog_attach *', attr, 'uint', k.sizeof('kago_bpf_prog_attach')));
}

export function bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number): void {
  progAttach(BPF_PROG_ATTACH, 'bpf BPF_PROG_ATTACH', targetFd, progFd, attachType, flags);
}

export function bpfProgDetach(targetFd: number, progFd: number, attachType: number): void {
  progAttach(BPF_PROG_DETACH, 'bpf BPF_PROG_DETACH', targetFd, progFd, attachType, 0);
}

export const EFD_CLOEXEC = 0o2000000;

export function eventfd(initval: number, flags: number): number {
  return check('eventfd', plainCalls().fns.eventfd(initval, flags));
}

const SOCK_STREAM = 1;
const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;
/** struct cmsghdr (16 bytes on 64-bit) + one int, padded: CMSG_SPACE(sizeof(int)). */
const FD_CONTROL_SIZE = 24;

export interface Received {
  data: Uint8Array;
  /** a descriptor passed with SCM_RIGHTS, close-on-exec */
  fd?: number;
}

/** One packet, and the fd it carries if any. n === 0 in data.length with no fd means end-of-file. */
export function recvWithFd(fd: number, maxLength: number): Received {
  const data = new Uint8Array(maxLength);
  const control = new Uint8Array(64);
  let n: number;
  for (;;) {
    const [rc, errno] = messageCall('recvmsg', fd, data, control, control.length, MSG_CMSG_CLOEXEC);
    n = rc;
    if (n >= 0) break;
    if (errno !== 4 /* EINTR */) throw new SyscallError('recvmsg', errno);
  }
  const view = new DataView(control.buffer);
  const result: Received = { data: data.slice(0, n) };
  if (view.getBigUint64(0, true) >= 20n && view.getInt32(8, true) === SOL_SOCKET && view.getInt32(12, true) === SCM_RIGHTS) {
    result.fd = view.getInt32(16, true);
  }
  return result;
}

export function sendWithFd(fd: number, data: Uint8Array, passed: number): void {
  const control = new Uint8Array(FD_CONTROL_SIZE);
  const view = new DataView(control.buffer);
  view.setBigUint64(0, 20n, true);
  view.setInt32(8, SOL_SOCKET, true);
  view.setInt32(12, SCM_RIGHTS, true);
  view.setInt32(16, passed, true);
  const [rc, errno] = messageCall('sendmsg', fd, data, control, FD_CONTROL_SIZE, 0x4000 /* MSG_NOSIGNAL */);
  if (rc < 0) throw new SyscallError('sendmsg', errno);
}

/** A connected AF_UNIX stream socket, close-on-exec. */
export function connectUnix(path: string): number {
  const { fns: c, errno: lastErrno } = plainCalls();
  const encoded = new TextEncoder().encode(path);
  if (encoded.length >= 108) throw new SyscallError('connect', 36 /* ENAMETOOLONG */, path);
  const addr = new Uint8Array(110);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(encoded, 2);
  const fd = check('socket', c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (c.connect(fd, addr, 2 + encoded.length + 1) < 0) {
    const errno = lastErrno();
    closeSync(fd);
    throw new SyscallError('connect', errno, path);
  }
  return fd;
}

/** A connected AF_UNIX stream pair, both ends close-on-exec. */
export function streamPair(): [number, number] {
  const sv = new Int32Array(2);
  check('socketpair', plainCalls().fns.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  return [sv[0]!, sv[1]!];
}

const TIOCSWINSZ = 0x5414;

export function setWindowSize(fd: number, rows: number, cols: number): void {
  const winsize = new Uint16Array([rows, cols, 0, 0]);
  check('ioctl TIOCSWINSZ', plainCalls().fns.ioctl(fd, TIOCSWINSZ, new Uint8Array(winsize.buffer)));
}

const TCGETS = 0x5401;
const TCSETS = 0x5402;
const ONLCR = 0o4;

/**
 * runc's ClearONLCR: a pty turns "\n" into "\r\n" by default, and a relay
 * to something that is not a terminal (a file, a pipe) would keep the "\r".
 * The kernel's struct termios is 36 bytes; c_oflag is its second word.
 */
export function clearOnlcr(fd: number): void {
  const termios = new Uint32Array(16);
  const bytes = new Uint8Array(termios.buffer);
  check('ioctl TCGETS', plainCalls().fns.ioctl(fd, TCGETS, bytes));
  termios[1] = termios[1]! & ~ONLCR;
  check('ioctl TCSETS', plainCalls().fns.ioctl(fd, TCSETS, bytes));
}

const FIONBIO = 0x5421;

/** Clears O_NONBLOCK (FIONBIO works on any fd, without fcntl's variadic flags). */
export function setBlocking(fd: number): void {
  check('ioctl FIONBIO', plainCalls().fns.ioctl(fd, FIONBIO, new Uint8Array(4)));
}
