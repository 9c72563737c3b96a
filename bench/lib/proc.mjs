// Running the programs under test: wall time of one whole process, its peak
// RSS (through wait4's rusage, as GNU time reports it), and the resident
// memory of a live process.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export class BenchError extends Error {}

// stdout and stdin are never pipes: a container inherits the runtime's stdio,
// and a pipe would keep the caller waiting until the container exits.
/** @returns {['ignore', 'ignore', number]} */
function stdioTo(logFile) {
  return ['ignore', 'ignore', openSync(logFile, 'a')];
}

function failure(argv, logFile, status) {
  const text = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
  return new BenchError(`${argv.join(' ')}: exit ${status}${text ? `: ${text}` : ''}`);
}

// Milliseconds from spawn to exit; throws unless the exit status is 0.
/** @param {string[]} argv @param {{ logFile: string, env?: NodeJS.ProcessEnv }} options */
export function timed(argv, { logFile, env }) {
  const stdio = stdioTo(logFile);
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio, env: env ?? process.env });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error) throw r.error;
    if (r.status !== 0) throw failure(argv, logFile, r.status);
    return ms;
  } finally {
    closeSync(stdio[2]);
  }
}

// Runs argv, ignoring its outcome (cleanup).
export function quiet(argv) {
  spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
}

export function output(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new BenchError(`${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// Peak resident set of the process argv (and of what it waited for), in KiB.
export function peakRssKiB(argv, { logFile, scratch }) {
  const out = join(scratch, 'time.out');
  timed(['/usr/bin/time', '-f', '%M', '-o', out, ...argv], { logFile });
  const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  rmSync(out, { force: true });
  return kib;
}

export function vmRssKiB(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new BenchError(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

// Starts every argv at once; resolves with the wall time until the last exits.
export function timedConcurrent(argvs, logFile) {
  const t0 = process.hrtime.bigint();
  return Promise.all(argvs.map((argv) => new Promise((/** @type {(v?: unknown) => void} */ resolve, reject) => {
    const stdio = stdioTo(logFile);
    const child = spawn(argv[0], argv.slice(1), { stdio });
    closeSync(stdio[2]);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(failure(argv, logFile, code))));
  }))).then(() => Number(process.hrtime.bigint() - t0) / 1e6);
}
