import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const kagoBin = join(repoRoot, 'bin', 'kago');
/** the same host on Node.js */
export const kagoNodeBin = join(repoRoot, 'bin', 'kago-node');
/** The test build (`make test-build`): kago and its executor with the crash tests' fault injection (KAGO_CRASH_AT, KAGO_CRASH_AFTER_OP). */
export const faultInjectingKagoBin = join(repoRoot, 'build', 'test', 'bin', 'kago');
export const sharedData = join(repoRoot, '..', 'shared', 'data');
/** The reference runtime that behaviour tests compare kago with (Debian's runc 1.1.5). */
export const runcBin = '/usr/sbin/runc';
