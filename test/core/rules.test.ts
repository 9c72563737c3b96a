import assert from 'node:assert/strict';
import { validate, errorsOf, validConfig, edit, type Json, type JsonObject } from './core-fixture.ts';

interface Rule {
  what: string;
  // Edits applied to the valid config: [pointer, value or undefined to remove].
  edits: Array<[string, Json | undefined]>;
  at: string;
  message: RegExp;
  requireProcess?: boolean;
}

function apply(edits: Array<[string, Json | undefined]>): JsonObject {
  return edits.reduce((doc, [p, v]) => edit(doc, p, v), validConfig());
}

function expectOnly(rule: Rule) {
  const r = validate(apply(rule.edits), rule.requireProcess ?? false);
  const errors = errorsOf(r);
  assert.deepEqual(
    errors.map((e) => e.pointer),
    [rule.at],
    JSON.stringify(errors),
  );
  assert.match(errors[0]!.message, rule.message);
  assert.equal(r.config, null);
}

const rules: Rule[] = [
  // the document
  { what: 'the document is an object', edits: [], at: '', message: /must be a JSON object, found array/ },
  // root
  { what: 'root is an object', edits: [['/root', 'rootfs']], at: '/root', message: /must be an object, found string/ },
  { what: 'root.path is required', edits: [['/root/path', undefined]], at: '/root/path', message: /^is required$/ },
  { what: 'root.path is a string', edits: [['/root/path', 1]], at: '/root/path', message: /must be a string, found number/ },
  { what: 'root.path is not empty', edits: [['/root/path', '']], at: '/root/path', message: /must not be empty/ },
  { what: 'root.readonly is a boolean', edits: [['/root/readonly', 'yes']], at: '/root/readonly', message: /must be a boolean, found string/ },
  // process
  { what: 'process is required to start', edits: [['/process', undefined]], at: '/process', message: /required to create and start/, requireProcess: true },
  { what: 'process is an object', edits: [['/process', []]], at: '/process', message: /must be an object, found array/ },
  {
    what: 'process.args is required to start',
    edits: [['/process/args', undefined]],
    at: '/process/args',
    message: /required to create and start/,
    requireProcess: true,
  },
  { what: 'process.args is not empty', edits: [['/process/args', []]], at: '/process/args', message: /must not be empty/ },
  { what: 'process.args holds strings', edits: [['/process/args/1', 7]], at: '/process/args/1', message: /must be a string, found number/ },
  { what: 'process.cwd is required', edits: [['/process/cwd', undefined]], at: '/process/cwd', message: /^is required$/ },
  { what: 'process.cwd is absolute', edits: [['/process/cwd', 'home']], at: '/process/cwd', message: /must be an absolute path, found "home"/ },
  { what: 'process.env entries are NAME=value', edits: [['/process/env/1', 'TERM']], at: '/process/env/1', message: /NAME=value, found "TERM"/ },
  { what: 'process.env names are not empty', edits: [['/process/env/0', '=x']], at: '/process/env/0', message: /NAME=value/ },
  { what: 'process.env is an array', edits: [['/process/env', { PATH: '/bin' }]], at: '/process/env', message: /must be an array, found object/ },
  { what: 'process.terminal is a boolean', edits: [['/process/terminal', 1]], at: '/process/terminal', message: /must be a boolean, found number/ },
  { what: 'process.user is required', edits: [['/process/user', undefined]], at: '/process/user', message: /^is required$/ },
  { what: 'process.user.uid is required', edits: [['/process/user/uid', undefined]], at: '/process/user/uid', message: /^is required$/ },
  { what: 'process.user.gid is required', edits: [['/process/user/gid', undefined]], at: '/process/user/gid', message: /^is required$/ },
  {
    what: 'process.user.uid is not negative',
    edits: [['/process/user/uid', -1]],
    at: '/process/user/uid',
    message: /unsigned 32-bit integer \(0 to 4294967295\), found -1/,
  },
  { what: 'process.user.gid fits 32 bits', edits: [['/process/user/gid', 4294967296]], at: '/process/user/gid', message: /found 4294967296/ },
  { what: 'process.user.uid is an integer', edits: [['/process/user/uid', 1.5]], at: '/process/user/uid', message: /must be an integer .*found 1.5/ },
  { what: 'process.user.umask is an integer', edits: [['/process/user/umask', '022']], at: '/process/user/umask', message: /must be an integer, found string/ },
  { what: 'process.user.additionalGids are ids', edits: [['/process/user/additionalGids/1', -5]], at: '/process/user/additionalGids/1', message: /found -5/ },
  // hostname, domainname
  { what: 'hostname is a string', edits: [['/hostname', 3]], at: '/hostname', message: /must be a string, found number/ },
  {
    what: 'hostname needs a uts namespace',
    edits: [
      ['/linux/namespaces/2', undefined],
      ['/domainname', undefined],
    ],
    at: '/hostname',
    message: /'uts' namespace/,
  },
  {
    what: 'domainname needs a uts namespace',
    edits: [
      ['/linux/namespaces/2', undefined],
      ['/hostname', undefined],
    ],
    at: '/domainname',
    message: /'uts' namespace/,
  },
  // mounts
  { what: 'mounts is an array', edits: [['/mounts', {}]], at: '/mounts', message: /must be an array, found object/ },
  { what: 'a mount is an object', edits: [['/mounts/1', '/dev']], at: '/mounts/1', message: /must be an object, found string/ },
  { what: 'mount destination is required', edits: [['/mounts/1/destination', undefined]], at: '/mounts/1/destination', message: /^is required$/ },
  { what: 'mount source is a string', edits: [['/mounts/0/source', null]], at: '/mounts/0/source', message: /must be a string, found null/ },
  { what: 'mount type is a string', edits: [['/mounts/0/type', ['proc']]], at: '/mounts/0/type', message: /must be a string, found array/ },
  { what: 'mount options are strings', edits: [['/mounts/1/options/0', true]], at: '/mounts/1/options/0', message: /must be a string, found boolean/ },
  // annotations
  {
    what: 'annotations are strings',
    edits: [['/annotations/org.example~1n', 1]],
    at: '/annotations/org.example~1n',
    message: /must be a string, found number/,
  },
  { what: 'annotations is an object', edits: [['/annotations', ['a']]], at: '/annotations', message: /must be an object, found array/ },
  // linux.namespaces
  {
    what: 'a namespace type is one of the eight',
    edits: [['/linux/namespaces/1/type', 'mnt']],
    at: '/linux/namespaces/1/type',
    message: /must be one of "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", found "mnt"/,
  },
  { what: 'a namespace type is required', edits: [['/linux/namespaces/1/type', undefined]], at: '/linux/namespaces/1/type', message: /^is required$/ },
  { what: 'a namespace path is absolute', edits: [['/linux/namespaces/4/path', 'proc/1/ns/net']], at: '/linux/namespaces/4/path', message: /absolute path/ },
  {
    what: 'a namespace type is listed once',
    edits: [['/linux/namespaces/5', { type: 'mount', path: '/proc/1/ns/mnt' }]],
    at: '/linux/namespaces/5',
    message: /the "mount" namespace is already listed at \/linux\/namespaces\/1/,
  },
  // id mappings
  {
    what: 'a new user namespace needs uidMappings',
    edits: [
      ['/linux/namespaces/5', { type: 'user' }],
      ['/linux/gidMappings', [{ containerID: 0, hostID: 1000, size: 1 }]],
    ],
    at: '/linux/uidMappings',
    message: /required when a new user namespace is created/,
  },
  {
    what: 'a new user namespace needs gidMappings',
    edits: [
      ['/linux/namespaces/5', { type: 'user' }],
      ['/linux/uidMappings', [{ containerID: 0, hostID: 1000, size: 1 }]],
    ],
    at: '/linux/gidMappings',
    message: /required when a new user namespace is created/,
  },
  {
    what: 'a mapping has a size',
    edits: [['/linux/uidMappings', [{ containerID: 0, hostID: 1000 }]]],
    at: '/linux/uidMappings/0/size',
    message: /^is required$/,
  },
  {
    what: 'a mapping size is not 0',
    edits: [['/linux/gidMappings', [{ containerID: 0, hostID: 1000, size: 0 }]]],
    at: '/linux/gidMappings/0/size',
    message: /greater than 0/,
  },
  {
    what: 'a mapping hostID is an id',
    edits: [['/linux/uidMappings', [{ containerID: 0, hostID: -1, size: 1 }]]],
    at: '/linux/uidMappings/0/hostID',
    message: /found -1/,
  },
  // devices
  { what: 'a device path is absolute', edits: [['/linux/devices/0/path', 'dev/fuse']], at: '/linux/devices/0/path', message: /absolute path/ },
  { what: 'a device type is c, b, u or p', edits: [['/linux/devices/0/type', 'x']], at: '/linux/devices/0/type', message: /device type/ },
  {
    what: 'a character device needs a major number',
    edits: [['/linux/devices/0/major', undefined]],
    at: '/linux/devices/0/major',
    message: /required for a device of type "c"/,
  },
  {
    what: 'a device minor is an integer',
    edits: [['/linux/devices/0/minor', '229']],
    at: '/linux/devices/0/minor',
    message: /must be an integer, found string/,
  },
  { what: 'a device fileMode is a mode', edits: [['/linux/devices/0/fileMode', 4096]], at: '/linux/devices/0/fileMode', message: /permission mode/ },
  { what: 'a device uid is an id', edits: [['/linux/devices/0/uid', -2]], at: '/linux/devices/0/uid', message: /found -2/ },
  // the rest of linux
  { what: 'cgroupsPath is a string', edits: [['/linux/cgroupsPath', 5]], at: '/linux/cgroupsPath', message: /must be a string, found number/ },
  {
    what: 'rootfsPropagation is a known mode',
    edits: [['/linux/rootfsPropagation', 'recursive']],
    at: '/linux/rootfsPropagation',
    message: /must be one of "private", "shared", "slave", "unbindable", "rprivate"/,
  },
  { what: 'maskedPaths are absolute', edits: [['/linux/maskedPaths/0', 'proc/kcore']], at: '/linux/maskedPaths/0', message: /absolute path/ },
  {
    what: 'readonlyPaths are absolute',
    edits: [['/linux/readonlyPaths', ['/proc/sys', 'sys']]],
    at: '/linux/readonlyPaths/1',
    message: /absolute path, found "sys"/,
  },
];

describe('core: config validation rules', () => {
  it('accepts the valid config these rules start from', () => {
    assert.deepEqual(validate(validConfig(), true).problems, []);
  });

  for (const rule of rules) {
    it(`${rule.what} (${rule.at || 'the document'})`, () => {
      if (rule.what === 'the document is an object') {
        const errors = errorsOf(validate('[1]'));
        assert.deepEqual(
          errors.map((e) => e.pointer),
          [''],
        );
        assert.match(errors[0]!.message, rule.message);
        return;
      }
      expectOnly(rule);
    });
  }

  it('accepts every rootfsPropagation mode, recursive ones included', () => {
    for (const mode of ['shared', 'slave', 'private', 'unbindable', 'rshared', 'rslave', 'rprivate', 'runbindable']) {
      assert.deepEqual(validate(edit(validConfig(), '/linux/rootfsPropagation', mode)).problems, [], mode);
    }
  });

  it('accepts a user namespace joined by path without mappings', () => {
    const doc = edit(validConfig(), '/linux/namespaces/5', { type: 'user', path: '/proc/1/ns/user' });
    assert.deepEqual(validate(doc).problems, []);
  });

  it('does not require a process or args unless asked to', () => {
    assert.deepEqual(validate(edit(validConfig(), '/process', undefined)).problems, []);
    assert.deepEqual(validate(edit(validConfig(), '/process/args', undefined)).problems, []);
  });

  it('ignores unknown fields at every level (config.md: they MUST be ignored)', () => {
    let doc = validConfig();
    for (const p of ['/x-extension', '/process/x', '/process/user/sid', '/root/x', '/mounts/0/x', '/linux/x', '/linux/namespaces/0/x', '/linux/devices/0/x']) {
      doc = edit(doc, p, { anything: [1, 'two', null] });
    }
    const r = validate(doc, true);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.config, doc);
  });

  it('reports every problem at once, with positions', () => {
    const text = JSON.stringify(
      apply([
        ['/ociVersion', '2.0.0'],
        ['/root/path', ''],
        ['/process/cwd', 'relative'],
        ['/process/user/uid', 'root'],
        ['/mounts/0/destination', undefined],
        ['/linux/namespaces/3/type', 'ipc2'],
        ['/linux/maskedPaths/0', 'x'],
      ]),
      null,
      2,
    );
    const r = validate(text);
    assert.deepEqual(
      errorsOf(r)
        .map((e) => e.pointer)
        .sort(),
      ['/linux/maskedPaths/0', '/linux/namespaces/3/type', '/mounts/0/destination', '/ociVersion', '/process/cwd', '/process/user/uid', '/root/path'],
    );
    const lines = text.split('\n');
    for (const e of errorsOf(r)) {
      assert.ok(e.line !== undefined && e.column !== undefined, e.pointer);
      // The position is where the value (or, for a missing member, its object) starts.
      const ch = lines[e.line - 1]![e.column - 1];
      assert.ok(ch === '"' || ch === '{', `${e.pointer} at ${e.line}:${e.column} is ${ch}`);
    }
  });

  it('accepts a Uint8Array and a string alike', () => {
    const text = JSON.stringify(validConfig());
    assert.deepEqual(validate(new TextEncoder().encode(text)), validate(text));
  });
});
