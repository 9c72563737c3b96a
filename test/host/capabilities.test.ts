// The builder's capability and rlimit numbers and the validator's names are
// the kernel's: every name the validator takes has a number in the builder,
// and the numbers are the uapi headers' (linux/capability.h,
// asm-generic/resource.h, which x86_64 uses).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CAPABILITIES, RLIMITS, rlimitNumber } from '../../host/plan/capabilities.ts';
import { validate } from '../core/core-fixture.ts';

function defines(header: string, prefix: string): Map<string, number> {
  const text = readFileSync(header, 'utf8');
  return new Map([...text.matchAll(new RegExp(`^#\\s*define\\s+(${prefix}[A-Z_]+)\\s+(\\d+)\\b`, 'gm'))].map((m) => [m[1]!, Number(m[2])]));
}

function accepted(configure: (name: string) => object, name: string): boolean {
  const r = validate({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { user: { uid: 0, gid: 0 }, cwd: '/', ...configure(name) } });
  return !r.problems.some((p) => p.severity === 'error');
}

describe('capability and rlimit names', function () {
  it('the builder numbers capabilities as linux/capability.h, and the validator takes exactly those names', function () {
    const header = defines('/usr/include/linux/capability.h', 'CAP_');
    assert.deepEqual(new Map(CAPABILITIES.map((name, i) => [name, i])), header);
    for (const name of [...header.keys(), 'CAP_NOT_A_CAPABILITY', 'cap_kill', 'CAP_LAST_CAP']) {
      assert.equal(
        accepted((n) => ({ capabilities: { bounding: [n] } }), name),
        header.has(name),
        name,
      );
    }
  });

  it('the builder numbers rlimits as asm-generic/resource.h, and the validator takes exactly those names', function () {
    const header = defines('/usr/include/asm-generic/resource.h', 'RLIMIT_');
    assert.deepEqual(new Map(RLIMITS.map((name) => [name, rlimitNumber(name, '/x')])), header);
    for (const name of [...header.keys(), 'RLIMIT_FILES', 'rlimit_nofile']) {
      assert.equal(
        accepted((n) => ({ rlimits: [{ type: n, soft: 1, hard: 1 }] }), name),
        header.has(name),
        name,
      );
    }
  });
});
