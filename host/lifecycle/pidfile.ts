import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Written whole and renamed into place: engines poll for the file and must never read half of it. */
export function writePidFile(path: string, pid: number): void {
  const abs = resolve(path);
  const tmp = `${abs}.kago-tmp`;
  writeFileSync(tmp, String(pid), { mode: 0o644 });
  renameSync(tmp, abs);
}
