// The filters the core compiles, loaded by the kernel in real containers.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinuxSeccomp, Spec } from '../../wasm/spec.gen.ts';
import { shell } from '../helpers/bundle.ts';
import { harness } from '../helpers/harness.ts';
import { kernelLog, lastSequence } from '../helpers/kmsg.ts';
import { pythonListener } from '../helpers/python.ts';
import { leftovers } from '../helpers/leaks.ts';
import { sharedData } from '../helpers/paths.ts';

const MKDIR = ['mkdir', 'mkdirat'];

function profile(action: string, extra: Partial<LinuxSeccomp['syscalls'] extends (infer T)[] | undefined ? T : never> = {}): LinuxSeccomp {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: MKDIR, action: action as LinuxSeccomp['defaultAction'], ...extra }],
  };
}

describe('seccomp in the kernel', function () {
  const h = harness();
  const kago = h.kago;
  function runIn(args: string[], configure: (s: Spec) => void) {
    const r = h.runIn(args, (s) => {
      // a writable root, so that only the filter can refuse a mkdir
      s.root!.readonly = false;
      configure(s);
    });
    return { code: r.code, out: r.stdout, err: r.stderr };
  }

  const tryMkdir = shell('mkdir /tmp/d 2>&1; echo rc=$?');

  it('SCMP_ACT_ERRNO answers EPERM by default', function () {
    const r = runIn(tryMkdir, (s) => {
      s.linux!.seccomp = profile('SCMP_ACT_ERRNO');
    });
    assert.match(r.out, /Operation not permitted/);
    assert.match(r.out, /rc=1/);
  });

  it('errnoRet chooses the errno, with and without no_new_privs', function () {
    for (const nnp of [true, false]) {
      const r = runIn(tryMkdir, (s) => {
        s.process!.noNewPrivileges = nnp;
        s.linux!.seccomp = profile('SCMP_ACT_ERRNO', { errnoRet: 28 });
      });
      assert.match(r.out, /No space left on device/, `noNewPrivileges ${nnp}: ${r.out} ${r.err}`);
    }
  });

  it('conditions on arguments decide', function () {
    // kill(pid, sig): only signal 0 is refused.
    const r = runIn(shell('kill -0 $$ 2>&1; echo rc=$?; kill -CONT $$ && echo sent'), (s) => {
      s.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }] }],
      };
    });
    assert.match(r.out, /Operation not permitted\nrc=1\nsent/);
  });

  it('SCMP_ACT_TRAP sends SIGSYS, SCMP_ACT_KILL_PROCESS kills', function () {
    for (const action of ['SCMP_ACT_TRAP', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL']) {
      const r = runIn(shell('sh -c "mkdir /tmp/d"; echo rc=$?'), (s) => {
        s.linux!.seccomp = profile(action);
      });
      assert.match(r.out, /rc=159/, `${action}: 128 + SIGSYS (31): ${r.out} ${r.err}`);
    }
  });

  it('SCMP_ACT_LOG allows and leaves a kernel log entry', function () {
    const marker = `/tmp/logged-${process.pid}`;
    const before = lastSequence();
    const r = runIn(shell(`mkdir ${marker} && echo made`), (s) => {
      s.linux!.seccomp = profile('SCMP_ACT_LOG');
    });
    assert.match(r.out, /made/);
    const added = kernelLog()
      .filter((r) => r.seq > before)
      .map((r) => r.message)
      .join('\n');
    assert.match(added, /type=1326 .*syscall=(83|258)/, 'an audit SECCOMP record for mkdir');
  });

  it("runs under Docker's default profile, which still refuses what it refuses", function () {
    const docker = JSON.parse(readFileSync(join(sharedData, 'seccomp-docker-default.oci.json'), 'utf8')) as LinuxSeccomp;
    const r = runIn(shell('echo hello; unshare -U true 2>&1; echo rc=$?'), (s) => {
      s.linux!.seccomp = docker;
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^hello\n.*Operation not permitted\nrc=1/s);
  });

  it('a bad profile is an error of create, naming the field', function () {
    const { id, bundle } = h.bundle(['true'], (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_NOPE' as 'SCMP_ARCH_X86'] };
    });
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.json: \/linux\/seccomp\/architectures\/0: /);
    assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
  });
});

describe('seccomp notify', function () {
  const h = harness();
  const kago = h.kago;

  const agent = (socketPath: string, stateFile: string, mode: string) =>
    pythonListener<{ handled: number[] }>('seccomp-agent.py', [socketPath, stateFile, mode]);

  for (const [mode, expect] of [
    ['errno:28', /No space left on device\nrc=1/],
    ['continue', /made\nrc=0/],
  ] as const) {
    it(`hands the listener to the agent at listenerPath, which answers (${mode})`, async function () {
      const { id, bundle } = h.bundle(shell('mkdir /tmp/d 2>&1 && echo made; echo rc=$?; test -d /tmp/d && echo exists'), (s) => {
        s.root!.readonly = false;
        s.linux!.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: join(tmpdir(), `kago-agent-${process.pid}-${mode.replace(':', '')}.sock`),
          listenerMetadata: 'test-metadata',
          syscalls: [{ names: MKDIR, action: 'SCMP_ACT_NOTIFY' }],
        };
      });
      const socketPath = bundle.spec.linux!.seccomp!.listenerPath!;
      const stateFile = join(bundle.dir, 'agent-state.json');
      const a = agent(socketPath, stateFile, mode);
      await a.listening;
      const r = kago.run(['run', '--bundle', bundle.dir, id]);
      const { handled } = await a.result;
      rmSync(socketPath, { force: true });
      assert.match(r.stdout, expect, r.stderr);
      assert.equal(r.stdout.includes('exists'), mode === 'continue');
      assert.ok(handled.includes(83) || handled.includes(258), `the agent saw mkdir: ${handled}`);
      const state = JSON.parse(readFileSync(stateFile, 'utf8'));
      assert.deepEqual(state.fds, ['seccompFd']);
      assert.equal(state.metadata, 'test-metadata');
      assert.equal(state.state.id, id);
      assert.ok(state.pid > 0);
    });
  }

  it('notify rules without a listenerPath are an error of create', function () {
    const { id, bundle } = h.bundle(['true'], (s) => {
      s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_NOTIFY' }] };
    });
    const r = kago.run(['create', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/linux\/seccomp\/listenerPath: /);
  });
});
