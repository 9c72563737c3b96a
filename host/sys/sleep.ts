// Blocking for a few milliseconds, as kago's synchronous command flow
// needs while it polls (a process to end, a cgroup to empty, a file to
// appear): Atomics.wait on a cell nothing ever notifies.
const cell = new Int32Array(new SharedArrayBuffer(4));

export function sleepMs(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}
