import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeccompApi, SeccompCompilation } from '../../wasm/seccomp.ts';
import { repoRoot, sharedData } from '../helpers/paths.ts';
import { asDiff, buildHarness, dockerArches, dockerProfile, loadSeccomp, runJson, type Harness } from './harness.ts';
import { randomProfile } from './random-profile.ts';

// SECCOMP_RET_* (include/uapi/linux/seccomp.h)
const ALLOW = 0x7fff0000;
const ERRNO = 0x00050000;
const KILL_PROCESS = 0x80000000;
const KILL_THREAD = 0;
const TRACE = 0x7ff00000;

const LE = [
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_RISCV64',
];
const BE = ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_S390X', 'SCMP_ARCH_S390'];

function profile(o: Record<string, unknown>): string {
  return JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], ...o });
}

describe('seccomp compiler (core-c/seccomp)', function () {
  let sc: SeccompApi;
  let h: Harness;

  before(function () {
    this.timeout(120000);
    sc = loadSeccomp();
    h = buildHarness();
  });
  after(() => h?.cleanup());

  function compileOk(text: string, arches: readonly string[] = []): SeccompCompilation {
    const c = sc.compile(text, arches);
    assert.equal(c.report.ok, true, JSON.stringify(c.report.problems));
    return c;
  }

  function verdict(c: SeccompCompilation, arch: string, nr: number, args: bigint[] = []): number {
    const v = sc.simulate(c.bpf, arch, nr, args);
    assert.equal(v.valid, true, v.error);
    return v.ret >>> 0;
  }

  describe('syscall tables', () => {
    // Numbers from each ABI's unistd headers; x32 adds __X32_SYSCALL_BIT,
    // MIPS adds __NR_O32_Linux/__NR_64_Linux/__NR_N32_Linux.
    const cases: [string, string, number][] = [
      ['SCMP_ARCH_X86_64', 'read', 0],
      ['SCMP_ARCH_X86', 'read', 3],
      ['SCMP_ARCH_X32', 'read', 0x40000000],
      ['SCMP_ARCH_X32', 'rt_sigaction', 0x40000000 + 512],
      ['SCMP_ARCH_AARCH64', 'read', 63],
      ['SCMP_ARCH_ARM', 'cacheflush', 0x0f0002],
      ['SCMP_ARCH_MIPS', 'read', 4003],
      ['SCMP_ARCH_MIPSEL64', 'read', 5000],
      ['SCMP_ARCH_MIPS64N32', 'read', 6000],
      ['SCMP_ARCH_PPC64LE', 'read', 3],
      ['SCMP_ARCH_S390X', 'read', 3],
      ['SCMP_ARCH_RISCV64', 'read', 63],
      ['SCMP_ARCH_LOONGARCH64', 'read', 63],
      ['SCMP_ARCH_PPC', 'spu_run', 278],
    ];
    for (const [arch, name, nr] of cases) {
      it(`${name} is ${nr} on ${arch}`, () => {
        const c = compileOk(profile({ architectures: [arch], syscalls: [{ names: [name], action: 'SCMP_ACT_ALLOW' }] }));
        assert.equal(verdict(c, arch, nr), ALLOW);
        // Above the only name of the profile: a syscall newer than the profile, ENOSYS (runc's patchbpf).
        assert.equal(verdict(c, arch, nr + 1), ERRNO | (arch.startsWith('SCMP_ARCH_MIPS') ? 89 : 38));
        // below x32's first number is x86_64's domain: not this filter's
        if (nr !== 0x40000000) assert.equal(verdict(c, arch, nr - 1), ERRNO | 1);
      });
    }

    it('the generated table is what the generator makes of the CSV', function () {
      const csv = join(sharedData, 'syscalls.csv');
      if (!existsSync(csv)) this.skip();
      const out = join(h.dir, 'syscalls.gen.c');
      execFileSync(process.execPath, [join(repoRoot, 'core-c/seccomp/gen-syscalls.mjs'), csv, out]);
      assert.equal(readFileSync(out, 'utf8'), readFileSync(join(repoRoot, 'core-c/seccomp/syscalls.gen.c'), 'utf8'));
      assert.equal(readFileSync(join(h.dir, 'syscalls.sizes.h'), 'utf8'), readFileSync(join(repoRoot, 'core-c/seccomp/syscalls.sizes.h'), 'utf8'));
    });
  });

  describe('semantics', () => {
    it('kills the process for an architecture the filter does not list', () => {
      const c = compileOk(profile({ defaultAction: 'SCMP_ACT_ALLOW' }));
      assert.equal(c.report.badArchAction?.ret, KILL_PROCESS);
      assert.equal(verdict(c, 'SCMP_ARCH_AARCH64', 0), KILL_PROCESS);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 0), ALLOW);
    });

    it('tells x32 from x86_64 by the x32 bit, and lets -1 through as libseccomp does', () => {
      const only64 = compileOk(profile({ defaultAction: 'SCMP_ACT_ALLOW' }));
      assert.equal(verdict(only64, 'SCMP_ARCH_X86_64', 0x40000000), KILL_PROCESS);
      assert.equal(verdict(only64, 'SCMP_ARCH_X86_64', 0xffffffff), ALLOW);
      const both = compileOk(
        profile({
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'],
          syscalls: [{ names: ['rt_sigaction'], action: 'SCMP_ACT_ALLOW' }],
        }),
      );
      assert.equal(verdict(both, 'SCMP_ARCH_X86_64', 13), ALLOW);
      assert.equal(verdict(both, 'SCMP_ARCH_X32', 0x40000000 + 512), ALLOW);
      assert.equal(verdict(both, 'SCMP_ARCH_X32', 0x40000000 + 13), ERRNO | 1);
    });

    it('ANDs conditions on distinct arguments and ORs repeated ones (runc splits the rule)', () => {
      const c = compileOk(
        profile({
          syscalls: [
            {
              names: ['read'],
              action: 'SCMP_ACT_ALLOW',
              args: [
                { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
                { index: 1, value: 2, op: 'SCMP_CMP_EQ' },
              ],
            },
            {
              names: ['write'],
              action: 'SCMP_ACT_ALLOW',
              args: [
                { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
                { index: 0, value: 2, op: 'SCMP_CMP_EQ' },
              ],
            },
          ],
        }),
      );
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 0, [1n, 2n]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 0, [1n, 3n]), ERRNO | 1);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 1, [1n]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 1, [2n]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 1, [3n]), ERRNO | 1);
    });

    it('compares all 64 bits on 64-bit ABIs and the low word on 32-bit ones', () => {
      const text = profile({
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
        syscalls: [
          { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
          { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0x1_0000_0000, op: 'SCMP_CMP_GT' }] },
          { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        ],
      });
      const c = compileOk(text);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 135, [0xffffffffn]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 135, [0xffffffffffffffffn]), ERRNO | 1);
      assert.equal(verdict(c, 'SCMP_ARCH_X86', 136, [0xffffffffn]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 62, [0n, 0x1_0000_0001n]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 62, [0n, 0x1_0000_0000n]), ERRNO | 1);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 56, [0x11n]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 56, [0x10000000n]), ERRNO | 1);
    });

    it('reads big-endian argument words on big-endian ABIs', () => {
      const c = compileOk(
        profile({
          architectures: ['SCMP_ARCH_S390X'],
          syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0x1_0000_0002, op: 'SCMP_CMP_EQ' }] }],
        }),
      );
      assert.equal(verdict(c, 'SCMP_ARCH_S390X', 3, [0n, 0n, 0x1_0000_0002n]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_S390X', 3, [0n, 0n, 0x2_0000_0001n]), ERRNO | 1);
    });

    it('a rule without conditions takes the syscall; rules equal to the default are dropped', () => {
      const c = compileOk(
        profile({
          syscalls: [
            { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
            { names: ['read'], action: 'SCMP_ACT_ALLOW' },
            { names: ['read'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
            { names: ['write'], action: 'SCMP_ACT_ERRNO' },
          ],
        }),
      );
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 0, [1n]), ALLOW);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 1), ERRNO | 1);
      assert.equal(c.report.arches?.[0]?.syscalls, 1);
    });

    it('carries errnoRet, defaultErrnoRet and the trace value in the data bits', () => {
      const c = compileOk(
        profile({
          defaultErrnoRet: 38,
          syscalls: [
            { names: ['read'], action: 'SCMP_ACT_TRACE', errnoRet: 4242 },
            { names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          ],
        }),
      );
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 0), TRACE | 4242);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 1), ERRNO | 13);
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 2), ERRNO | 38);
    });

    it('passes the flags through and reports notify and the listener', () => {
      const c = compileOk(
        profile({
          flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
          listenerPath: '/run/agent.sock',
          syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }],
        }),
      );
      assert.equal(c.report.flags, 1 | 2 | 4 | 32);
      assert.equal(c.report.notify, true);
      assert.equal(c.report.listenerPath, '/run/agent.sock');
      assert.equal(verdict(c, 'SCMP_ARCH_X86_64', 165), 0x7fc00000);
    });
  });

  describe('problems', () => {
    function pointers(text: string, sev: 'error' | 'warning' = 'error'): string[] {
      return sc
        .compile(text)
        .report.problems.filter((p) => p.severity === sev)
        .map((p) => p.pointer);
    }

    it('points at a bad action, operator, errnoRet, architecture and flag', () => {
      assert.deepEqual(
        pointers(
          profile({
            architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'],
            flags: ['SECCOMP_FILTER_FLAG_NOPE'],
            syscalls: [
              { names: ['read'], action: 'SCMP_ACT_MAYBE' },
              { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_ABOUT' }] },
              { names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 },
              { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] },
            ],
          }),
        ).sort(),
        ['/architectures/1', '/flags/0', '/syscalls/0/action', '/syscalls/1/args/0/op', '/syscalls/2/errnoRet', '/syscalls/3/args/0/index'].sort(),
      );
    });

    it('warns about unknown syscall names, relative to /linux/seccomp in a config.json', () => {
      const config = JSON.stringify({
        ociVersion: '1.3.0',
        linux: {
          seccomp: JSON.parse(
            profile({
              syscalls: [{ names: ['read', 'no_such_call'], action: 'SCMP_ACT_ALLOW' }],
            }),
          ),
        },
      });
      const c = sc.compile(config);
      assert.equal(c.report.ok, true);
      assert.equal(c.report.pointer, '/linux/seccomp');
      assert.deepEqual(
        c.report.problems.map((p) => [p.severity, p.pointer]),
        [['warning', '/linux/seccomp/syscalls/0/names/1']],
      );
      assert.ok(c.bpf.byteLength > 0);
    });

    it('generates nothing for a config without linux.seccomp, and refuses NOTIFY as default', () => {
      const none = sc.compile(JSON.stringify({ ociVersion: '1.3.0', linux: {} }));
      assert.equal(none.report.seccomp, false);
      assert.equal(none.bpf.byteLength, 0);
      assert.deepEqual(pointers(profile({ defaultAction: 'SCMP_ACT_NOTIFY' })), ['/defaultAction']);
    });
  });

  describe("Docker's default profile", () => {
    let c: SeccompCompilation;
    before(() => {
      c = compileOk(readFileSync(dockerProfile, 'utf8'));
    });

    it('is at most 1001 instructions, <= 16 executed on average and <= 24 at most per arch', () => {
      assert.ok((c.report.instructions ?? Infinity) <= 1001, `${c.report.instructions} instructions`);
      assert.equal(c.bpf.byteLength / 8, c.report.instructions);
      const x32 = 0x40000000;
      for (const arch of dockerArches) {
        let total = 0;
        let max = 0;
        for (let nr = 0; nr <= 450; nr++) {
          const v = sc.simulate(c.bpf, arch, arch === 'SCMP_ARCH_X32' ? (x32 | nr) >>> 0 : nr);
          total += v.executed;
          max = Math.max(max, v.executed);
        }
        assert.ok(total / 451 <= 16, `${arch}: mean ${total / 451}`);
        assert.ok(max <= 24, `${arch}: max ${max}`);
      }
    });

    it('is the same program in the wasm and natively', () => {
      const out = join(h.dir, 'docker-native.bpf');
      runJson(h.tool, ['compile', dockerProfile, '', out]);
      assert.deepEqual(new Uint8Array(readFileSync(out)), new Uint8Array(c.bpf));
    });

    for (const optimize of ['1', '2']) {
      it(`gives libseccomp's verdicts (optimize=${optimize}) except where libseccomp 2.5.4 lacks a number`, () => {
        const ours = join(h.dir, 'docker-kt.bpf');
        const theirs = join(h.dir, `docker-l${optimize}.bpf`);
        const gaps = join(h.dir, 'docker-gaps.txt');
        runJson(h.tool, ['compile', dockerProfile, '', ours, 'kill-thread']);
        writeFileSync(gaps, execFileSync(h.oracle, [dockerProfile, '', theirs, optimize], { encoding: 'utf8' }));
        const names = new Set(
          readFileSync(gaps, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(' ')[1]),
        );
        assert.deepEqual([...names].sort(), [
          'getxattrat',
          'listmount',
          'listxattrat',
          'map_shadow_stack',
          'mseal',
          'removexattrat',
          'setxattrat',
          'statmount',
          'uretprobe',
        ]);
        const d = asDiff(runJson(h.tool, ['diff', dockerProfile, ours, theirs, dockerArches.join(','), gaps, '7', '300000']));
        assert.equal(d.invalid, 0);
        assert.deepEqual(d.mismatchList, []);
        assert.equal(d.libseccompWrong, 0);
        assert.ok(d.expectedDifferences > 0, 'kago allows the syscalls libseccomp 2.5.4 does not know');
      });
    }
  });

  describe('differential test against libseccomp on generated profiles', () => {
    let skipped = 0;
    let libseccompWrong = 0;
    after(() => {
      if (libseccompWrong > 0 || skipped > 0) {
        console.log(`      libseccomp verdicts that contradict the profile: ${libseccompWrong}; ` + `profiles libseccomp refused (EEXIST): ${skipped}`);
      }
    });

    for (const conflicting of [false, true]) {
      it(`${conflicting ? 'rules of one syscall with different actions' : 'one action per syscall'}: 120 profiles`, function () {
        this.timeout(300000);
        for (let seed = 1; seed <= 120; seed++) {
          const group = seed % 3 === 0 ? BE : LE;
          const arches = [...new Set([group[seed % group.length], group[(seed * 7 + 3) % group.length], group[(seed * 5 + 1) % group.length]])] as string[];
          const text = randomProfile({ seed: seed + (conflicting ? 1000 : 0), arches, entries: 25, conflicting });
          const file = join(h.dir, `p${seed}.json`);
          writeFileSync(file, text);
          const theirs = join(h.dir, `p${seed}.l.bpf`);
          const ours = join(h.dir, `p${seed}.k.bpf`);
          const gaps = join(h.dir, `p${seed}.gaps`);
          let gapText: string;
          try {
            gapText = execFileSync(h.oracle, [file, '', theirs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
          } catch (e) {
            // libseccomp refuses two rules with the same conditions and different
            // actions (runc then fails); kago keeps the first.
            if (String((e as { stderr?: unknown }).stderr).includes('File exists')) {
              skipped++;
              continue;
            }
            throw e;
          }
          writeFileSync(gaps, gapText);
          runJson(h.tool, ['compile', file, '', ours, 'kill-thread']);
          const d = asDiff(runJson(h.tool, ['diff', file, ours, theirs, arches.join(','), gaps, String(seed), '20000']));
          assert.equal(d.invalid, 0, `seed ${seed}`);
          assert.deepEqual(d.mismatchList, [], `seed ${seed} (${arches.join(',')}): ${file}`);
          libseccompWrong += d.libseccompWrong;
        }
      });
    }

    it("a filter long enough to need long jumps still gives the profile's verdicts", () => {
      const names = (JSON.parse(readFileSync(dockerProfile, 'utf8')) as { syscalls: { names: string[] }[] }).syscalls[0]!.names;
      const text = JSON.stringify({
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
        syscalls: names.map((n, i) => ({
          names: [n],
          action: i % 3 ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_LOG',
          args: [{ index: i % 6, value: i * 7919, op: ['SCMP_CMP_NE', 'SCMP_CMP_GE', 'SCMP_CMP_LT'][i % 3] }],
        })),
      });
      const file = join(h.dir, 'long.json');
      writeFileSync(file, text);
      const c = compileOk(text);
      assert.ok((c.report.instructions ?? 0) > 1000, 'long enough for far targets');
      const ours = join(h.dir, 'long.k.bpf');
      const theirs = join(h.dir, 'long.l.bpf');
      const gaps = join(h.dir, 'long.gaps');
      runJson(h.tool, ['compile', file, '', ours, 'kill-thread']);
      writeFileSync(gaps, execFileSync(h.oracle, [file, '', theirs], { encoding: 'utf8' }));
      const d = asDiff(runJson(h.tool, ['diff', file, ours, theirs, 'SCMP_ARCH_X86_64,SCMP_ARCH_X86', gaps, '3', '200000']));
      assert.equal(d.invalid, 0);
      assert.deepEqual(d.mismatchList, []);
    });
  });

  describe('interpreter', () => {
    it('counts executed instructions along the path it reports', () => {
      const c = compileOk(profile({ syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
      const v = sc.simulate(c.bpf, 'SCMP_ARCH_X86_64', 0);
      assert.equal(v.executed, v.path.length);
      assert.equal(v.path[0], 0);
      assert.equal(v.action, 'SCMP_ACT_ALLOW');
    });

    it('rejects a program that runs off its end or loads outside seccomp_data', () => {
      const empty = sc.simulate(new ArrayBuffer(0), 'SCMP_ARCH_X86_64', 0);
      assert.equal(empty.valid, false);
      const load = new ArrayBuffer(16);
      const dv = new DataView(load);
      dv.setUint16(0, 0x20, true);
      dv.setUint32(4, 64, true); // past the 64-byte struct
      dv.setUint16(8, 0x06, true);
      assert.equal(sc.simulate(load, 'SCMP_ARCH_X86_64', 0).valid, false);
      dv.setUint32(4, 0, true);
      dv.setUint16(8, 0x16, true); // BPF_RET|BPF_A: returns the number
      const v = sc.simulate(load, 'SCMP_ARCH_X86_64', 1234);
      assert.equal(v.valid, true);
      assert.equal(v.ret, 1234);
      assert.equal(KILL_THREAD, 0);
    });
  });
});
