// The supervisor's side of SECCOMP_RET_USER_NOTIF (seccomp_unotify(2)):
// taking a listener out of another process (pidfd_getfd), waiting on it,
// receiving a notification and answering it. Only the recorder
// (seccomp-record/recorder.ts) uses these.
import { SYS_pidfd_getfd } from '../linux.ts';
import { SyscallError } from './libc.ts';
import { type Koffi, loadKoffi } from './koffi.ts';

type Fn = (...args: unknown[]) => number;

let loaded: { k: Koffi; poll: Fn; ioctl: Fn; syscall: Fn } | null = null;

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const k = loadKoffi();
  const lib = k.load('libc.so.6');
  loaded = {
    k,
    // struct pollfd { int fd; short events; short revents; }
    poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, _Inout_ uint8_t *arg)'),
    syscall: lib.func('long syscall(long number, ...)'),
  };
  return loaded;
}

const EINTR = 4;

// include/uapi/linux/seccomp.h: _IOWR('!', 0, struct seccomp_notif) and
// _IOWR('!', 1, struct seccomp_notif_resp).
const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100;
const SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;
const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
/** sizeof(struct seccomp_notif): id, pid, flags, then struct seccomp_data. */
const NOTIF_SIZE = 80;

/** A copy of descriptor `fd` of the process behind `pidfd`, close-on-exec (pidfd_getfd(2)). */
export function pidfdGetfd(pidfd: number, fd: number): number {
  const rc = load().syscall(SYS_pidfd_getfd, 'int', pidfd, 'int', fd, 'uint', 0);
  if (rc < 0) throw new SyscallError('pidfd_getfd', load().k.errno());
  return rc;
}

export const POLLIN = 0x1;
export const POLLHUP = 0x10;
export const POLLERR = 0x8;

const pollfd = new Uint8Array(8);
const pollView = new DataView(pollfd.buffer);

/** poll(2) on one fd; the revents, or 0 on timeout. Called for every notification: one buffer for all. */
export function pollOne(fd: number, timeoutMs: number): number {
  const view = pollView;
  view.setInt32(0, fd, true);
  view.setInt16(6, 0, true);
  view.setInt16(4, POLLIN, true);
  for (;;) {
    const n = load().poll(pollfd, 1, timeoutMs);
    if (n > 0) return view.getInt16(6, true);
    if (n === 0) return 0;
    const errno = load().k.errno();
    if (errno !== EINTR) throw new SyscallError('poll', errno);
  }
}

export interface Notification {
  id: bigint;
  /** the calling thread, in the receiver's pid namespace */
  pid: number;
  nr: number;
  /** AUDIT_ARCH_* of the call (an x32 call is AUDIT_ARCH_X86_64 with bit 30 in nr) */
  arch: number;
  args: bigint[];
}

const notif = new Uint8Array(NOTIF_SIZE);
const notifView = new DataView(notif.buffer);
const resp = new Uint8Array(24);
const respView = new DataView(resp.buffer);

/** The next notification; null when its caller went away before it was read (ENOENT). */
export function receiveNotification(listener: number): Notification | null {
  for (;;) {
    // The kernel refuses a buffer that is not zeroed (seccomp_notify_recv).
    notif.fill(0);
    if (load().ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, notif) === 0) break;
    const errno = load().k.errno();
    if (errno === EINTR) continue;
    if (errno === 2 /* ENOENT */) return null;
    throw new SyscallError('ioctl SECCOMP_IOCTL_NOTIF_RECV', errno);
  }
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(notifView.getBigUint64(32 + 8 * i, true));
  return {
    id: notifView.getBigUint64(0, true),
    pid: notifView.getUint32(8, true),
    nr: notifView.getInt32(16, true),
    arch: notifView.getUint32(20, true),
    args,
  };
}

/**
 * Answers a notification: errno 0 lets the call run as if no filter had
 * stopped it (SECCOMP_USER_NOTIF_FLAG_CONTINUE), anything else fails it with
 * that errno. The caller may have died or been interrupted by a signal
 * meanwhile (ENOENT): the kernel restarts an interrupted call, which then
 * comes again as a new notification, so there is nothing to do.
 */
export function answerNotification(listener: number, id: bigint, errno: number): void {
  respView.setBigUint64(0, id, true);
  respView.setBigInt64(8, 0n, true);
  respView.setInt32(16, errno === 0 ? 0 : -errno, true);
  respView.setUint32(20, errno === 0 ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0, true);
  for (;;) {
    if (load().ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) === 0) return;
    const e = load().k.errno();
    if (e === EINTR) continue;
    if (e === 2 /* ENOENT */) return;
    throw new SyscallError('ioctl SECCOMP_IOCTL_NOTIF_SEND', e);
  }
}
