// The Linux constants of the architecture kago runs on, from the kernel's
// uapi headers (plan/gen-linux.mjs).
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { ARCH_CONSTANTS, archConstants, O_DIRECTORY, O_NOFOLLOW, SYS_bpf } from '../../host/linux.ts';

describe('Linux constants', function () {
  it('are those of this architecture, as Node itself knows them', function () {
    assert.equal(O_DIRECTORY, constants.O_DIRECTORY);
    assert.equal(O_NOFOLLOW, constants.O_NOFOLLOW);
    assert.equal(SYS_bpf, archConstants(process.arch).SYS_bpf);
  });

  it('differ where the architectures differ', function () {
    // arch/arm64/include/uapi/asm/fcntl.h moves the directory flags; the syscall tables differ
    assert.notEqual(ARCH_CONSTANTS.arm64!.O_DIRECTORY, ARCH_CONSTANTS.x64!.O_DIRECTORY);
    assert.deepEqual([ARCH_CONSTANTS.x64!.SYS_bpf, ARCH_CONSTANTS.arm64!.SYS_bpf], [321, 280]);
  });

  it('an architecture without a table is refused by name', function () {
    assert.throws(() => archConstants('mips'), /^Error: kago: the mips architecture is not supported: kago has the Linux constants of x64 and arm64 only$/);
    assert.throws(() => archConstants('constructor'), /the constructor architecture is not supported/);
  });
});
