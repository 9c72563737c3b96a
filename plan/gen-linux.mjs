// Generates host/linux.gen.ts: the Linux constants the host passes to
// the kernel (in plans, and in its own few system calls), per architecture.
// Usage: node plan/gen-linux.mjs UAPI_INCLUDE_DIR SYSCALLS_CSV OUT.ts
//
// Sources, so that no number is typed in by hand:
// - the kernel's uapi headers (UAPI_INCLUDE_DIR, Debian's linux-libc-dev:
//   /usr/include): linux/sched.h, linux/mount.h, linux/prctl.h, linux/stat.h
//   and asm-generic/fcntl.h, asm-generic/signal.h. What these define is the
//   same on every architecture kago supports, except the open(2) flags that
//   an architecture's asm/fcntl.h overrides (ARCH_FCNTL below);
// - libseccomp's syscalls.csv (../shared/data/syscalls.csv, the table the
//   seccomp compiler is generated from too) for system call numbers.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [include, csvPath, out] = process.argv.slice(2);
if (!include || !csvPath || !out) {
  console.error('usage: gen-linux.mjs UAPI_INCLUDE_DIR SYSCALLS_CSV OUT.ts');
  process.exit(2);
}

/** Node's process.arch -> the column of syscalls.csv. */
const ARCHES = { x64: 'x86_64', arm64: 'aarch64' };

/**
 * open(2) flags an architecture defines before including asm-generic/fcntl.h,
 * whose #ifndef defaults then do not apply: arch/arm64/include/uapi/asm/fcntl.h
 * (its headers are not installed on an x86_64 build host, hence written here).
 * x86_64's asm/fcntl.h only includes the generic one.
 */
const ARCH_FCNTL = {
  x64: {},
  arm64: { O_DIRECTORY: 0o40000, O_NOFOLLOW: 0o100000, O_DIRECT: 0o200000, O_LARGEFILE: 0o400000 },
};

/** Constants the same on every architecture in ARCHES: header, names. */
const COMMON = [
  [
    'linux/sched.h',
    'hex',
    ['CLONE_NEWTIME', 'CLONE_PARENT', 'CLONE_NEWNS', 'CLONE_NEWCGROUP', 'CLONE_NEWUTS', 'CLONE_NEWIPC', 'CLONE_NEWUSER', 'CLONE_NEWPID', 'CLONE_NEWNET'],
  ],
  [
    'linux/mount.h',
    'hex',
    [
      'MS_RDONLY',
      'MS_NOSUID',
      'MS_NODEV',
      'MS_NOEXEC',
      'MS_SYNCHRONOUS',
      'MS_REMOUNT',
      'MS_MANDLOCK',
      'MS_DIRSYNC',
      'MS_NOSYMFOLLOW',
      'MS_NOATIME',
      'MS_NODIRATIME',
      'MS_BIND',
      'MS_MOVE',
      'MS_REC',
      'MS_SILENT',
      'MS_UNBINDABLE',
      'MS_PRIVATE',
      'MS_SLAVE',
      'MS_SHARED',
      'MS_RELATIME',
      'MS_I_VERSION',
      'MS_STRICTATIME',
      'MS_LAZYTIME',
      'MOUNT_ATTR_RDONLY',
      'MOUNT_ATTR_NOSUID',
      'MOUNT_ATTR_NODEV',
      'MOUNT_ATTR_NOEXEC',
      'MOUNT_ATTR__ATIME',
      'MOUNT_ATTR_RELATIME',
      'MOUNT_ATTR_NOATIME',
      'MOUNT_ATTR_STRICTATIME',
      'MOUNT_ATTR_NODIRATIME',
      'MOUNT_ATTR_NOSYMFOLLOW',
    ],
  ],
  ['linux/prctl.h', 'dec', ['PR_SET_PDEATHSIG', 'PR_SET_KEEPCAPS', 'PR_SET_NO_NEW_PRIVS']],
  ['linux/stat.h', 'oct', ['S_IFIFO', 'S_IFCHR', 'S_IFBLK']],
  ['asm-generic/signal.h', 'dec', ['SIGKILL']],
];
/** Per architecture: the open(2) flags (asm-generic/fcntl.h unless ARCH_FCNTL says otherwise) and system calls. */
const FCNTL = ['O_RDONLY', 'O_PATH', 'O_DIRECTORY', 'O_NOFOLLOW', 'O_CLOEXEC', 'O_TMPFILE'];
const SYSCALLS = ['bpf', 'pidfd_open', 'pidfd_send_signal', 'pidfd_getfd'];

/** The #defines of a header whose values are integer expressions of numbers and earlier names. */
function defines(header) {
  const text = readFileSync(join(include, header), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\\\n/g, ' ');
  const values = new Map();
  for (const [, name, expr] of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+(.+)$/gm)) {
    const value = evaluate(expr.trim(), values);
    if (value !== undefined) values.set(name, value);
  }
  return values;
}

/** C integer literals (octal, hex, decimal, U/L suffixes), names defined before, ( ) << | only. */
function evaluate(expr, known) {
  const js = expr
    .replace(/\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b/g, (_, n) => (/^0\d/.test(n) ? `0o${n.slice(1)}` : n))
    .replace(/\b[A-Za-z_][A-Za-z0-9_]*\b/g, (name) => (known.has(name) ? String(known.get(name)) : '#'));
  if (js.includes('#') || !/^[0-9a-fA-FxXo()|<\s]+$/.test(js)) return undefined;
  // Unsigned 32-bit, as the kernel's flags words are.
  return Function(`return (${js}) >>> 0`)();
}

function pick(values, names, where) {
  return names.map((name) => {
    if (!values.has(name)) throw new Error(`${where} does not define ${name}`);
    return [name, values.get(name)];
  });
}

function syscallNumbers() {
  const lines = readFileSync(csvPath, 'utf8')
    .split('\n')
    .filter((l) => (l && !l.startsWith('#')) || l.startsWith('#syscall'));
  const header = lines[0].split(',');
  const rows = new Map(
    lines
      .slice(1)
      .map((l) => l.split(','))
      .map((cols) => [cols[0], cols]),
  );
  const table = {};
  for (const [arch, column] of Object.entries(ARCHES)) {
    const at = header.indexOf(column);
    table[arch] = SYSCALLS.map((name) => {
      const n = Number(rows.get(name)?.[at]);
      if (!Number.isInteger(n)) throw new Error(`${csvPath}: no ${name} for ${column}`);
      return [`SYS_${name}`, n];
    });
  }
  return table;
}

const format = { hex: (v) => (v < 10 ? String(v) : `0x${v.toString(16)}`), oct: (v) => `0o${v.toString(8)}`, dec: String };
const lines = ["// generated by plan/gen-linux.mjs from the kernel's uapi headers and libseccomp's syscalls.csv; do not edit", ''];
for (const [header, base, names] of COMMON) {
  lines.push(`// ${header}`);
  for (const [name, value] of pick(defines(header), names, header)) lines.push(`export const ${name} = ${format[base](value)};`);
  lines.push('');
}
const fcntl = defines('asm-generic/fcntl.h');
const numbers = syscallNumbers();
lines.push('/** What differs between architectures: open(2) flags (asm/fcntl.h) and system call numbers. */');
lines.push('export interface ArchConstants {');
for (const name of [...FCNTL, ...SYSCALLS.map((s) => `SYS_${s}`)]) lines.push(`  readonly ${name}: number;`);
lines.push('}', '');
lines.push("/** By Node's process.arch. */");
lines.push('export const ARCH_CONSTANTS: { readonly [arch: string]: ArchConstants } = {');
for (const arch of Object.keys(ARCHES)) {
  const own = new Map([...fcntl, ...Object.entries(ARCH_FCNTL[arch])]);
  // asm-generic/fcntl.h: O_TMPFILE is (__O_TMPFILE | O_DIRECTORY), with this architecture's O_DIRECTORY.
  own.set('O_TMPFILE', (own.get('__O_TMPFILE') | own.get('O_DIRECTORY')) >>> 0);
  const entries = [...pick(own, FCNTL, `asm-generic/fcntl.h for ${arch}`), ...numbers[arch]];
  lines.push(`  ${arch}: { ${entries.map(([n, v]) => `${n}: ${n.startsWith('SYS_') ? v : `0o${v.toString(8)}`}`).join(', ')} },`);
}
lines.push('};');
writeFileSync(out, `${lines.join('\n')}\n`);
