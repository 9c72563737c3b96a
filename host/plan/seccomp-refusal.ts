// Which system calls a compiled filter kills or refuses, asked of the core's
// BPF interpreter: when init dies or execve fails after the filter is
// loaded, the profile is the likely cause and this names the calls.
import { getCore } from '../core.ts';
import { logFailure } from '../log.ts';
import { NATIVE_ARCH } from './seccomp.ts';

/** The names in `calls` the filter does not let through on this machine's architecture (none when that cannot be told). */
export function refusedByFilter(filter: Uint8Array, calls: readonly string[]): string[] {
  const arch = NATIVE_ARCH[process.arch];
  try {
    const core = getCore();
    const table = arch ? core.syscalls.table(arch) : null;
    if (!arch || !table) return [];
    const bpf = filter.buffer.slice(filter.byteOffset, filter.byteOffset + filter.byteLength) as ArrayBuffer;
    return calls.filter((name) => {
      const nr = table.numbers.get(name);
      if (nr === undefined) return false;
      // A notify action waits for the agent: not a refusal.
      return !['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY'].includes(core.seccomp.simulate(bpf, arch, nr).action);
    });
  } catch (e) {
    logFailure('which calls the filter refuses cannot be told', e);
    return [];
  }
}
