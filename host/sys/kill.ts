// kill(2) as teardown wants it: a process that has gone already is the goal reached.

export function killProcess(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
