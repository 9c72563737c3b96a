// The stdio of a foreground process without a terminal (`run`, `exec`), as
// runc's setupProcessPipes makes it: three pipes of kago's own, relayed to
// and from kago's stdio. The container never holds kago's caller's
// descriptors (a terminal, files, sockets that /dev/stdout cannot reopen),
// and the pipes can be given to the container's root and user.
import { closeSync, createReadStream, fchownSync, readFileSync, writeSync } from 'node:fs';
import { useNormalJitPolicy } from '../sys/jit.ts';
import { pipe } from '../sys/libc.ts';

export interface ProcessPipes {
  /** the process's ends: its stdin, stdout and stderr */
  child: [number, number, number];
  /** kago's ends: it writes stdin, reads stdout and stderr */
  own: [number, number, number];
}

export function makeProcessPipes(): ProcessPipes {
  const made: number[] = [];
  try {
    const [inR, inW] = pipe();
    made.push(inR, inW);
    const [outR, outW] = pipe();
    made.push(outR, outW);
    const [errR, errW] = pipe();
    made.push(errR, errW);
    return { child: [inR, outW, errW], own: [inW, outR, errR] };
  } catch (e) {
    for (const fd of made) closeSync(fd);
    throw e;
  }
}

/** Closes kago's copies of the process's ends, once the executor has them. */
export function closeChildEnds(p: ProcessPipes): void {
  for (const fd of p.child.splice(0)) closeSync(fd);
}

export function closeProcessPipes(p: ProcessPipes | undefined): void {
  if (!p) return;
  closeChildEnds(p);
  for (const fd of p.own.splice(0)) closeSync(fd);
}

/**
 * runc fchowns the pipes to the container's root (the host uid and gid
 * mapped to 0 in its user namespace), so that root in a user namespace
 * owns them too; a pipe's two ends are one inode.
 */
export function givePipesTo(p: ProcessPipes, uid: number, gid: number): void {
  for (const fd of p.own) fchownSync(fd, uid, gid);
}

/** The host id that id 0 of a /proc/PID/uid_map or gid_map maps to (0 without a user namespace). */
export function hostIdOfRoot(mapText: string): number {
  for (const line of mapText.trim().split('\n')) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside !== undefined && outside !== undefined && count !== undefined && inside <= 0 && 0 < inside + count) return outside - inside;
  }
  return 0;
}

export function rootOfProcess(pid: number): { uid: number; gid: number } {
  return { uid: hostIdOfRoot(readFileSync(`/proc/${pid}/uid_map`, 'utf8')), gid: hostIdOfRoot(readFileSync(`/proc/${pid}/gid_map`, 'utf8')) };
}

/** Copies kago's stdin into the process and its output out, until the process's ends are all closed. */
export function relayPipes(p: ProcessPipes): { done: Promise<void> } {
  useNormalJitPolicy();
  const [inW, outR, errR] = p.own;
  let stdinOpen = true;
  const closeStdin = () => {
    if (!stdinOpen) return;
    stdinOpen = false;
    closeSync(inW!);
  };
  const stdin = process.stdin;
  const toProcess = (chunk: Buffer) => {
    try {
      writeSync(inW!, chunk);
    } catch {
      // the process closed its stdin
      stdin.off('data', toProcess);
      closeStdin();
    }
  };
  stdin.on('data', toProcess);
  stdin.on('end', closeStdin);
  stdin.on('error', closeStdin);
  stdin.resume();
  const copy = (fd: number, out: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      const stream = createReadStream('', { fd, autoClose: true, highWaterMark: 64 * 1024 });
      stream.on('data', (chunk) => out.write(chunk));
      stream.on('error', () => resolve());
      stream.on('close', () => resolve());
    });
  const done = Promise.all([copy(outR!, process.stdout), copy(errR!, process.stderr)]).then(() => {
    stdin.off('data', toProcess);
    stdin.pause();
    closeStdin();
    p.own.splice(0);
  });
  return { done };
}
