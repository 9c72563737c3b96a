// Running the programs under test: wall time of one whole process, its peak
// RSS (through wait4's rusage, as GNU time reports it), and the resident
// memory of a live process.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';

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

// The measuring wrapper (bench/tools/rusage.c), built once per run by main.mjs.
let rusageTool = '';
export function useRusageTool(path) {
  rusageTool = path;
}

/**
 * One run of argv through the wrapper: wall ms, CPU ms (user + system of argv
 * and the children it waited for, from wait4), peak RSS KiB and minor faults.
 * Throws unless the exit status is 0, or is one of `allow`.
 * @param {string[]} argv
 * @param {{ logFile: string, env?: NodeJS.ProcessEnv, allow?: number[] }} options
 */
export function measured(argv, { logFile, env, allow = [] }) {
  const out = `${logFile}.rusage`;
  timed([rusageTool, out, ...argv], { logFile, env });
  const [wall, user, sys, rss, minflt, status] = readFileSync(out, 'utf8').trim().split(' ').map(Number);
  rmSync(out, { force: true });
  if (status !== 0 && !allow.includes(status)) throw failure(argv, logFile, status);
  return { ms: wall / 1000, cpuMs: (user + sys) / 1000, rssKiB: rss, minflt };
}

export function vmRssKiB(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new BenchError(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

// Starts every argv at once; resolves with the wall time until the last exits.
export function timedConcurrent(argvs, logFile) {
  const t0 = process.hrtime.bigint();
  return Promise.all(
    argvs.map(
      (argv) =>
        new Promise((/** @type {(v?: unknown) => void} */ resolve, reject) => {
          const stdio = stdioTo(logFile);
          const child = spawn(argv[0], argv.slice(1), { stdio });
          closeSync(stdio[2]);
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve() : reject(failure(argv, logFile, code))));
        }),
    ),
  ).then(() => Number(process.hrtime.bigint() - t0) / 1e6);
}
