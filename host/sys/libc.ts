// The minimal koffi layer: only the libc calls Node.js lacks. koffi costs
// ~8 ms to load, so it is required on first use and commands that never
// touch these calls do not pay for it.
import { createRequire } from 'node:module';
import { errnoName } from './errno.ts';

type Fn = (...args: unknown[]) => number;

interface Koffi {
  load(path: string): { func(decl: string): Fn };
  errno(): number;
  alias(name: string, to: string): void;
}

interface Libc {
  socketpair: Fn;
  mkfifo: Fn;
  flock: Fn;
  waitid: Fn;
  syscall: Fn;
  setsockopt: Fn;
}

let libc: Libc | null = null;
let koffi: Koffi | null = null;

function load(): { libc: Libc; koffi: Koffi } {
  if (libc && koffi) return { libc, koffi };
  const require = createRequire(import.meta.url);
  const k = require('koffi') as Koffi;
  const lib = k.load('libc.so.6');
  libc = {
    socketpair: lib.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
    mkfifo: lib.func('int mkfifo(const char *path, uint32_t mode)'),
    flock: lib.func('int flock(int fd, int op)'),
    // siginfo_t is 128 bytes; si_code at 8, si_pid at 16, si_status at 24.
    waitid: lib.func('int waitid(int idtype, uint32_t id, _Out_ uint8_t *info, int options)'),
    syscall: lib.func('long syscall(long number, ...)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, int *value, uint32_t len)'),
  };
  koffi = k;
  return { libc, koffi };
}

/** A failed system call, with the errno's symbolic name. */
export class SyscallError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  constructor(syscall: string, errno: number) {
    super(`${syscall}: ${errnoName(errno)}`);
    this.errno = errno;
    this.code = errnoName(errno);
    this.syscall = syscall;
  }
}

function check(name: string, rc: number): number {
  if (rc < 0) throw new SyscallError(name, load().koffi.errno());
  return rc;
}

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;

/** A connected AF_UNIX SOCK_SEQPACKET pair, both ends close-on-exec. */
export function seqpacketPair(): [number, number] {
  const sv = [0, 0];
  check('socketpair', load().libc.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
  return [sv[0]!, sv[1]!];
}

export function mkfifo(path: string, mode: number): void {
  check(`mkfifo ${path}`, load().libc.mkfifo(path, mode));
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

export function flock(fd: number, op: number): void {
  check('flock', load().libc.flock(fd, op));
}

const P_PID = 1;
const WEXITED = 4;
const WNOHANG = 1;
const CLD_EXITED = 1;

export type WaitResult = { exited: true; code: number; signal: number } | { exited: false };

/** waitid(P_PID, pid, WEXITED | WNOHANG): reaps pid if it has ended. */
export function reapIfExited(pid: number): WaitResult {
  const info = new Uint8Array(128);
  check(`waitid ${pid}`, load().libc.waitid(P_PID, pid, info, WEXITED | WNOHANG));
  const view = new DataView(info.buffer);
  const sipid = view.getInt32(16, true);
  if (sipid === 0) return { exited: false };
  const code = view.getInt32(8, true);
  const status = view.getInt32(24, true);
  return code === CLD_EXITED
    ? { exited: true, code: status, signal: 0 }
    : { exited: true, code: 128 + status, signal: status };
}

const SYS_pidfd_open = 434;
const SYS_pidfd_send_signal = 424;

/** A pidfd pins the process: signals sent through it cannot hit a reused pid. */
export function pidfdOpen(pid: number): number {
  return check(`pidfd_open ${pid}`, load().libc.syscall(SYS_pidfd_open, 'int', pid, 'uint', 0));
}

export function pidfdSendSignal(pidfd: number, signal: number): void {
  check('pidfd_send_signal', load().libc.syscall(SYS_pidfd_send_signal, 'int', pidfd, 'int', signal, 'void *', null, 'uint', 0));
}

const SOL_SOCKET = 1;
const SO_SNDBUF = 7;

/** A SEQPACKET message must fit the send buffer whole; large plans need a larger one. */
export function setSendBuffer(fd: number, bytes: number): void {
  const { libc: c } = load();
  check('setsockopt SO_SNDBUF', c.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, [bytes], 4));
}
