// The state directory: one directory per container under --root, holding
// state.json and the exec FIFO. Creating the directory is the atomic step that
// decides which of two concurrent `create`s of one id wins.
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { freezerOf, isFrozen } from '../cgroups/freezer.ts';
import { KagoError } from '../errors.ts';
import { fileErrorReason } from '../files.ts';
import { flock, LOCK_EX, LOCK_UN } from '../sys/libc.ts';
import { isSameLiveProcess } from './proc.ts';
import { parseState } from './validate.ts';
import type { ContainerState, Status } from './types.ts';

const ID_PATTERN = /^[A-Za-z0-9_+\-.]+$/;
const MAX_ID_LENGTH = 1024;

export function validateId(id: string): void {
  if (!id) throw new KagoError('', 'container id cannot be empty');
  if (id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id) || id === '.' || id === '..') {
    throw new KagoError(`container id ${JSON.stringify(id)}`, 'invalid format: use letters, digits, _ + - . only');
  }
}

export class StateStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  dir(id: string): string {
    // Every path of a container goes through here: an id like "../x" must
    // never name a directory outside the root (`delete --force ../x` removed it).
    validateId(id);
    this.checkRoot();
    return join(this.root, id);
  }

  private rootChecked = false;
  /**
   * A state says which processes kago signals, which cgroups it removes and
   * which poststop hooks it runs: a root another user owns or can write
   * (a /tmp/kago-UID planted before the user's first run, a shared --root)
   * would let that user run commands as kago's. runc does not check; kago
   * refuses, as ssh refuses a key file others can write.
   */
  private checkRoot(): void {
    if (this.rootChecked) return;
    let st: Stats;
    try {
      st = statSync(this.root);
    } catch {
      return; // not there yet: claim makes it, 0711, kago's own
    }
    const euid = process.geteuid?.() ?? 0;
    if (!st.isDirectory()) throw new KagoError(`--root ${this.root}`, 'is not a directory');
    if (st.uid !== euid)
      throw new KagoError(`--root ${this.root}`, `belongs to uid ${st.uid}, not to kago's user (${euid}): refused, its states decide what kago kills and runs`);
    if (st.mode & 0o022)
      throw new KagoError(
        `--root ${this.root}`,
        `can be written by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}): refused, its states decide what kago kills and runs`,
      );
    this.rootChecked = true;
  }

  fifoPath(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  /** Makes the container's directory; fails if the id is taken. */
  claim(id: string): string {
    validateId(id);
    this.makeRoot();
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new KagoError(`container ${id}`, 'a container with this id already exists');
      }
      throw e;
    }
    return dir;
  }

  /**
   * runc fails on a dangling symlink as --root too ("mkdir R: file exists"):
   * creating its target would let whoever planted the link choose where
   * root keeps state. kago says what is wrong instead.
   */
  private makeRoot(): void {
    let failure: unknown;
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o711 });
      return;
    } catch (e) {
      failure = e;
    }
    let reason = fileErrorReason(failure);
    try {
      const st = lstatSync(this.root);
      if (st.isSymbolicLink())
        reason = `is a symbolic link to ${readlinkSync(this.root)}, which ${existsSync(this.root) ? 'is not a directory' : 'does not exist'}`;
      else if (!st.isDirectory()) reason = 'is not a directory';
    } catch {
      // mkdir's reason is the one
    }
    throw new KagoError(`--root ${this.root}`, reason, { cause: failure });
  }

  write(state: ContainerState): void {
    const dir = this.dir(state.id);
    const tmp = join(dir, 'state.json.tmp');
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, join(dir, 'state.json'));
  }

  /** The stored state, or null when the directory exists without one yet; a KagoError when state.json is not a state. */
  tryRead(id: string): ContainerState | null {
    let text: string;
    try {
      text = readFileSync(join(this.dir(id), 'state.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new KagoError(`container ${id}`, `unreadable state.json: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    return parseState(id, text);
  }

  read(id: string): ContainerState {
    validateId(id);
    const state = this.tryRead(id);
    if (!state) {
      if (existsSync(this.dir(id))) throw new KagoError(`container ${id}`, 'is being created (no state yet)');
      throw new KagoError(`container ${id}`, 'does not exist');
    }
    return state;
  }

  exists(id: string): boolean {
    return existsSync(this.dir(id));
  }

  ids(): string[] {
    this.checkRoot();
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && ID_PATTERN.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  /** The current status: stored facts checked against the live system. */
  status(state: ContainerState): Status {
    if (state.status === 'creating' && !state.pid) return 'creating';
    if (!isSameLiveProcess(state.pid, state.kago.initStartTime)) return 'stopped';
    const freezer = freezerOf(state.kago.cgroup.dirs);
    if (freezer && isFrozen(freezer)) return 'paused';
    return existsSync(this.fifoPath(state.id)) ? 'created' : 'running';
  }

  /** Runs fn holding the container's lock (flock on its directory). */
  withLock<T>(id: string, fn: () => T): T {
    let fd: number;
    try {
      fd = openSync(this.dir(id), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new KagoError(`container ${id}`, 'does not exist');
      throw e;
    }
    try {
      flock(fd, LOCK_EX);
      try {
        return fn();
      } finally {
        flock(fd, LOCK_UN);
      }
    } finally {
      closeSync(fd);
    }
  }
}
