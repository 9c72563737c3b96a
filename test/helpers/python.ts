// The small Python stand-ins the tests use for engines and agents
// (console-receiver.py, seccomp-agent.py): each prints "listening" once its
// socket is bound, and one JSON line when it is done.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

export interface Listener<T> {
  listening: Promise<void>;
  result: Promise<T>;
}

export function pythonListener<T>(script: string, args: string[]): Listener<T> {
  const child = spawn('python3', [join(repoRoot, 'test/helpers', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready: () => void = () => {};
  const listening = new Promise<void>((resolve) => (ready = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('listening\n')) ready();
  });
  const result = new Promise<T>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('listening\n'.length)) as T) : reject(new Error(`${script} exited ${code}`))));
  });
  return { listening, result };
}
