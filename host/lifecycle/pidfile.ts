import { replaceFile } from '../files.ts';

/**
 * Written whole and renamed into place: engines poll for the file and must
 * never read half of it. The directory is often one other users can write
 * (/tmp): files.ts says how the temporary file stays theirs to plant nothing in.
 */
export function writePidFile(path: string, pid: number): void {
  replaceFile('--pid-file ', path, String(pid), 0o644);
}
