// ps: the container's processes. runc prints `ps -ef` lines filtered to the
// container's pids; kago reads the same columns from /proc itself.
import { readFileSync, readlinkSync } from 'node:fs';
import { cgroupPids } from '../cgroups/placement.ts';
import { KagoError } from '../errors.ts';
import type { StateStore } from '../state/store.ts';

export function containerPids(store: StateStore, id: string): number[] {
  const state = store.read(id);
  if (store.status(state) === 'stopped') return [];
  return cgroupPids(state.kago.cgroup.dirs).sort((a, b) => a - b);
}

// sysconf(_SC_CLK_TCK): 100 on every Linux architecture Node runs on.
const CLK_TCK = 100;

interface ProcRow {
  uid: number;
  pid: number;
  ppid: number;
  startTicks: number;
  cpuTicks: number;
  ttyNr: number;
  cmd: string;
}

function readProcRow(pid: number): ProcRow | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after "(comm) ": state is field 3, so index i is field i + 3.
    const f = stat.slice(close + 2).split(' ');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    return {
      uid,
      pid,
      ppid: Number(f[1]),
      ttyNr: Number(f[4]),
      cpuTicks: Number(f[11]) + Number(f[12]),
      startTicks: Number(f[19]),
      cmd: argv.length ? argv.join(' ') : `[${comm}]`,
    };
  } catch {
    return null;
  }
}

function userNames(): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid && !names.has(Number(uid))) names.set(Number(uid), name);
    }
  } catch {
    // numbers then
  }
  return names;
}

function ttyName(ttyNr: number, pid: number): string {
  if (ttyNr === 0) return '?';
  try {
    const link = readlinkSync(`/proc/${pid}/fd/0`);
    if (link.startsWith('/dev/')) return link.slice(5);
  } catch {
    // fall back to the numbers
  }
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  return major === 136 ? `pts/${minor}` : `${major}:${minor}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function cpuTime(ticks: number): string {
  const s = Math.floor(ticks / CLK_TCK);
  const days = Math.floor(s / 86400);
  const hms = `${pad2(Math.floor((s % 86400) / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  return days ? `${days}-${hms}` : hms;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `ps -ef`'s columns: UID PID PPID C STIME TTY TIME CMD. */
export function psTable(pids: readonly number[]): string {
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const now = Date.now();
  const bootMs = now - uptime * 1000;
  const names = userNames();
  const rows = [['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']];
  for (const pid of pids) {
    const r = readProcRow(pid);
    if (!r) continue;
    const startMs = bootMs + (r.startTicks / CLK_TCK) * 1000;
    const elapsed = Math.max((now - startMs) / 1000, 1 / CLK_TCK);
    const cpu = Math.min(99, Math.floor(((r.cpuTicks / CLK_TCK) / elapsed) * 100));
    const start = new Date(startMs);
    const today = new Date(now).toDateString() === start.toDateString();
    const stime = today ? `${pad2(start.getHours())}:${pad2(start.getMinutes())}` : `${MONTHS[start.getMonth()]}${pad2(start.getDate())}`;
    rows.push([names.get(r.uid) ?? String(r.uid), String(r.pid), String(r.ppid), String(cpu), stime, ttyName(r.ttyNr, r.pid), cpuTime(r.cpuTicks), r.cmd]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' '))
    .join('\n') + '\n';
}

export function psOptionsSupported(args: readonly string[]): void {
  // runc hands extra arguments to ps(1); kago builds the ps -ef table itself.
  if (args.length > 0 && !(args.length === 1 && args[0] === '-ef')) {
    throw new KagoError('ps', `options ${JSON.stringify(args.join(' '))} are not supported: kago prints the columns of ps -ef`);
  }
}

