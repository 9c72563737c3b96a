// The supervisor's side of SECCOMP_RET_USER_NOTIF (seccomp_unotify(2)):
// receiving a notification and answering it; the listener is taken out of
// init with sys/libc.ts's pidfdGetfd and waited on with its pollOne. Only
// the recorder (seccomp-record/recorder.ts) uses these.
import { ioctlErrno, SyscallError } from './libc.ts';

const EINTR = 4;

// include/uapi/linux/seccomp.h: _IOWR('!', 0, struct seccomp_notif) and
// _IOWR('!', 1, struct seccomp_notif_resp).
const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100;
const SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;
const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
/** sizeof(struct seccomp_notif): id, pid, flags, then struct seccomp_data. */
const NOTIF_SIZE = 80;

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
    const errno = ioctlErrno(listener, SECCOMP_IOCTL_NOTIF_RECV, notif);
    if (errno === 0) break;
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
    const e = ioctlErrno(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
    if (e === 0) return;
    if (e === EINTR) continue;
    if (e === 2 /* ENOENT */) return;
    throw new SyscallError('ioctl SECCOMP_IOCTL_NOTIF_SEND', e);
  }
}
