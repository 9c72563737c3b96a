// Files kago writes as root in directories that are not its own: the pid
// file, `--log`, `kago spec`'s config.json. Such a directory (/tmp, a
// bundle a user owns) may hold whatever another user planted there: a
// symlink to /etc/shadow, a hard link, a FIFO that blocks the writer. No
// create here follows another user's symlink, overwrites a file kago did not
// make (except the log, appended to by contract: a plain file with one link,
// a character device or a FIFO of kago's own) or uses a name another user
// could guess ahead.
// docs/security.md lists every such path and the rule it follows.
import { closeSync, constants, fchmodSync, fstatSync, linkSync, lstatSync, openSync, renameSync, type Stats, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KagoError } from './errors.ts';
import { builtin } from './sys/builtin.ts';

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
 * `data` in a new file beside `abs`, under a random name (created
 * O_EXCL|O_NOFOLLOW, so a planted name can neither redirect the write nor be
 * guessed in advance): its path. exactMode: `mode` whatever kago's umask.
 */
function writeBeside(what: string, path: string, abs: string, data: string, mode: number, exactMode: boolean): string {
  const tmp = join(dirname(abs), `.${basename(abs)}.${builtin('node:crypto').randomBytes(8).toString('hex')}.kago-tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (e) {
    throw new KagoError(`${what}${path}`, fileErrorReason(e), { cause: e });
  }
  try {
    try {
      if (exactMode) fchmodSync(fd, mode);
      writeAll(fd, Buffer.from(data));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    removeQuietly(tmp);
    throw new KagoError(`${what}${path}`, fileErrorReason(e), { cause: e });
  }
  return tmp;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // someone removed it already
  }
}

/**
 * Puts the whole file written beside `abs` at `abs` with `place` (a reader
 * never sees half of it); on a failure nothing is left, and the error names
 * the user's path, after `what` ("--pid-file ").
 */
function placeWritten(what: string, path: string, tmp: string, place: () => void): void {
  try {
    place();
  } catch (e) {
    removeQuietly(tmp);
    throw new KagoError(`${what}${path}`, fileErrorReason(e), { cause: e });
  }
}

/**
 * Replaces `path` with a file holding `data`, whole, with the exact mode
 * the engines expect. A symlink at `path` itself is replaced, not followed
 * (rename never follows).
 */
export function replaceFile(what: string, path: string, data: string, mode: number): void {
  const abs = resolve(path);
  const tmp = writeBeside(what, path, abs, data, mode, true);
  placeWritten(what, path, tmp, () => renameSync(tmp, abs));
}

/**
 * A new file at `path`, whole once it appears: never an existing one, never
 * through a symlink (link fails on any name that exists, a symlink
 * included). The mode is `mode` under kago's umask, as a plain create.
 */
export function createNewFile(what: string, path: string, data: string, mode: number): void {
  const abs = resolve(path);
  const tmp = writeBeside(what, path, abs, data, mode, false);
  placeWritten(what, path, tmp, () => linkSync(tmp, abs));
  // The file has its own name now; the temporary one goes.
  removeQuietly(tmp);
}

/**
 * The kernel's own rule for fs.protected_symlinks (this machine has it off):
 * a symlink in a sticky world-writable directory is followed only when it
 * belongs to the follower or to the directory's owner. Such a link cannot be
 * swapped by another user (the sticky bit), so following it is safe; any
 * other is refused with O_NOFOLLOW. `--log /dev/stderr` keeps working.
 */
function trustedSymlink(path: string, link: Stats): boolean {
  const dir = lstatSync(dirname(resolve(path)));
  const shared = (dir.mode & 0o1002) === 0o1002;
  return !shared || link.uid === process.geteuid?.() || link.uid === dir.uid;
}

/**
 * Opens a file to append to, creating it (0644, as runc) when missing. Not
 * through a symlink another user planted (see trustedSymlink); O_NONBLOCK so
 * a planted FIFO cannot hang kago before the checks. What it opened must be
 * a plain file with one link (with fs.protected_hardlinks=0 a user can link
 * /etc/passwd into /tmp), a character device (/dev/null; only root makes
 * those), or a FIFO of kago's own user.
 */
export function openForAppend(what: string, path: string): number {
  let fd: number;
  try {
    let follow = false;
    try {
      const st = lstatSync(path);
      follow = st.isSymbolicLink() && trustedSymlink(path, st);
    } catch {
      // missing: created below, and O_NOFOLLOW refuses a link planted meanwhile
    }
    fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW), 0o644);
  } catch (e) {
    throw new KagoError(`${what}${path}`, fileErrorReason(e), { cause: e });
  }
  const st = fstatSync(fd);
  let problem: string | undefined;
  if (st.isFile()) {
    if (st.nlink !== 1) problem = `has ${st.nlink} hard links (refused: it may be another file's)`;
  } else if (st.isFIFO()) {
    if (st.uid !== process.geteuid?.()) problem = "is a FIFO of another user's";
  } else if (!st.isCharacterDevice()) {
    problem = 'is not a regular file';
  }
  if (problem) {
    closeSync(fd);
    throw new KagoError(`${what}${path}`, problem);
  }
  return fd;
}
