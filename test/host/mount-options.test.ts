// The mount option words: the validator and the plan builder read one table
// (core-c/spec/mount_options.c), and the words are runc's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KNOWN_MOUNT_OPTIONS, parseMountOptions, propagationFlags } from '../../host/plan/mount-options.ts';
import * as L from '../../host/plan/linux.ts';
import { validate } from '../core/core-fixture.ts';
import { runcBin } from '../helpers/paths.ts';

function runcMountOptions(): string[] {
  const r = spawnSync(runcBin, ['features'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { mountOptions: string[] }).mountOptions;
}

/** Whether the validator takes word as a mount flag: it warns about any other word on a bind mount. */
function validatorKnows(word: string): boolean {
  const map = [{ containerID: 0, hostID: 100000, size: 1 }];
  const r = validate({
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    // with mappings, so that idmap and ridmap are valid too
    mounts: [{ destination: '/data', type: 'bind', source: '/srv', options: ['rbind', word], uidMappings: map, gidMappings: map }],
  });
  assert.deepEqual(
    r.problems.filter((p) => p.severity === 'error'),
    [],
    word,
  );
  return !r.problems.some((p) => p.pointer === '/mounts/0/options/1' && /not a mount flag/.test(p.message));
}

/** Whether the builder gives word a meaning: what it does not know goes to the file system as data. */
function builderKnows(word: string): boolean {
  return parseMountOptions([word]).data.length === 0;
}

describe('mount options', function () {
  // Words either side might know, found without either table: runc's list,
  // kago's extensions, and file system data or names an object lookup would
  // wrongly find.
  const candidates = [
    ...new Set([
      ...runcMountOptions(),
      'idmap',
      'ridmap',
      'size=64m',
      'mode=755',
      'uid=0',
      'nr_inodes=1k',
      'errors=remount-ro',
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
      'RO',
      '',
    ]),
  ];

  it('the validator and the builder agree on every word: a flag to one is a flag to the other', function () {
    for (const word of candidates) {
      assert.equal(validatorKnows(word), builderKnows(word), `${JSON.stringify(word)}: validator and builder disagree`);
    }
    for (const word of KNOWN_MOUNT_OPTIONS) {
      assert.ok(validatorKnows(word), `the validator does not know ${word}`);
      assert.ok(builderKnows(word), `the builder does not know ${word}`);
    }
  });

  it("knows exactly runc 1.1.5's words, and idmap and ridmap (runc 1.2)", function () {
    assert.deepEqual([...KNOWN_MOUNT_OPTIONS], [...runcMountOptions(), 'idmap', 'ridmap'].sort());
  });

  it('means by each word the kernel flag mount(8) names', function () {
    const flags: Array<[string, number, 'set' | 'clear']> = [
      ['ro', L.MS_RDONLY, 'set'],
      ['rw', L.MS_RDONLY, 'clear'],
      ['nosuid', L.MS_NOSUID, 'set'],
      ['suid', L.MS_NOSUID, 'clear'],
      ['nodev', L.MS_NODEV, 'set'],
      ['dev', L.MS_NODEV, 'clear'],
      ['noexec', L.MS_NOEXEC, 'set'],
      ['exec', L.MS_NOEXEC, 'clear'],
      ['sync', L.MS_SYNCHRONOUS, 'set'],
      ['async', L.MS_SYNCHRONOUS, 'clear'],
      ['dirsync', L.MS_DIRSYNC, 'set'],
      ['remount', L.MS_REMOUNT, 'set'],
      ['mand', L.MS_MANDLOCK, 'set'],
      ['nomand', L.MS_MANDLOCK, 'clear'],
      ['noatime', L.MS_NOATIME, 'set'],
      ['atime', L.MS_NOATIME, 'clear'],
      ['nodiratime', L.MS_NODIRATIME, 'set'],
      ['diratime', L.MS_NODIRATIME, 'clear'],
      ['relatime', L.MS_RELATIME, 'set'],
      ['norelatime', L.MS_RELATIME, 'clear'],
      ['strictatime', L.MS_STRICTATIME, 'set'],
      ['nostrictatime', L.MS_STRICTATIME, 'clear'],
      ['lazytime', L.MS_LAZYTIME, 'set'],
      ['nolazytime', L.MS_LAZYTIME, 'clear'],
      ['silent', L.MS_SILENT, 'set'],
      ['loud', L.MS_SILENT, 'clear'],
      ['nosymfollow', L.MS_NOSYMFOLLOW, 'set'],
      ['symfollow', L.MS_NOSYMFOLLOW, 'clear'],
      ['iversion', L.MS_I_VERSION, 'set'],
      ['noiversion', L.MS_I_VERSION, 'clear'],
      // MS_POSIXACL (include/uapi/linux/mount.h)
      ['acl', 1 << 16, 'set'],
      ['noacl', 1 << 16, 'clear'],
    ];
    for (const [word, bit, how] of flags) {
      const o = parseMountOptions([word]);
      assert.deepEqual([o.flags, o.clear], how === 'set' ? [bit, 0] : [0, bit], word);
    }
    // a later word undoes an earlier one
    assert.equal(parseMountOptions(['ro', 'rw']).flags, 0);
    assert.equal(parseMountOptions(['nosuid', 'suid', 'nosuid']).flags, L.MS_NOSUID);
    for (const [word, bits] of [
      ['private', L.MS_PRIVATE],
      ['rslave', L.MS_SLAVE | L.MS_REC],
      ['runbindable', L.MS_UNBINDABLE | L.MS_REC],
    ] as const) {
      assert.deepEqual(parseMountOptions([word]).propagation, [bits], word);
      assert.equal(propagationFlags(word), bits, word);
    }
    assert.equal(propagationFlags('ro'), undefined);
    const r = parseMountOptions(['rro', 'rnosuid', 'rsuid', 'rnoatime', 'rstrictatime']);
    assert.equal(r.recursiveSet, L.MOUNT_ATTR_RDONLY | L.MOUNT_ATTR_STRICTATIME);
    assert.equal(r.recursiveClear, L.MOUNT_ATTR_NOSUID | L.MOUNT_ATTR__ATIME);
    assert.deepEqual(parseMountOptions(['rbind', 'ridmap', 'tmpcopyup', 'defaults', 'size=1m']), {
      ...parseMountOptions([]),
      bind: true,
      recursive: true,
      idmap: 'ridmap',
      tmpcopyup: true,
      data: ['size=1m'],
    });
  });
});
