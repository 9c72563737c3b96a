// The library as a consumer sees it: imported by the package's name, which
// resolves through package.json's exports to the built dist/lib/node.js
// (make web builds it), loading only the .wasm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_DEFAULT_CAPABILITIES, KagoProblemsError, loadKago, loadKagoSync, analyzeFilter, disassemble, type Kago, type Spec } from 'kago';
import { loadCoreSync } from '../../wasm/core.ts';
import { repoRoot, sharedData } from '../helpers/paths.ts';

const dockerFormat = readFileSync(join(sharedData, 'seccomp-docker-default.docker.json'), 'utf8');
const dockerOci = readFileSync(join(sharedData, 'seccomp-docker-default.oci.json'), 'utf8');

describe('library: kago as a package', () => {
  let kago: Kago;
  before(async () => {
    kago = await loadKago();
  });

  it('types a config.json with its declarations, and the core takes what they describe', () => {
    // Written against the package's declarations: `make check` fails if they stop exporting Spec.
    const config: Spec = {
      ociVersion: '1.3.0',
      root: { path: 'rootfs', readonly: true },
      process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' },
      mounts: [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] }],
      linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }], rootfsPropagation: 'rprivate' },
    };
    assert.deepStrictEqual(kago.validate(JSON.stringify(config), { requireProcess: true }), []);
    assert.deepStrictEqual(kago.core.validateConfig(JSON.stringify(config)).config, config);
  });

  it("converts Docker's default profile for amd64 exactly as Docker does", () => {
    const oci = kago.dockerProfileToOci(dockerFormat, { arch: 'amd64', capabilities: [...DOCKER_DEFAULT_CAPABILITIES], kernel: '6.1' });
    assert.deepStrictEqual(oci, JSON.parse(dockerOci));
  });

  it('applies includes and excludes by capability, architecture and kernel', () => {
    const names = (o: Record<string, unknown> | null) => ((o?.syscalls ?? []) as { names: string[] }[]).flatMap((s) => s.names);
    const admin = kago.dockerProfileToOci(dockerFormat, {
      arch: 'arm64',
      capabilities: [...DOCKER_DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'],
      kernel: '4.4',
    });
    assert.deepStrictEqual(admin?.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    const n = names(admin);
    assert.ok(n.includes('bpf') && n.includes('arm_fadvise64_64'), 'CAP_SYS_ADMIN and arm64 rules included');
    assert.ok(!n.includes('arch_prctl'), 'amd64-only rule left out');
    assert.ok(!n.includes('ptrace'), 'minKernel 4.8 rule left out on 4.4');
    const calls = (admin?.syscalls ?? []) as { names: string[]; args?: unknown[] }[];
    assert.ok(!calls.some((s) => s.names.includes('clone') && s.args), 'the masked clone rule is excluded by CAP_SYS_ADMIN');
  });

  it("reports a Docker profile's mistakes with pointers", () => {
    const bad = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { name: 'read', names: ['write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4' } },
      ],
    };
    assert.throws(
      () => kago.dockerProfileToOci(bad, { arch: 'amd64', kernel: '6.1' }),
      (e: unknown) => {
        assert.ok(e instanceof KagoProblemsError);
        assert.deepStrictEqual(
          e.problems.map((p) => p.pointer),
          ['/syscalls/0', '/syscalls/1/includes/minKernel'],
        );
        return true;
      },
    );
    assert.throws(() => kago.dockerProfileToOci(dockerFormat, { arch: 'amd64' }), /minKernel: depends on the host's kernel/);
  });

  it('compiles the same bytes as the core kago loads', () => {
    const core = loadCoreSync(readFileSync(join(repoRoot, 'wasm', 'kago-core.wasm')));
    const expected = new Uint8Array(core.seccomp.compile(dockerOci).bpf);
    const bpf = kago.compileSeccomp(dockerOci);
    assert.ok(bpf.length > 8 && bpf.length % 8 === 0);
    assert.deepStrictEqual(bpf, expected);
    // An object and a whole config.json compile to the same filter.
    assert.deepStrictEqual(kago.compileSeccomp(JSON.parse(dockerOci) as object), expected);
    assert.deepStrictEqual(kago.compileSeccomp({ ociVersion: '1.3.0', linux: { seccomp: JSON.parse(dockerOci) } }), expected);
  });

  it('answers by name or number, with the path that decided', () => {
    const bpf = kago.compileSeccomp(dockerOci);
    const allowed = kago.simulate(bpf, 'x86_64', 'read');
    assert.equal(allowed.action, 'SCMP_ACT_ALLOW');
    assert.equal(allowed.nr, 0);
    const denied = kago.simulate(bpf, 'SCMP_ARCH_X86_64', 169);
    assert.equal(denied.syscall, 'reboot');
    assert.equal(denied.action, 'SCMP_ACT_ERRNO');
    assert.equal(denied.errno, 1);
    assert.equal(kago.simulate(bpf, 'x86_64', 'clone3').errno, 38);
    // socket(AF_VSOCK = 40) is the one family Docker refuses.
    assert.equal(kago.simulate(bpf, 'x86_64', 'socket', [40]).action, 'SCMP_ACT_ERRNO');
    assert.equal(kago.simulate(bpf, 'x86_64', 'socket', [2]).action, 'SCMP_ACT_ALLOW');
    const why = kago.explain(bpf, 'x86_64', 'socket', [40]);
    assert.equal(why.steps.length, Math.min(why.executed, 64));
    assert.match(why.steps[0]?.text ?? '', /^ld \[4\]/);
    assert.match(why.steps.at(-1)?.text ?? '', /^ret ERRNO\(1\)/);
    // A foreign architecture is killed at the door.
    assert.equal(kago.simulate(bpf, 'aarch64', 'read').action, 'SCMP_ACT_KILL_PROCESS');
  });

  it('maps names per architecture and refuses unknown ones', () => {
    assert.equal(kago.syscallNumber('x86_64', 'mkdir'), 83);
    assert.equal(kago.syscallNumber('aarch64', 'mkdir'), null);
    assert.equal(kago.syscallNumber('arm64', 'mkdirat'), 34);
    assert.equal(kago.syscallNumber('x32', 'read'), 0x40000000);
    assert.equal(kago.syscallName('SCMP_ARCH_X86', 39), 'mkdir');
    assert.ok(kago.architectures().includes('SCMP_ARCH_RISCV64'));
    const bpf = kago.compileSeccomp(dockerOci);
    assert.throws(() => kago.simulate(bpf, 'aarch64', 'mkdir'), /no syscall named "mkdir"/);
    assert.throws(() => kago.simulate(bpf, 'vax', 'read'), /unknown architecture/);
  });

  it('validates a config.json with JSON pointers', () => {
    const problems = kago.validate(
      JSON.stringify({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { cwd: 'relative', args: ['sh'], user: { uid: 0, gid: 0 } } }),
    );
    assert.ok(
      problems.some((p) => p.pointer === '/process/cwd' && p.severity === 'error'),
      JSON.stringify(problems),
    );
    assert.throws(
      () => kago.compileSeccomp('{"defaultAction": "SCMP_ACT_NOPE"}'),
      (e: unknown) => e instanceof KagoProblemsError && e.problems.some((p) => p.pointer === '/defaultAction'),
    );
  });

  it('computes cgroup writes', () => {
    const w = kago.cgroupWrites({ pids: { limit: 100 } }, { v1: [], v2: ['pids'], hugepageSizes: [], swapAccounting: false, bfq: false });
    assert.ok(
      w.writes.some((x) => x.file === 'pids.max' && x.value === '100'),
      JSON.stringify(w),
    );
  });

  it('disassembles and analyzes a filter', () => {
    const bpf = kago.compileSeccomp(dockerOci);
    const insns = disassemble(bpf);
    assert.equal(insns.length, bpf.length / 8);
    assert.ok(
      insns.every((i) => !i.text.includes('?')),
      'every instruction decodes',
    );
    const [x86_64] = analyzeFilter(kago, bpf, ['SCMP_ARCH_X86_64']);
    assert.ok(x86_64);
    assert.equal(x86_64.outcomes.find((o) => o.name === 'reboot')?.action, 'SCMP_ACT_ERRNO');
    assert.ok((x86_64.counts.SCMP_ACT_ALLOW ?? 0) > 300);
    assert.ok(x86_64.maxExecuted >= x86_64.meanExecuted && x86_64.meanExecuted > 3);
    console.log(
      `      Docker's profile on x86_64: ${bpf.length / 8} instructions, ` +
        `${x86_64.meanExecuted.toFixed(1)} executed on average, ${x86_64.maxExecuted} at most`,
    );
  });

  it('loads synchronously too', () => {
    assert.equal(loadKagoSync().syscallNumber('x86_64', 'read'), 0);
  });
});
