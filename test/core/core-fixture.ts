// Shared by the core's tests: the built module, the reference data next to the
// repository, and small views of a validation result.
import { readFileSync } from 'node:fs';
import { loadCoreSync, type Core, type Problem, type ValidationResult } from '../../wasm/core.ts';

export const core: Core = loadCoreSync(readFileSync(new URL('../../wasm/kago-core.wasm', import.meta.url)));

// The runtime-spec v1.3.0 schema and fixtures live beside the repository.
export const specDir = new URL('../../../shared/data/runtime-spec-v1.3.0/', import.meta.url);

export function readSpecFile(relative: string): Buffer {
  return readFileSync(new URL(relative, specDir));
}

export function validate(doc: unknown, requireProcess = false): ValidationResult {
  const text = typeof doc === 'string' || doc instanceof Uint8Array ? doc : JSON.stringify(doc);
  return core.validateConfig(text, { requireProcess });
}

export function errorsOf(r: ValidationResult): Problem[] {
  return r.problems.filter((p) => p.severity === 'error');
}

export function errorPointers(r: ValidationResult): string[] {
  return errorsOf(r).map((p) => p.pointer);
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function tokens(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

// A copy of doc with the value at pointer replaced (created, with its parent
// objects, when absent), or removed when value is undefined.
export function edit(doc: JsonObject, pointer: string, value: Json | undefined): JsonObject {
  const copy = structuredClone(doc);
  const path = tokens(pointer);
  let node: Json = copy;
  for (const t of path.slice(0, -1)) {
    if (Array.isArray(node)) {
      node = node[Number(t)]!;
    } else if (typeof node === 'object' && node !== null) {
      if (!(t in node)) node[t] = {};
      node = node[t]!;
    } else {
      throw new Error(`cannot descend into ${pointer}`);
    }
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(Number(last), 1);
    else node[Number(last)] = value;
  } else if (typeof node === 'object' && node !== null) {
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return copy;
}

// A complete, valid Linux config that tests copy and break one field at a time.
export function validConfig(): JsonObject {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs', readonly: true },
    process: {
      terminal: false,
      user: { uid: 0, gid: 0, umask: 18, additionalGids: [1, 2] },
      args: ['sh', '-c', 'true'],
      env: ['PATH=/usr/bin:/bin', 'TERM=xterm', 'EMPTY='],
      cwd: '/',
    },
    hostname: 'box',
    domainname: 'example.test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    ],
    annotations: { 'org.example.key': 'value' },
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network', path: '/proc/1/ns/net' }],
      devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }],
      cgroupsPath: '/kago/test',
      rootfsPropagation: 'rprivate',
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
    },
  };
}
