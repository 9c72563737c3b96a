// The example of docs/library.md, run as it is written there: unit-testing
// one's own seccomp policy without a kernel, a container or root.
import assert from 'node:assert/strict';
import { loadKagoSync } from 'kago';

const EPERM = 1;
const S_ISVTX = 0o1000;

// Our policy: directories may be made, except with the sticky bit; nothing
// else of note is restricted.
const policy = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
  syscalls: [
    { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 1, value: S_ISVTX, valueTwo: S_ISVTX, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 2, value: S_ISVTX, valueTwo: S_ISVTX, op: 'SCMP_CMP_MASKED_EQ' }] },
  ],
};

describe('my seccomp policy', () => {
  const kago = loadKagoSync();
  const bpf = kago.compileSeccomp(policy);
  const AT_FDCWD = -100;

  it('mkdir with the sticky bit gets EPERM on aarch64', () => {
    // aarch64 has no mkdir: libc calls mkdirat(AT_FDCWD, path, mode).
    assert.equal(kago.syscallNumber('aarch64', 'mkdir'), null);
    const v = kago.simulate(bpf, 'aarch64', 'mkdirat', [AT_FDCWD, 0x1000, 0o1777]);
    assert.equal(v.action, 'SCMP_ACT_ERRNO');
    assert.equal(v.errno, EPERM);
  });

  it('mkdir without it is allowed on aarch64 and x86_64', () => {
    assert.equal(kago.simulate(bpf, 'aarch64', 'mkdirat', [AT_FDCWD, 0x1000, 0o755]).action, 'SCMP_ACT_ALLOW');
    assert.equal(kago.simulate(bpf, 'x86_64', 'mkdir', [0x1000, 0o755]).action, 'SCMP_ACT_ALLOW');
    assert.equal(kago.simulate(bpf, 'x86_64', 'mkdir', [0x1000, 0o1755]).errno, EPERM);
  });
});
