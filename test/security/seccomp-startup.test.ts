// A seccomp profile that refuses what the container's init needs to start
// the program (the calls between loading the filter and execve): the error
// says that the profile did it. kago only: runc 1.1.5 hangs forever in
// `run`/`create` when the default action is SCMP_ACT_KILL (its init dies,
// runc waits), and reports nothing better for SCMP_ACT_ERRNO.
import assert from 'node:assert/strict';
import type { Spec } from '../../wasm/spec.gen.ts';
import { harness } from '../helpers/harness.ts';

describe('security: a seccomp profile that refuses what init needs to start (kago)', function () {
  const h = harness();
  const kago = h.kago;

  function refused(seccomp: NonNullable<NonNullable<Spec['linux']>['seccomp']>, command: 'create' | 'run'): string {
    const { id, bundle } = h.bundle(['true'], (s) => {
      s.linux!.seccomp = seccomp;
    });
    const r = kago.run([command, '--bundle', bundle.dir, id], { timeoutMs: 30_000 });
    assert.equal(r.signal, null, 'kago did not hang');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(kago.run(['state', id]).code, 1, 'no container left');
    return r.stderr;
  }

  it('defaultAction SCMP_ACT_KILL: init killed by SIGSYS, and the profile named', function () {
    const err = refused({ defaultAction: 'SCMP_ACT_KILL', architectures: ['SCMP_ARCH_X86_64'] }, 'create');
    assert.match(
      err,
      /^kago: container init: killed by SIGSYS during setup: the seccomp profile \(\/linux\/seccomp\) refuses [a-z_0-9, ]*\bexecve\b[a-z_0-9, ]*, which init needs/,
    );
    assert.equal(err.split('\n').length, 2, `one line: ${err}`);
  });

  it('defaultAction SCMP_ACT_ERRNO: the profile and the refused calls named', function () {
    const err = refused({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'] }, 'run');
    assert.match(
      err,
      /^kago: container init: (killed by SIG[A-Z]+|exited with status \d+) during setup: the seccomp profile \(\/linux\/seccomp\) refuses [^\n]*\bsendmsg\b/,
    );
  });

  it('execve refused with an errno: the errno, and that the profile refuses execve', function () {
    const err = refused(
      { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['execve'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] },
      'run',
    );
    assert.match(err, /Permission denied[^\n]*\(the seccomp profile, \/linux\/seccomp, refuses execve\)\n$/);
  });
});
