// `kago ps ID [ps options]`: runc hands the options to ps(1) and keeps the
// lines of the container's pids. kago runs no system tools, so it reads
// /proc itself and lays out the columns the way procps-ng does for the
// options people pass: UNIX -e/-A/-a/-f/-o LIST, BSD a/x/u/e/w (and -x).
import { readFileSync, readlinkSync } from 'node:fs';
import { KagoError } from '../errors.ts';

// sysconf(_SC_CLK_TCK) and the page size: 100 and 4096 on every Linux architecture Node runs on.
const CLK_TCK = 100;
const PAGE_KIB = 4;

export interface ProcRow {
  pid: number;
  ppid: number;
  pgrp: number;
  sid: number;
  tpgid: number;
  uid: number;
  state: string;
  nice: number;
  threads: number;
  locked: boolean;
  ttyNr: number;
  cpuTicks: number;
  startTicks: number;
  vszKib: number;
  rssKib: number;
  comm: string;
  args: string;
}

export function readProcRow(pid: number): ProcRow | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields after "(comm) ": state is field 3, so index i is field i + 3 (proc(5)).
    const f = stat.slice(close + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1')
      .split('\0')
      .filter((a, i, all) => a !== '' || i < all.length - 1);
    return {
      pid,
      state: f[0]!,
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      sid: Number(f[3]),
      ttyNr: Number(f[4]),
      tpgid: Number(f[5]),
      cpuTicks: Number(f[11]) + Number(f[12]),
      nice: Number(f[16]),
      threads: Number(f[17]),
      startTicks: Number(f[19]),
      vszKib: Math.floor(Number(f[20]) / 1024),
      rssKib: Number(f[21]) * PAGE_KIB,
      uid: Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      locked: Number(/^VmLck:\s+(\d+)/m.exec(status)?.[1] ?? 0) > 0,
      comm,
      args: argv.length ? argv.join(' ') : `[${comm}]`,
    };
  } catch {
    return null;
  }
}

/** What every column needs besides the row: the clock, user names, memory. */
export interface PsContext {
  nowMs: number;
  bootMs: number;
  memTotalKib: number;
  userName(uid: number): string;
  environ(pid: number): string;
}

export function psContext(): PsContext {
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const nowMs = Date.now();
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid && !names.has(Number(uid))) names.set(Number(uid), name);
    }
  } catch {
    // numbers then
  }
  const memTotalKib = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'latin1'))?.[1] ?? 0);
  return {
    nowMs,
    bootMs: nowMs - uptime * 1000,
    memTotalKib,
    userName: (uid) => names.get(uid) ?? String(uid),
    environ: (pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean).join(' ');
      } catch {
        return '';
      }
    },
  };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function startMs(r: ProcRow, c: PsContext): number {
  return c.bootMs + (r.startTicks / CLK_TCK) * 1000;
}

function elapsedSeconds(r: ProcRow, c: PsContext): number {
  return Math.max((c.nowMs - startMs(r, c)) / 1000, 1 / CLK_TCK);
}

/** procps' STIME/START: the time of day when started today, else month and day. */
function startTime(r: ProcRow, c: PsContext): string {
  const start = new Date(startMs(r, c));
  const today = new Date(c.nowMs).toDateString() === start.toDateString();
  return today ? `${pad2(start.getHours())}:${pad2(start.getMinutes())}` : `${MONTHS[start.getMonth()]}${pad2(start.getDate())}`;
}

/** UNIX TIME: [DD-]HH:MM:SS of CPU time. */
function cpuTime(ticks: number): string {
  const s = Math.floor(ticks / CLK_TCK);
  const days = Math.floor(s / 86400);
  const hms = `${pad2(Math.floor((s % 86400) / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  return days ? `${days}-${hms}` : hms;
}

/** BSD TIME: M:SS of CPU time. */
function bsdTime(ticks: number): string {
  const s = Math.floor(ticks / CLK_TCK);
  return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
}

function ttyName(r: ProcRow): string {
  if (r.ttyNr === 0) return '?';
  try {
    const link = readlinkSync(`/proc/${r.pid}/fd/0`);
    if (link.startsWith('/dev/')) return link.slice(5);
  } catch {
    // fall back to the numbers
  }
  const major = (r.ttyNr >> 8) & 0xfff;
  const minor = (r.ttyNr & 0xff) | ((r.ttyNr >> 12) & 0xfff00);
  return major === 136 ? `pts/${minor}` : `${major}:${minor}`;
}

/** procps' STAT: the state letter, then < or N (nice), L (locked pages), s (session leader), l (threads), + (foreground). */
function statText(r: ProcRow): string {
  return (
    r.state +
    (r.nice < 0 ? '<' : r.nice > 0 ? 'N' : '') +
    (r.locked ? 'L' : '') +
    (r.sid === r.pid ? 's' : '') +
    (r.threads > 1 ? 'l' : '') +
    (r.ttyNr !== 0 && r.tpgid === r.pgrp ? '+' : '')
  );
}

function percent(part: number, whole: number): string {
  return whole > 0 ? (Math.floor((part * 1000) / whole) / 10).toFixed(1) : '0.0';
}

interface Column {
  header: string;
  width: number;
  right: boolean;
  value(r: ProcRow, c: PsContext): string;
}

const col = (header: string, width: number, right: boolean, value: Column['value']): Column => ({ header, width, right, value });

/** The columns of procps' -o, by their names (ps(1) "STANDARD FORMAT SPECIFIERS"). */
const COLUMNS: Record<string, Column> = {
  pid: col('PID', 5, true, (r) => String(r.pid)),
  ppid: col('PPID', 5, true, (r) => String(r.ppid)),
  pgid: col('PGID', 5, true, (r) => String(r.pgrp)),
  sid: col('SID', 5, true, (r) => String(r.sid)),
  uid: col('UID', 5, true, (r) => String(r.uid)),
  user: col('USER', 8, false, (r, c) => c.userName(r.uid)),
  comm: col('COMMAND', 15, false, (r) => r.comm),
  args: col('COMMAND', 0, false, (r) => r.args),
  cmd: col('CMD', 0, false, (r) => r.args),
  stat: col('STAT', 4, false, statText),
  tty: col('TT', 8, false, ttyName),
  time: col('TIME', 8, true, (r) => cpuTime(r.cpuTicks)),
  c: col('C', 2, true, (r, c) => String(Math.min(99, Math.floor((r.cpuTicks / CLK_TCK / elapsedSeconds(r, c)) * 100)))),
  stime: col('STIME', 5, false, startTime),
  rss: col('RSS', 5, true, (r) => String(r.rssKib)),
  vsz: col('VSZ', 6, true, (r) => String(r.vszKib)),
  pcpu: col('%CPU', 4, true, (r, c) => percent(r.cpuTicks / CLK_TCK, elapsedSeconds(r, c))),
  pmem: col('%MEM', 4, true, (r, c) => percent(r.rssKib, c.memTotalKib)),
  ni: col('NI', 3, true, (r) => String(r.nice)),
  nlwp: col('NLWP', 4, true, (r) => String(r.threads)),
};
const ALIASES: Record<string, string> = {
  command: 'args',
  tt: 'tty',
  tname: 'tty',
  cputime: 'time',
  start_time: 'stime',
  '%cpu': 'pcpu',
  '%mem': 'pmem',
  rssize: 'rss',
  vsize: 'vsz',
  pgrp: 'pgid',
  sess: 'sid',
  session: 'sid',
  nice: 'ni',
  thcount: 'nlwp',
  s: 'stat',
  ucmd: 'comm',
};

const named = (name: string, header?: string, width?: number): Column => ({
  ...COLUMNS[name]!,
  ...(header !== undefined ? { header } : {}),
  ...(width !== undefined ? { width } : {}),
});

// The formats procps chooses without -o.
const UNIX_DEFAULT = [named('pid'), named('tty', 'TTY'), named('time'), named('comm', 'CMD', 0)];
const UNIX_FULL = [named('user', 'UID'), named('pid'), named('ppid'), named('c'), named('stime'), named('tty', 'TTY'), named('time'), named('cmd')];
const BSD_TIME = col('TIME', 6, true, (r) => bsdTime(r.cpuTicks));
const BSD_X = [named('pid'), named('tty', 'TTY'), named('stat'), BSD_TIME, named('args')];
const BSD_U = [
  named('user'),
  named('pid'),
  named('pcpu'),
  named('pmem'),
  named('vsz'),
  named('rss'),
  named('tty', 'TTY'),
  named('stat'),
  named('stime', 'START'),
  BSD_TIME,
  named('args'),
];

export interface PsFormat {
  columns: Column[];
  /** BSD e: the environment after the command */
  environment: boolean;
}

function customColumns(list: string, option: string): Column[] {
  // "pid,comm", "pid comm", "pid=Process" (a header of its own; "=" alone: none)
  return list
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((spec) => {
      const eq = spec.indexOf('=');
      const name = (eq < 0 ? spec : spec.slice(0, eq)).toLowerCase();
      const key = ALIASES[name] ?? name;
      if (!COLUMNS[key]) throw new KagoError(`ps ${option} ${list}`, `unknown or unsupported column ${JSON.stringify(name)}`);
      return named(key, eq < 0 ? undefined : spec.slice(eq + 1));
    });
}

/** The ps(1) arguments of `kago ps ID ARGS...`; none means runc's default, -ef. */
export function parsePsOptions(args: readonly string[]): PsFormat {
  let full = false;
  let unixAll = false;
  let bsdX = false;
  let bsdU = false;
  let bsdE = false;
  let custom: Column[] | undefined;
  const list = args.length ? args : ['-ef'];
  for (let i = 0; i < list.length; i++) {
    const arg = list[i]!;
    const unix = arg.startsWith('-');
    const letters = unix ? arg.slice(1) : arg;
    for (let j = 0; j < letters.length; j++) {
      const l = letters[j]!;
      if (l === 'o') {
        const rest = letters.slice(j + 1);
        const spec = rest || list[++i];
        if (spec === undefined) throw new KagoError(`ps ${arg}`, 'needs a list of columns');
        custom = [...(custom ?? []), ...customColumns(spec, arg)];
        break;
      }
      if (unix && (l === 'e' || l === 'A')) unixAll = true;
      else if (unix && l === 'f') full = true;
      else if (l === 'x') bsdX = true;
      else if (!unix && l === 'u') bsdU = true;
      else if (!unix && l === 'e') bsdE = true;
      // Selections: kago shows the container's processes, which is what runc keeps of ps's lines.
      else if (l === 'a' || (unix && l === 'd') || (!unix && l === 'w')) continue;
      else
        throw new KagoError(
          `ps ${arg}`,
          `option ${JSON.stringify(unix ? `-${l}` : l)} is not supported (kago prints ps's columns itself; -e, -A, -a, -f, -o, a, x, u, e and w are)`,
        );
    }
  }
  // procps: with BSD options, -e turns into BSD e and shows the environment.
  const bsd = bsdX || bsdU;
  const columns = custom ?? (bsdU ? BSD_U : bsdX ? BSD_X : full ? UNIX_FULL : UNIX_DEFAULT);
  // runc keeps the lines whose PID column names a pid of the container; without one it fails.
  if (!columns.some((c) => c.header === 'PID')) throw new KagoError('ps', 'the columns must include pid (with its PID header), as runc requires');
  return { columns, environment: bsdE || (bsd && unixAll) };
}

export function renderPs(format: PsFormat, rows: readonly ProcRow[], c: PsContext): string {
  const cells = rows.map((r) =>
    format.columns.map((col, i) => {
      const v = col.value(r, c);
      return format.environment && i === format.columns.length - 1 && (col.header === 'COMMAND' || col.header === 'CMD')
        ? `${v} ${c.environ(r.pid)}`.trimEnd()
        : v;
    }),
  );
  const table = [format.columns.map((col) => col.header), ...cells];
  const widths = format.columns.map((col, i) => Math.max(col.width, ...table.map((row) => row[i]!.length)));
  const last = format.columns.length - 1;
  const lines = table.map((row) =>
    row
      .map((cell, i) => (i === last && !format.columns[i]!.right ? cell : format.columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(' '),
  );
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}

/** The table of `kago ps ID [ps options]`; the options are checked before anything is read. */
export function psTable(pids: readonly number[], psArgs: readonly string[] = []): string {
  const format = parsePsOptions(psArgs);
  const rows = pids.map(readProcRow).filter((r): r is ProcRow => r !== null);
  return renderPs(format, rows, psContext());
}
