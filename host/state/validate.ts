// state.json checked on every read. It is kago's own file, but a crash, a
// full disk or a hand edit can leave anything in it, and what it says decides
// which processes are killed and which cgroup directories removed. One bad
// file must be one clear error about that container, never an exception deep
// in a command (or every `list` failing), and the container is the one its
// directory names, whatever id the file claims.
import { KagoError } from '../errors.ts';
import type { ContainerState, Status } from './types.ts';

const STATUSES: readonly Status[] = ['creating', 'created', 'running', 'paused', 'stopped'];

class Invalid extends Error {
  readonly pointer: string;
  constructor(pointer: string, reason: string) {
    super(reason);
    this.pointer = pointer;
  }
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: Json, at: string): Record<string, Json> {
  if (!isObject(v)) throw new Invalid(at, 'must be an object');
  return v;
}

function string(v: Json, at: string): string {
  if (typeof v !== 'string') throw new Invalid(at, 'must be a string');
  return v;
}

function optional<T>(o: Record<string, Json>, key: string, at: string, check: (v: Json, at: string) => T): void {
  if (o[key] !== undefined) check(o[key], `${at}/${key}`);
}

function count(v: Json, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Invalid(at, 'must be a non-negative integer');
  return v;
}

function pid(v: Json, at: string): number {
  // pid_max is at most 2^22 (PID_MAX_LIMIT).
  if (count(v, at) > 4_194_304) throw new Invalid(at, 'is not a pid');
  return v as number;
}

/** /proc/PID/stat's starttime: compared as text with the live process's. */
function startTime(v: Json, at: string): string {
  if (!/^\d{1,20}$/.test(string(v, at))) throw new Invalid(at, 'must be a decimal start time');
  return v as string;
}

function stringArray(v: Json, at: string): string[] {
  if (!Array.isArray(v)) throw new Invalid(at, 'must be an array');
  v.forEach((s, i) => {
    string(s, `${at}/${i}`);
  });
  return v as string[];
}

/** A cgroup directory kago will rmdir and signal: absolute, no "..". */
function cgroupDirs(v: Json, at: string): string[] {
  stringArray(v, at).forEach((d, i) => {
    if (!d.startsWith('/') || d.split('/').includes('..')) throw new Invalid(`${at}/${i}`, 'must be an absolute path without ".."');
  });
  return v as string[];
}

function hookList(v: Json, at: string): void {
  if (!Array.isArray(v)) throw new Invalid(at, 'must be an array');
  v.forEach((h, i) => {
    const hook = object(h, `${at}/${i}`);
    string(hook.path, `${at}/${i}/path`);
    optional(hook, 'args', `${at}/${i}`, stringArray);
    optional(hook, 'env', `${at}/${i}`, stringArray);
    optional(hook, 'timeout', `${at}/${i}`, count);
  });
}

function annotations(v: Json, at: string): void {
  const o = object(v, at);
  for (const [k, s] of Object.entries(o)) string(s, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
}

function kagoPart(v: Json, at: string): void {
  const k = object(v, at);
  optional(k, 'initStartTime', at, startTime);
  const cg = object(k.cgroup, `${at}/cgroup`);
  cgroupDirs(cg.dirs, `${at}/cgroup/dirs`);
  cgroupDirs(cg.created, `${at}/cgroup/created`);
  optional(k, 'executorPid', at, pid);
  optional(k, 'executorStartTime', at, startTime);
  optional(k, 'process', at, (p, pat) => {
    const proc = object(p, pat);
    optional(proc, 'args', pat, stringArray);
    optional(proc, 'env', pat, stringArray);
    optional(proc, 'cwd', pat, string);
  });
  optional(k, 'seccomp', at, (s, sat) => {
    const sec = object(s, sat);
    count(sec.flags, `${sat}/flags`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(string(sec.filter, `${sat}/filter`))) throw new Invalid(`${sat}/filter`, 'must be base64');
    optional(sec, 'listener', sat, (l, lat) => {
      const listener = object(l, lat);
      string(listener.path, `${lat}/path`);
      string(listener.metadata, `${lat}/metadata`);
    });
  });
  optional(k, 'hooks', at, (h, hat) => {
    const hooks = object(h, hat);
    optional(hooks, 'poststart', hat, hookList);
    optional(hooks, 'poststop', hat, hookList);
  });
  optional(k, 'resources', at, object);
  optional(k, 'recorder', at, (r, rat) => {
    pid(object(r, rat).pid, `${rat}/pid`);
    optional(object(r, rat), 'startTime', rat, startTime);
  });
}

function check(id: string, v: Json): ContainerState {
  const s = object(v, '');
  string(s.ociVersion, '/ociVersion');
  if (string(s.id, '/id') !== id) throw new Invalid('/id', `names ${JSON.stringify(s.id).slice(0, 80)}, not the container of its directory`);
  if (!STATUSES.includes(string(s.status, '/status') as Status)) throw new Invalid('/status', 'is not a status');
  pid(s.pid, '/pid');
  for (const key of ['bundle', 'rootfs', 'created', 'owner']) string(s[key], `/${key}`);
  optional(s, 'annotations', '', annotations);
  kagoPart(s.kago, '/kago');
  return s as unknown as ContainerState;
}

/** A message from the file's content stays one line and puts no escape sequence on a terminal. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The state of container `id` (its directory's name) from state.json's text; a KagoError naming the field otherwise. */
export function parseState(id: string, text: string): ContainerState {
  let value: Json;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KagoError(`container ${id}`, `invalid state.json: not JSON (${printable((e as Error).message)})`, { cause: e });
  }
  try {
    return check(id, value);
  } catch (e) {
    if (e instanceof Invalid) throw new KagoError(`container ${id}`, printable(`invalid state.json: ${e.pointer || '/'}: ${e.message}`), { cause: e });
    throw e;
  }
}
