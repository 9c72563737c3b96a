// A syscall the profile cannot know (numbered above every name in it) gets
// ENOSYS, not the profile's errno, as runc's patchbpf stub (and crun) give
// it: glibc falls back to an older syscall (clone3 -> clone, faccessat2 ->
// faccessat) only on ENOSYS. Checked in real containers next to runc, with
// Docker's default profile and with runc spec's config plus a profile of
// one's own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { harness } from '../helpers/harness.ts';
import { Kago } from '../helpers/kago.ts';
import { loadSeccomp } from '../seccomp/harness.ts';
import { kagoBin, repoRoot, runcBin, sharedData } from '../helpers/paths.ts';

type Profile = NonNullable<NonNullable<Spec['linux']>['seccomp']>;

const docker = JSON.parse(readFileSync(join(sharedData, 'seccomp-docker-default.oci.json'), 'utf8')) as Profile;

// x86_64: acct is known and in neither profile's allow list; 400 lies in the
// unused 335-423 stretch, below the highest name of both; 1000 is above
// every syscall there is.
const ACCT = 163;
const GAP = 400;
const NEWER = 1000;
const ENOSYS = 38;

/** runc spec's kind of profile: an allow list and a default errno of its own (EACCES, which no kernel path gives here). */
function ownProfile(): Profile {
  const allowed = docker
    .syscalls!.filter((e) => e.action === 'SCMP_ACT_ALLOW' && !e.args?.length)
    .flatMap((e) => e.names ?? [])
    .filter((n) => n !== 'acct');
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 13,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: allowed, action: 'SCMP_ACT_ALLOW' }],
  };
}

for (const bin of [kagoBin, runcBin]) {
  const name = bin === runcBin ? 'runc' : 'kago';
  describe(`drop-in: seccomp on ${name}: a syscall newer than the profile gets ENOSYS`, function () {
    const h = harness({ bin, base: 'runc' });
    let helper = '';

    before(function () {
      if (process.arch !== 'x64') this.skip(); // the numbers below are x86_64's
      const dir = mkdtempSync(join(tmpdir(), 'kago-raw-syscall-'));
      helper = join(dir, 'raw_syscall');
      const cc = spawnSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', helper, join(repoRoot, 'test/dropin/raw_syscall.c')], {
        encoding: 'utf8',
      });
      assert.equal(cc.status, 0, cc.stderr);
    });
    after(() => {
      if (helper) rmSync(join(helper, '..'), { recursive: true, force: true });
    });

    function verdicts(profile: Profile): Record<number, string> {
      const { id, bundle } = h.bundle(['/bin/raw_syscall', String(ACCT), String(GAP), String(NEWER)], (s) => {
        s.linux!.seccomp = profile;
        // Not what this test is about: raising runc spec's ambient set is another point of issue 14.
        delete s.process!.capabilities!.ambient;
      });
      copyFileSync(helper, join(bundle.rootfs, 'bin', 'raw_syscall'));
      const r = h.kago.run(['run', '--bundle', bundle.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      return Object.fromEntries(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(' ') as [string, string]),
      );
    }

    it("with Docker's default profile (defaultErrnoRet EPERM)", function () {
      assert.deepEqual(verdicts(docker), { [ACCT]: '1', [GAP]: '1', [NEWER]: String(ENOSYS) });
    });

    it("with runc spec's config and an ERRNO profile of one's own", function () {
      assert.deepEqual(verdicts(ownProfile()), { [ACCT]: '13', [GAP]: '13', [NEWER]: String(ENOSYS) });
    });

    it('not when the default lets it through, or already is ENOSYS', function () {
      // SCMP_ACT_LOG lets syscall 1000 reach the kernel, which knows no such syscall either.
      const log = { ...ownProfile(), defaultAction: 'SCMP_ACT_LOG' as const };
      delete log.defaultErrnoRet;
      assert.deepEqual(verdicts(log), { [ACCT]: '1', [GAP]: String(ENOSYS), [NEWER]: String(ENOSYS) });
      assert.deepEqual(verdicts({ ...ownProfile(), defaultErrnoRet: ENOSYS }), { [ACCT]: String(ENOSYS), [GAP]: String(ENOSYS), [NEWER]: String(ENOSYS) });
    });
  });
}

// The rule in the compiler, architecture by architecture, through the
// interpreter (core-c/seccomp/simulate.c); runc's stub draws the same lines.
describe('drop-in: seccomp compiler: which numbers are newer than the profile', function () {
  const ERRNO = 0x00050000;
  const KILL_PROCESS = 0x80000000;
  let sc: ReturnType<typeof loadSeccomp>;
  before(() => {
    sc = loadSeccomp();
  });

  function verdictOf(profile: object, arch: string, nr: number): number {
    const c = sc.compile(JSON.stringify(profile), []);
    assert.equal(c.report.ok, true, JSON.stringify(c.report.problems));
    const v = sc.simulate(c.bpf, arch, nr >>> 0);
    assert.equal(v.valid, true, v.error);
    return v.ret >>> 0;
  }

  const allowRead = (arches: string[], o: object = {}) => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: arches,
    syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }],
    ...o,
  });

  it('above the highest name, whatever its action; not below it', function () {
    const p = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
      ],
    };
    assert.equal(verdictOf(p, 'SCMP_ARCH_X86_64', 83), ERRNO | 1, 'mkdir (83): named, with the default action');
    assert.equal(verdictOf(p, 'SCMP_ARCH_X86_64', 40), ERRNO | 1, 'below the highest name: the default');
    assert.equal(verdictOf(p, 'SCMP_ARCH_X86_64', 84), ERRNO | ENOSYS);
  });

  it('for every default that would refuse it: kill and trap too, not allow, log or trace', function () {
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64'], { defaultAction: 'SCMP_ACT_KILL_PROCESS' }), 'SCMP_ARCH_X86_64', NEWER), ERRNO | ENOSYS);
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64'], { defaultAction: 'SCMP_ACT_TRAP' }), 'SCMP_ARCH_X86_64', NEWER), ERRNO | ENOSYS);
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64'], { defaultAction: 'SCMP_ACT_TRACE', defaultErrnoRet: 5 }), 'SCMP_ARCH_X86_64', NEWER), 0x7ff00005);
    assert.equal(
      verdictOf(
        { defaultAction: 'SCMP_ACT_LOG', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO' }] },
        'SCMP_ARCH_X86_64',
        NEWER,
      ),
      0x7ffc0000,
    );
  });

  it("x86_64 and x32 apart by bit 30; -1 is x32's; an architecture the filter lacks is still killed", function () {
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64']), 'SCMP_ARCH_X86_64', -1), ERRNO | 1, '-1 on x86_64 alone: the default, as libseccomp');
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64']), 'SCMP_ARCH_X86_64', 0x40000000 + NEWER), KILL_PROCESS, 'an x32 number: not this filter');
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']), 'SCMP_ARCH_X32', 0x40000000 + NEWER), ERRNO | ENOSYS);
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32']), 'SCMP_ARCH_X32', -1), ERRNO | ENOSYS);
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_X86_64']), 'SCMP_ARCH_AARCH64', NEWER), KILL_PROCESS);
  });

  it("in each architecture's own ENOSYS, and s390's unknown-syscall 0", function () {
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_MIPSEL']), 'SCMP_ARCH_MIPSEL', 4000 + NEWER), ERRNO | 89);
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_S390X']), 'SCMP_ARCH_S390X', 0), ERRNO | ENOSYS);
    assert.equal(verdictOf(allowRead(['SCMP_ARCH_AARCH64']), 'SCMP_ARCH_AARCH64', NEWER), ERRNO | ENOSYS);
  });
});

describe('drop-in: kago seccomp explain says why a syscall gets ENOSYS', function () {
  const kago = new Kago();
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kago-explain-'));
    writeFileSync(
      join(dir, 'profile.json'),
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{ names: ['read', 'openat'], action: 'SCMP_ACT_ALLOW' }],
      }),
    );
  });
  after(() => {
    kago.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('newer than the profile: ENOSYS, with the reason; below its highest name: the default, without', function () {
    const newer = kago.ok(['seccomp', 'explain', '--arch', 'x86_64', join(dir, 'profile.json'), String(NEWER)]).stdout;
    assert.match(newer, /^syscall 1000 \(1000\) on SCMP_ARCH_X86_64: SCMP_ACT_ERRNO \(errno 38\)/);
    assert.match(newer, /newer than every syscall the profile names on SCMP_ARCH_X86_64 \(the highest is 257\): ENOSYS/);
    const older = kago.ok(['seccomp', 'explain', '--arch', 'x86_64', join(dir, 'profile.json'), 'mkdir']).stdout;
    assert.match(older, /^mkdir \(83\) on SCMP_ARCH_X86_64: SCMP_ACT_ERRNO \(errno 1\)/);
    assert.doesNotMatch(older, /newer than/);
  });
});
