// A recorded profile (the shape `kago run --seccomp-record` writes) next to
// Docker's default, through the library as a consumer imports it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareFilters, loadKagoSync } from 'kago';
import { sharedData } from '../helpers/paths.ts';

const recordedProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
  syscalls: [
    { names: ['execve', 'exit_group', 'openat', 'read', 'unshare', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] },
  ],
};

describe("library: a recorded profile compared with Docker's default", () => {
  const kago = loadKagoSync();
  const docker = kago.compileSeccomp(readFileSync(join(sharedData, 'seccomp-docker-default.oci.json'), 'utf8'));
  const recorded = kago.compileSeccomp(recordedProfile);
  const [x86_64, x86] = compareFilters(kago, recorded, docker, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);

  it("lists what both allow, what the recording allows beyond Docker's, and what it takes away", () => {
    assert.equal(x86_64?.arch, 'SCMP_ARCH_X86_64');
    assert.deepEqual(x86_64?.both, ['execve', 'exit_group', 'openat', 'read', 'write']);
    assert.deepEqual(
      x86_64?.beyondBaseline.map((e) => e.syscall),
      ['unshare'],
    );
    assert.ok(x86_64?.removed.includes('mkdir') && x86_64.removed.includes('clone'));
    assert.ok(!x86_64?.removed.includes('read'));
    // The 32-bit table has its own names: socketcall is only there.
    assert.ok(x86?.removed.includes('socketcall'));
  });

  it("explains the baseline's refusal with the instructions that decided it", () => {
    const unshare = x86_64!.beyondBaseline[0]!;
    assert.equal(unshare.action, 'SCMP_ACT_ERRNO');
    assert.equal(unshare.errno, 1);
    assert.equal(unshare.steps.length, unshare.executed);
    assert.match(unshare.steps[0]!.text, /ld \[4\]/);
  });

  it('asks with arguments 0: a rule for other values does not count as allowed', () => {
    // socket is recorded for AF_NETLINK only; socket(0, ...) is refused by the recording, allowed by Docker.
    assert.ok(x86_64!.removed.includes('socket'));
    assert.equal(kago.simulate(recorded, 'x86_64', 'socket', [16]).action, 'SCMP_ACT_ALLOW');
  });
});
