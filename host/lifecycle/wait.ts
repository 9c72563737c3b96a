// Waiting in the foreground for a process kago started (`run`, `exec`): it
// is kago's own child through CLONE_PARENT, so waitid works; signals kago
// receives are passed on to it, as runc does.
import { builtin } from '../sys/builtin.ts';
import { reapIfExited } from '../sys/libc.ts';
import { killProcess } from '../sys/kill.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/** Resolves with the exit status, 128+N when killed by signal N. */
export function waitForChild(pid: number): Promise<number> {
  return new Promise((resolve) => {
    const forwarders = FORWARDED.map((sig) => {
      const handler = () => killProcess(pid, builtin('node:os').constants.signals[sig]);
      process.on(sig, handler);
      return () => process.off(sig, handler);
    });
    const check = () => {
      const r = reapIfExited(pid);
      if (!r.exited) return;
      clearInterval(poll);
      process.off('SIGCHLD', check);
      for (const off of forwarders) off();
      resolve(r.code);
    };
    process.on('SIGCHLD', check);
    // SIGCHLD can arrive before the listener exists; the interval also keeps
    // the event loop alive, which signal listeners do not.
    const poll = setInterval(check, 250);
    check();
  });
}
