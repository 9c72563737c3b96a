// Files kago writes as root in directories that are not its own: the pid
// file, `--log`, `kago spec`'s config.json. Such a directory (/tmp, a
// bundle a user owns) may hold whatever another user planted there: a
// symlink to /etc/shadow, a hard link, a FIFO that blocks the writer. No
// create here follows a symlink, overwrites a file kago did not make (except
// the log, which is appended to by contract, and then only a plain file with
// one link) or uses a name another user could guess ahead.
// docs/security.md lists every such path and the rule it follows.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KagoError } from './errors.ts';

const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_WRONLY } = constants;

const REASONS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ELOOP: 'is a symbolic link (refused: kago does not follow one here)',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
  EXDEV: 'cannot be replaced across file systems',
  ENXIO: 'is not a regular file',
};

/** "its directory does not exist" for ENOENT, and so on: one line that names no temporary file. */
export function fileErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code && REASONS[code]) return REASONS[code]!;
  return code ?? (e as Error).message;
}

function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
}

/**
 * Replaces `path` with a file holding `data`, whole: written under a random
 * name in the same directory (so the rename is atomic and a reader never
 * sees half of it) that is created O_EXCL|O_NOFOLLOW, so a planted name can
 * neither redirect the write nor be guessed in advance. A symlink at `path`
 * itself is replaced, not followed (rename never follows). On any failure
 * nothing is left; the error names the user's path, after `what` ("--pid-file ").
 */
export function replaceFile(what: string, path: string, data: string, mode: number): void {
  const abs = resolve(path);
  const tmp = join(dirname(abs), `.${basename(abs)}.${randomBytes(8).toString('hex')}.kago-tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (e) {
    throw new KagoError(`${what}${path}`, fileErrorReason(e));
  }
  try {
    try {
      // The mode the engines expect whatever kago's umask.
      fchmodSync(fd, mode);
      writeAll(fd, Buffer.from(data));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, abs);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone: the rename happened, or someone removed it
    }
    throw new KagoError(`${what}${path}`, fileErrorReason(e));
  }
}

/** A new file at `path`: never an existing one, never through a symlink. */
export function createNewFile(what: string, path: string, data: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (e) {
    throw new KagoError(`${what}${path}`, fileErrorReason(e));
  }
  try {
    writeAll(fd, Buffer.from(data));
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw new KagoError(`${what}${path}`, fileErrorReason(e));
  }
  closeSync(fd);
}

/**
 * Opens a file to append to, creating it (0644, as runc) when missing. An
 * existing one must be a plain file with one link: not a symlink (O_NOFOLLOW),
 * not a FIFO or device (O_NONBLOCK so a FIFO cannot hang kago before the
 * check), not a hard link to another file (with fs.protected_hardlinks=0 a
 * user can link /etc/passwd into /tmp).
 */
export function openForAppend(what: string, path: string): number {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o644);
  } catch (e) {
    throw new KagoError(`${what}${path}`, fileErrorReason(e));
  }
  const st = fstatSync(fd);
  const problem = !st.isFile() ? 'is not a regular file' : st.nlink !== 1 ? `has ${st.nlink} hard links (refused: it may be another file's)` : undefined;
  if (problem) {
    closeSync(fd);
    throw new KagoError(`${what}${path}`, problem);
  }
  return fd;
}
