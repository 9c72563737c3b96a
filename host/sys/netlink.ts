// rtnetlink over koffi: just enough to move a network interface into another
// network namespace and rename it (RTM_NEWLINK with IFLA_NET_NS_FD and
// IFLA_IFNAME, rtnetlink(7)). Loaded on first use, like sys/libc.ts.
import { closeSync } from 'node:fs';
import { type Koffi, loadKoffi } from './koffi.ts';
import { SyscallError } from './libc.ts';

type Fn = (...args: unknown[]) => number;

interface NetlinkLibc {
  socket: Fn;
  send: Fn;
  recv: Fn;
  if_nametoindex: Fn;
}

let loaded: { c: NetlinkLibc; koffi: Koffi } | null = null;

function load(): { c: NetlinkLibc; koffi: Koffi } {
  if (loaded) return loaded;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  loaded = {
    koffi,
    c: {
      socket: lib.func('int socket(int domain, int type, int protocol)'),
      send: lib.func('long send(int fd, const uint8_t *buf, size_t len, int flags)'),
      recv: lib.func('long recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)'),
      if_nametoindex: lib.func('uint32_t if_nametoindex(const char *name)'),
    },
  };
  return loaded;
}

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const RTM_NEWLINK = 16;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const IFLA_IFNAME = 3;
const IFLA_NET_NS_FD = 28;
const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;

const align4 = (n: number) => (n + 3) & ~3;

function attribute(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(align4(4 + payload.length));
  const v = new DataView(out.buffer);
  v.setUint16(0, 4 + payload.length, true);
  v.setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}

/** RTM_NEWLINK for an existing interface: move it to the namespace of netnsFd and give it newName there. */
export function newLinkMessage(ifindex: number, netnsFd: number, newName: string, seq: number): Uint8Array {
  const fd = new Uint8Array(4);
  new DataView(fd.buffer).setUint32(0, netnsFd, true);
  const name = new TextEncoder().encode(`${newName}\0`);
  const attrs = [attribute(IFLA_NET_NS_FD, fd), attribute(IFLA_IFNAME, name)];
  const len = NLMSG_HDRLEN + IFINFOMSG_LEN + attrs.reduce((n, a) => n + a.length, 0);
  const msg = new Uint8Array(len);
  const v = new DataView(msg.buffer);
  v.setUint32(0, len, true);
  v.setUint16(4, RTM_NEWLINK, true);
  v.setUint16(6, NLM_F_REQUEST | NLM_F_ACK, true);
  v.setUint32(8, seq, true);
  // ifinfomsg: family AF_UNSPEC, type 0, index, flags 0, change 0
  v.setInt32(NLMSG_HDRLEN + 4, ifindex, true);
  let at = NLMSG_HDRLEN + IFINFOMSG_LEN;
  for (const a of attrs) {
    msg.set(a, at);
    at += a.length;
  }
  return msg;
}

export function interfaceIndex(name: string): number {
  const { c, koffi } = load();
  const index = c.if_nametoindex(name);
  if (index === 0) throw new SyscallError(`find network interface ${name}`, koffi.errno());
  return index;
}

/** Sends one request and waits for its acknowledgement; throws the kernel's errno. */
export function netlinkRequest(what: string, build: (seq: number) => Uint8Array): void {
  const { c, koffi } = load();
  const sock = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) throw new SyscallError('socket(AF_NETLINK)', koffi.errno());
  try {
    const seq = 1;
    const msg = build(seq);
    if (c.send(sock, msg, msg.length, 0) !== msg.length) throw new SyscallError(what, koffi.errno());
    const reply = new Uint8Array(8192);
    for (;;) {
      const n = c.recv(sock, reply, reply.length, 0);
      if (n < 0) throw new SyscallError(what, koffi.errno());
      const v = new DataView(reply.buffer);
      for (let at = 0; at + NLMSG_HDRLEN <= n; ) {
        const len = v.getUint32(at, true);
        const type = v.getUint16(at + 4, true);
        if (type === NLMSG_ERROR && v.getUint32(at + 8, true) === seq) {
          const error = v.getInt32(at + NLMSG_HDRLEN, true);
          if (error < 0) throw new SyscallError(what, -error);
          return;
        }
        if (len < NLMSG_HDRLEN) break;
        at += align4(len);
      }
    }
  } finally {
    closeSync(sock);
  }
}
