// Fault injection for the crash tests, compiled into the test build only
// (`make test-build`: scripts/bundle.mjs --faults defines __KAGO_FAULTS__,
// and the executor is built with -DKAGO_FAULT_INJECTION). In the shipped
// build __KAGO_FAULTS__ is false, and the bundler drops every branch that
// tests it, with the names of the variables: the test is written out at
// each use, not kept in a const, so that each branch folds to `if (false)`.

/** Set at build time; undefined (so false) when the sources run as they are. */
declare const __KAGO_FAULTS__: boolean | undefined;

/** KAGO_CRASH_AFTER_OP=<n>: the executor asks kago to die right after plan operation n. */
export function executorFaultEnv(): Record<string, string> {
  if (typeof __KAGO_FAULTS__ !== 'undefined' && __KAGO_FAULTS__ && process.env.KAGO_CRASH_AFTER_OP) {
    return { KAGO_CRASH_AFTER_OP: process.env.KAGO_CRASH_AFTER_OP };
  }
  return {};
}

/** KAGO_CRASH_AT=<point>: kago kills itself at that point of create. */
export function crashAt(point: string): void {
  if (typeof __KAGO_FAULTS__ !== 'undefined' && __KAGO_FAULTS__ && process.env.KAGO_CRASH_AT === point) crashNow();
}

/** kill -9 of kago itself, as a crash would end it; returns (false) only in a build without fault injection. */
export function crashNow(): boolean {
  if (typeof __KAGO_FAULTS__ !== 'undefined' && __KAGO_FAULTS__) process.kill(process.pid, 'SIGKILL');
  return false;
}
