// `--seccomp-record FILE`: a container run once under a filter that stops
// every system call at the recorder, which writes the smallest OCI profile
// that lets the same workload run again. runc (1.1.5), crun and youki have
// no such feature, so there is nothing to compare with: these tests check the
// recording against the workload itself, by replaying it under kago.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type makeBundle, makeRootfs, shell } from '../helpers/bundle.ts';
import { rootlessSpec } from '../../host/spec/default.ts';
import { harness } from '../helpers/harness.ts';
import { kagoBin, repoRoot, sharedData } from '../helpers/paths.ts';
import { waitFor } from '../helpers/wait.ts';
import { Recording, recordedProfile } from '../../host/seccomp-record/profile.ts';

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

interface Recorded {
  defaultAction: string;
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: Rule[];
}

const WORKLOAD = '/bin/record_workload';

/** config.json as the bundle helpers type it. */
type Spec = Parameters<NonNullable<Parameters<typeof makeBundle>[1]>>[0];

describe('seccomp recording (--seccomp-record)', function () {
  this.timeout(60_000);
  const h = harness();
  const kago = h.kago;
  let out: string;
  let workload: string;

  before(function () {
    out = mkdtempSync(join(tmpdir(), 'kago-record-'));
    workload = join(out, 'record_workload');
    const cc = spawnSync(
      'gcc',
      ['-static', '-pthread', '-O2', '-Wall', '-Wextra', '-Werror', '-o', workload, join(repoRoot, 'test/seccomp/record_workload.c')],
      { encoding: 'utf8' },
    );
    assert.equal(cc.status, 0, cc.stderr);
  });

  const withWorkload = { prepare: (b: { rootfs: string }) => copyFileSync(workload, join(b.rootfs, WORKLOAD)) };

  function profileAt(file: string): Recorded {
    return JSON.parse(readFileSync(file, 'utf8')) as Recorded;
  }

  function allowed(p: Recorded): string[] {
    return p.syscalls.find((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args)?.names ?? [];
  }

  /** Runs args in the foreground with --seccomp-record; the profile is written by the time kago returns. */
  function record(name: string, args: string[], configure?: (s: Spec) => void, flags: string[] = []): { profile: Recorded; stdout: string; file: string } {
    const file = join(out, `${name}.json`);
    const r = h.runIn(args, configure, { flags: ['--seccomp-record', file, ...flags], ...withWorkload });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(recordersFor(file), [], 'the recorder is gone when run returns');
    return { profile: profileAt(file), stdout: r.stdout, file };
  }

  function replay(profile: Recorded, args: string[]): ReturnType<typeof h.runIn> {
    return h.runIn(
      args,
      (s) => {
        s.linux!.seccomp = profile as unknown as NonNullable<Spec['linux']>['seccomp'];
      },
      withWorkload,
    );
  }

  /** Recorder processes (`kago __seccomp-record REQUEST`) that would write `file`. */
  function recordersFor(file: string): number[] {
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .filter((pid) => {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
          const at = argv.indexOf('__seccomp-record');
          return at >= 0 && (JSON.parse(Buffer.from(argv[at + 1] ?? '', 'base64').toString('utf8')) as { file?: string }).file === file;
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  /** The temporary files a profile is written through, left in its directory. */
  function temporaries(): string[] {
    return readdirSync(out).filter((n) => n.endsWith('.kago-tmp'));
  }

  it('records ls, cat and sh pipelines; the profile replays them, and denies mkdir, which they never made, with EPERM', function () {
    const script = 'ls -l /etc | cat; cat /etc/passwd | wc -l; echo $(echo nested) | tr a-z A-Z';
    const { profile, stdout } = record('busybox', shell(script));
    assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(profile.defaultErrnoRet, 1);
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    assert.equal(profile.syscalls.length, 1, 'one rule: nothing was refused');
    const names = allowed(profile);
    assert.deepEqual(names, [...names].sort());
    // The program's exec, and init's own calls between loading the filter and it (READY, the FIFO).
    for (const n of ['execve', 'openat', 'read', 'write', 'pipe2', 'wait4', 'exit_group', 'sendmsg']) assert.ok(names.includes(n), `${n} recorded`);
    assert.ok(!names.includes('mkdir') && !names.includes('mkdirat'));

    const again = replay(profile, shell(script));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, stdout);
    const denied = replay(profile, shell('mkdir /tmp/made; echo status=$?'));
    assert.match(denied.stdout, /status=1/);
    assert.match(denied.stderr, /Operation not permitted/);
  });

  it('records the calls of every thread of a multi-threaded program', function () {
    const { profile, stdout } = record('threads', [WORKLOAD, 'threads', '8']);
    assert.equal(stdout, 'threads ok\n');
    const names = allowed(profile);
    // getcpu is made by the threads only.
    for (const n of ['getcpu', 'futex', 'getppid']) assert.ok(names.includes(n), `${n} recorded`);
    assert.ok(names.includes('clone3') || names.includes('clone'), "the threads' creation recorded");
    const again = replay(profile, [WORKLOAD, 'threads', '8']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'threads ok\n');
  });

  it('records the calls of a forked child', function () {
    const { profile } = record('fork', [WORKLOAD, 'fork']);
    // times is made by the child only.
    assert.ok(allowed(profile).includes('times'));
    const again = replay(profile, [WORKLOAD, 'fork']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'fork ok\n');
    const without = replay({ ...profile, syscalls: [{ names: allowed(profile).filter((n) => n !== 'times'), action: 'SCMP_ACT_ALLOW' }] }, [WORKLOAD, 'fork']);
    assert.notEqual(without.code, 0, "the child's call was what the profile needed");
  });

  it('records a 32-bit call under its own architecture', function () {
    const { profile, stdout } = record('int80', [WORKLOAD, 'int80']);
    assert.equal(stdout, 'getuid32 0\n');
    assert.ok(profile.architectures.includes('SCMP_ARCH_X86'));
    // getuid32 exists only on 32-bit x86: its name came from that table.
    assert.ok(allowed(profile).includes('getuid32'));
    const again = replay(profile, [WORKLOAD, 'int80']);
    assert.equal(again.stdout, 'getuid32 0\n', again.stderr);
  });

  it("under the config's own profile, what it denies stays denied and is listed as refused", function () {
    const docker = JSON.parse(readFileSync(join(sharedData, 'seccomp-docker-default.oci.json'), 'utf8')) as { syscalls: Rule[] };
    // Docker's profile, but mkdir refused with EACCES.
    docker.syscalls = [
      ...docker.syscalls.map((r) => ({ ...r, names: r.names.filter((n) => n !== 'mkdir') })),
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    ];
    const script = 'ls / >/dev/null; mkdir /tmp/made; echo mkdir=$?; unshare -n true; echo unshare=$?; ls /tmp';
    const { profile, stdout } = record('docker', shell(script), (s) => {
      s.linux!.seccomp = docker as unknown as NonNullable<Spec['linux']>['seccomp'];
    });
    assert.equal(stdout, 'mkdir=1\nunshare=1\n', 'the calls failed as the profile says, and /tmp stayed empty');
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.ok(!allowed(profile).includes('mkdir') && !allowed(profile).includes('unshare'));
    assert.deepEqual(
      profile.syscalls.find((r) => r.names.includes('mkdir')),
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    );
    assert.deepEqual(
      profile.syscalls.find((r) => r.names.includes('unshare')),
      { names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    );
    const again = replay(profile, shell(script));
    assert.equal(again.stdout, stdout, again.stderr);
  });

  it('records a profile that asks for SECCOMP_FILTER_FLAG_TSYNC, which the kernel refuses with a listener', function () {
    const { profile, stdout } = record('tsync', shell('echo synced'), (s) => {
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        flags: ['SECCOMP_FILTER_FLAG_TSYNC'],
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
      } as NonNullable<Spec['linux']>['seccomp'];
    });
    assert.equal(stdout, 'synced\n');
    assert.ok(allowed(profile).includes('execve'));
  });

  it("a call the config's profile kills is not made, and is listed with the profile's action", function () {
    const { profile, stdout } = record('kill', shell('mkdir /tmp/made; echo status=$?; ls /tmp'), (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL_PROCESS' }] };
    });
    // The kernel's kill would say SIGSYS (159); the recorder's is SIGKILL (docs/seccomp-record.md).
    assert.match(stdout, /^status=(137|159)\n$/);
    assert.deepEqual(
      profile.syscalls.find((r) => r.names.includes('mkdir')),
      { names: ['mkdir'], action: 'SCMP_ACT_KILL_PROCESS' },
    );
  });

  it('the annotation asks for a recording, with argument rules; a detached container writes it when it ends', function () {
    const { id, bundle } = h.bundle(shell('ip link >/dev/null; echo $(ls /) >/dev/null'), (s) => {
      s.annotations = { 'org.kago.seccomp.record': 'recorded.json', 'org.kago.seccomp.record-args': 'true' };
    });
    const file = join(bundle.dir, 'recorded.json');
    kago.ok(['create', '--bundle', bundle.dir, id]);
    kago.ok(['start', id]);
    waitFor(() => existsSync(file));
    const profile = profileAt(file);
    assert.ok(!allowed(profile).includes('socket') && !allowed(profile).includes('clone'), 'no bare names for the argument rules');
    // ip's netlink socket (AF_NETLINK = 16), the shell's fork (no namespace flags).
    const sockets = profile.syscalls.filter((r) => r.names[0] === 'socket');
    assert.ok(
      sockets.some((r) => r.args?.[0]?.value === 16),
      'AF_NETLINK recorded',
    );
    for (const r of sockets) assert.deepEqual(Object.keys(r.args![0]!).sort(), ['index', 'op', 'value']);
    assert.deepEqual(
      profile.syscalls.filter((r) => r.names[0] === 'clone'),
      [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }],
    );
    // `kago seccomp explain` on the recording: a family never used (AF_VSOCK) is refused.
    assert.match(kago.ok(['seccomp', 'explain', '--arch', 'x86_64', file, 'socket', '16']).stdout, /SCMP_ACT_ALLOW/);
    assert.match(kago.ok(['seccomp', 'explain', '--arch', 'x86_64', file, 'socket', '40']).stdout, /SCMP_ACT_ERRNO \(errno 1\)/);
    assert.match(kago.ok(['seccomp', 'explain', '--arch', 'x86_64', file, 'clone', String(0x10000000 | 17)]).stdout, /SCMP_ACT_ERRNO/);
    kago.ok(['delete', id]);
    const again = replay(profile, shell('ip link >/dev/null && echo ok'));
    assert.equal(again.stdout, 'ok\n', again.stderr);
  });

  it('refuses a bad request in one line, before anything exists', function () {
    const missing = h.runIn(['true'], undefined, { flags: ['--seccomp-record', join(out, 'no-such-dir', 'p.json')] });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    assert.match(missing.stderr, /--seccomp-record .*no-such-dir\/p\.json: its directory does not exist/);
    const bad = h.runIn(['true'], (s) => {
      s.annotations = { 'org.kago.seccomp.record': 'p.json', 'org.kago.seccomp.record-args': 'yes' };
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /config\.json: \/annotations\/org\.kago\.seccomp\.record-args: must be "true" or "false"/);
    const agent = h.runIn(
      ['true'],
      (s) => {
        s.linux!.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: '/run/none.sock',
          syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
        } as NonNullable<Spec['linux']>['seccomp'];
      },
      { flags: ['--seccomp-record', join(out, 'agent.json')] },
    );
    assert.equal(agent.code, 1);
    assert.match(agent.stderr, /config\.json: \/linux\/seccomp\/listenerPath: /);
    assert.equal(kago.run(['run', '--seccomp-record-args', '--bundle', '/nonexistent', 'x']).code, 1);
  });

  it('the annotation makes a new .json file and never replaces one: whoever writes the config is not root', function () {
    const victim = join(out, 'victim.json');
    writeFileSync(victim, 'kept\n');
    const replace = h.runIn(['true'], (s) => {
      s.annotations = { 'org.kago.seccomp.record': victim };
    });
    assert.equal(replace.code, 1);
    assert.equal(replace.stderr.trim().split('\n').length, 1, replace.stderr);
    assert.match(replace.stderr, /config\.json: \/annotations\/org\.kago\.seccomp\.record: .*victim\.json exists: the annotation only makes a new file/);
    assert.equal(readFileSync(victim, 'utf8'), 'kept\n');
    const notJson = h.runIn(['true'], (s) => {
      s.annotations = { 'org.kago.seccomp.record': join(out, 'profile') };
    });
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /config\.json: \/annotations\/org\.kago\.seccomp\.record: must name a \.json file/);
    assert.equal(existsSync(join(out, 'profile')), false);
    // The flag is the caller's own choice, as with --pid-file: it replaces the file.
    const flag = h.runIn(['true'], undefined, { flags: ['--seccomp-record', victim] });
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(readFileSync(victim, 'utf8'), /"defaultAction": "SCMP_ACT_ERRNO"/);
  });

  interface KagoState {
    pid: number;
    kago: { recorder?: { pid: number } };
  }

  /** The container's state.json as kago wrote it, or null before it is there (or while it is replaced). */
  function stateOf(id: string): KagoState | null {
    try {
      return JSON.parse(readFileSync(join(kago.root, id, 'state.json'), 'utf8')) as KagoState;
    } catch {
      return null;
    }
  }

  function runsSleep(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep');
    } catch {
      return false;
    }
  }

  it('refuses to record for a user without privileges, in one line, before anything exists', function () {
    // init is not dumpable, so pidfd_getfd on it needs CAP_SYS_PTRACE on the host.
    const user = 'kago-record-test';
    if (spawnSync('id', ['-u', user]).status !== 0) assert.equal(spawnSync('useradd', ['--no-create-home', '--shell', '/bin/sh', user]).status, 0);
    h.defer(() => spawnSync('userdel', [user]));
    const dir = h.scratch(mkdtempSync(join(tmpdir(), 'kago-record-user-')));
    chmodSync(dir, 0o777);
    makeRootfs(join(dir, 'rootfs'));
    const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout);
    const spec = rootlessSpec(uid, Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout));
    spec.process!.terminal = false;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    const file = join(dir, 'p.json');
    const r = spawnSync(
      'runuser',
      ['-u', user, '--', 'env', '-i', 'PATH=/usr/bin:/bin', `XDG_RUNTIME_DIR=${dir}`, kagoBin, 'run', '--seccomp-record', file, '--bundle', dir, 'rootless'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.equal(
      r.stderr,
      `kago: --seccomp-record ${file}: recording needs root: the recorder must take the seccomp listener out of init (pidfd_getfd), which the kernel allows only with CAP_SYS_PTRACE\n`,
    );
    assert.ok(!existsSync(join(dir, 'kago', 'rootless')), 'no state');
    assert.ok(!existsSync(file));
  });

  /** A recorded container running `sleep`, created and started detached; its recorder's pid. */
  function recordedSleeper(name: string): { id: string; file: string; recorder: number } {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    const file = join(out, `${name}.json`);
    kago.ok(['create', '--seccomp-record', file, '--bundle', bundle.dir, id]);
    kago.ok(['start', id]);
    const state = stateOf(id)!;
    const recorder = state.kago.recorder?.pid;
    assert.ok(recorder, 'the recorder is in the state');
    assert.deepEqual(recordersFor(file), [recorder], 'the recorder found by its command line');
    h.watch(recorder);
    h.watch(state.pid);
    waitFor(() => runsSleep(state.pid));
    return { id, file, recorder };
  }

  it("exec in a recorded container runs under the config's filter, not the recording's", function () {
    const { id } = recordedSleeper('exec');
    const r = kago.run(['exec', id, 'echo', 'hello'], { timeoutMs: 10_000 });
    assert.equal(r.stdout, 'hello\n', r.stderr);
  });

  it('a recorder killed with SIGKILL leaves nothing behind after delete --force', function () {
    const { id, file, recorder } = recordedSleeper('recorder-killed');
    process.kill(recorder, 'SIGKILL');
    kago.ok(['delete', '--force', id]);
    // The harness checks state, cgroups, mounts and the watched processes.
    assert.ok(!existsSync(file), 'no recording: the recorder had died');
    assert.deepEqual(recordersFor(file), []);
    assert.deepEqual(temporaries(), []);
  });

  it('kago killed with SIGKILL during create, once the recorder runs: delete --force leaves nothing behind', async function () {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    const file = join(out, 'create-killed.json');
    const creating = kago.spawn(['create', '--seccomp-record', file, '--bundle', bundle.dir, id]);
    let recorder = 0;
    waitFor(() => {
      recorder = stateOf(id)?.kago.recorder?.pid ?? 0;
      return recorder > 0;
    }, 20_000);
    h.watch(recorder);
    process.kill(creating.pid!, 'SIGKILL');
    const r = await creating;
    // It may have finished just before the signal; either way delete --force must clean up.
    assert.ok(r.signal === 'SIGKILL' || r.code === 0, r.stderr);
    kago.ok(['delete', '--force', id]);
    assert.deepEqual(recordersFor(file), []);
    assert.deepEqual(temporaries(), []);
  });

  it('a create that fails after the recorder started leaves neither recorder nor file', function () {
    const file = join(out, 'failed.json');
    const r = h.runIn(
      ['true'],
      (s) => {
        s.mounts = [...(s.mounts ?? []), { destination: '/data', type: 'no-such-fs', source: 'none' }];
      },
      { flags: ['--seccomp-record', file] },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no-such-fs/);
    assert.deepEqual(recordersFor(file), []);
    assert.ok(!existsSync(file));
    assert.deepEqual(temporaries(), []);
  });

  it('kago killed with SIGKILL while it records: delete --force leaves nothing behind, and the recording is written', async function () {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    const file = join(out, 'kago-killed.json');
    const running = kago.spawn(['run', '--seccomp-record', file, '--bundle', bundle.dir, id]);
    let recorder = 0;
    waitFor(() => {
      const s = stateOf(id);
      recorder = s?.kago.recorder?.pid ?? 0;
      return recorder > 0 && s!.pid > 0 && runsSleep(s!.pid);
    });
    h.watch(recorder);
    process.kill(running.pid!, 'SIGKILL');
    assert.equal((await running).signal, 'SIGKILL');
    kago.ok(['delete', '--force', id]);
    assert.deepEqual(recordersFor(file), []);
    const profile = profileAt(file);
    assert.ok(allowed(profile).includes('clock_nanosleep') || allowed(profile).includes('nanosleep'));
    assert.deepEqual(temporaries(), []);
  });
});

describe('seccomp recording: from calls seen to the profile (host/seccomp-record/profile.ts)', () => {
  it('a name allowed once is allowed, whatever the profile refused it before or after', () => {
    const r = new Recording(false);
    r.add('SCMP_ARCH_X86_64', 'personality', 135, [0n], { action: 'SCMP_ACT_ERRNO', errno: 1 });
    r.add('SCMP_ARCH_X86_64', 'personality', 135, [8n], null);
    r.add('SCMP_ARCH_X86_64', 'personality', 135, [0xffn], { action: 'SCMP_ACT_ERRNO', errno: 1 });
    r.add('SCMP_ARCH_X86_64', 'mkdir', 83, [], { action: 'SCMP_ACT_ERRNO', errno: 13 });
    const p = recordedProfile(r, ['SCMP_ARCH_X86_64']);
    assert.deepEqual(p.syscalls, [
      { names: ['personality'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    ]);
  });

  it('argument rules per value seen; a value JSON cannot carry exactly falls back to the bare name', () => {
    const r = new Recording(true);
    r.add('SCMP_ARCH_X86_64', 'socket', 41, [10n], null);
    r.add('SCMP_ARCH_X86_64', 'socket', 41, [1n], null);
    r.add('SCMP_ARCH_X86_64', 'socket', 41, [10n], null);
    r.add('SCMP_ARCH_X86_64', 'personality', 135, [0xffffffffffffffffn], null);
    r.add('SCMP_ARCH_X86_64', 'clone', 56, [0x01200011n], null);
    const p = recordedProfile(r, ['SCMP_ARCH_X86_64']);
    assert.deepEqual(p.syscalls, [
      { names: ['personality'], action: 'SCMP_ACT_ALLOW' },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 10, op: 'SCMP_CMP_EQ' }] },
    ]);
  });

  it('adds an architecture a call came from; leaves out numbers without a name', () => {
    const r = new Recording(false);
    r.add('SCMP_ARCH_X32', 'read', 0x40000000, [], null);
    r.add('SCMP_ARCH_X86_64', null, 1023, [], null);
    const p = recordedProfile(r, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(p.syscalls, [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
    assert.deepEqual([...r.unnamed], ['SCMP_ARCH_X86_64:1023']);
  });
});
