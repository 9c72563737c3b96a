// Prints kago's and libseccomp's filters for a profile side by side:
// instructions, mean and max instructions executed per syscall number
// 0..450 of each architecture (measured by kago's interpreter), compile time.
// usage: node bench/seccomp-table.mjs [profile.json] [ARCH,ARCH,...]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instantiateNapiModuleSync } from '@emnapi/core';
import { getDefaultContext } from '@emnapi/runtime';
import { WASI } from '@tybys/wasm-util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const profile = process.argv[2] ?? join(root, '..', 'shared', 'data', 'seccomp-docker-default.oci.json');
const arches = process.argv[3] ?? 'SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32';

const dir = mkdtempSync(join(tmpdir(), 'kago-seccomp-bench-'));
const c = (d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.c'))
    .map((f) => join(root, d, f));
const flags = ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror'];
const common = [...c('core-c/json'), ...c('core-c/common')];
const tool = join(dir, 'tool');
const oracle = join(dir, 'oracle');
execFileSync('cc', [...flags, '-o', tool, ...common, ...c('core-c/seccomp'), join(root, 'test/seccomp/seccomp_tool.c')]);
execFileSync('cc', [
  ...flags,
  '-D_GNU_SOURCE',
  '-o',
  oracle,
  ...common,
  ...c('core-c/seccomp').filter((f) => /syscalls(\.gen)?\.c$/.test(f)),
  join(root, 'test/seccomp/libseccomp_oracle.c'),
  '-lseccomp',
]);

const json = (cmd, args) => JSON.parse(execFileSync(cmd, args, { encoding: 'utf8' }));
function stats(bpf) {
  return json(tool, ['stats', bpf, arches]);
}
function timeOracle(optimize) {
  const t0 = process.hrtime.bigint();
  const n = 20;
  for (let i = 0; i < n; i++) execFileSync(oracle, [profile, arches, join(dir, 't.bpf'), optimize]);
  const t1 = process.hrtime.bigint();
  const t2 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) execFileSync('true');
  const t3 = process.hrtime.bigint();
  // subtracts the cost of starting a process, keeps parse + build + export
  return Math.max(0, Number(t1 - t0 - (t3 - t2)) / n / 1e6);
}

const rows = [];
execFileSync(oracle, [profile, arches, join(dir, 'l1.bpf'), '1']);
execFileSync(oracle, [profile, arches, join(dir, 'l2.bpf'), '2']);
execFileSync(tool, ['compile', profile, arches, join(dir, 'k.bpf')]);
rows.push(['libseccomp default', stats(join(dir, 'l1.bpf')), `${timeOracle('1').toFixed(2)} ms (process)`]);
rows.push(['libseccomp binary tree', stats(join(dir, 'l2.bpf')), `${timeOracle('2').toFixed(2)} ms (process)`]);

const native = json(tool, ['time', profile, arches, '500']).microseconds;
const w = new WASI({ version: 'preview1' });
const wasi = { wasiImport: w.wasiImport, initialize: (i) => void w.initialize(i), start: () => 0 };
const { napiModule } = instantiateNapiModuleSync(readFileSync(join(root, 'wasm/kago-core.wasm')), {
  wasi,
  context: getDefaultContext(),
});
const text = readFileSync(profile, 'utf8');
for (let i = 0; i < 20; i++) napiModule.exports.compileSeccomp(text, arches);
const times = [];
for (let i = 0; i < 101; i++) {
  const t0 = process.hrtime.bigint();
  napiModule.exports.compileSeccomp(text, arches);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
rows.push(['kago', stats(join(dir, 'k.bpf')), `${times[50].toFixed(3)} ms wasm (median), ${(native / 1000).toFixed(3)} ms native`]);

console.log(`profile: ${profile}\narches: ${arches}\n`);
const names = arches
  .split(',')
  .map((a) => a.replace('SCMP_ARCH_', '').toLowerCase())
  .join(' / ');
console.log(['filter', 'instructions', `mean executed (${names})`, 'max executed', 'compile'].join(' | '));
for (const [name, s, t] of rows) {
  const mean = s.arches.map((a) => a.mean.toFixed(1)).join(' / ');
  const max = Math.max(...s.arches.map((a) => a.max));
  console.log([name, s.instructions, mean, max, t].join(' | '));
}
rmSync(dir, { recursive: true, force: true });
