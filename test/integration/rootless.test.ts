// A user without privileges runs a container: a user namespace mapping its
// own uid to root, no cgroups (none is delegated to it), state under its
// runtime directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootlessSpec } from '../../host/spec/default.ts';
import { makeRootfs } from '../helpers/bundle.ts';
import { leftovers } from '../helpers/leaks.ts';
import { kagoBin } from '../helpers/paths.ts';

const USER = 'kago-rootless-test';

/**
 * Output through files: a container created by the command inherits its
 * stdio and would keep pipes open after the command itself has exited.
 */
function sh(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'kago-rootless-out-'));
  const out = openSync(join(scratch, 'out'), 'w+');
  const err = openSync(join(scratch, 'err'), 'w+');
  try {
    const r = spawnSync(cmd, args, { stdio: ['ignore', out, err], timeout: 60_000 });
    return { status: r.status, stdout: readFileSync(join(scratch, 'out'), 'utf8'), stderr: readFileSync(join(scratch, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('rootless', function () {
  let uid = 0;
  let gid = 0;
  let dir = '';
  let runtimeDir = '';

  before(function () {
    if (sh('id', ['-u', USER]).status !== 0) assert.equal(sh('useradd', ['--no-create-home', '--shell', '/bin/sh', USER]).status, 0);
    uid = Number(sh('id', ['-u', USER]).stdout);
    gid = Number(sh('id', ['-g', USER]).stdout);
    dir = mkdtempSync(join(tmpdir(), 'kago-rootless-'));
    chmodSync(dir, 0o755);
    runtimeDir = join(dir, 'run');
    mkdirSync(runtimeDir);
    chownSync(runtimeDir, uid, gid);
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
    sh('userdel', [USER]);
  });

  function asUser(args: string[]) {
    return sh('runuser', ['-u', USER, '--', 'env', '-i', 'PATH=/usr/bin:/bin', `XDG_RUNTIME_DIR=${runtimeDir}`, kagoBin, ...args]);
  }

  function bundle(name: string, args: string[], configure?: (s: ReturnType<typeof rootlessSpec>) => void): string {
    const b = join(dir, name);
    makeRootfs(join(b, 'rootfs'));
    const spec = rootlessSpec(uid, gid);
    spec.process!.terminal = false;
    spec.process!.args = args;
    configure?.(spec);
    writeFileSync(join(b, 'config.json'), JSON.stringify(spec));
    sh('chown', ['-R', `${uid}:${gid}`, b]);
    return b;
  }

  it('runs a busybox container as root of its own user namespace', function () {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chownSync(shared, uid, gid);
    const b = bundle('b1', ['sh', '-c', 'id -u; cat /proc/self/uid_map; echo $$; touch /shared/made'], (s) => {
      s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind'] });
    });
    const r = asUser(['run', '--bundle', b, 'rootless-1']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, ['0', `0 ${uid} 1`, '1']);
    assert.equal(statSync(join(shared, 'made')).uid, uid, 'what root makes inside belongs to the user outside');
    assert.ok(existsSync(join(runtimeDir, 'kago')), 'state lives in the user runtime directory');
    assert.deepEqual(readdirSync(join(runtimeDir, 'kago')), [], 'and is gone after the run');
    assert.deepEqual(leftovers(join(runtimeDir, 'kago'), 'rootless-1', b), []);
  });

  it('says clearly what it cannot do: limits without a delegated cgroup', function () {
    const b = bundle('b2', ['true'], (s) => {
      s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 } };
    });
    const r = asUser(['run', '--bundle', b, 'rootless-2']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /config\.json: \/linux\/resources\/memory: a rootless container has no cgroup/);
    assert.deepEqual(readdirSync(join(runtimeDir, 'kago')), []);
  });

  it('says clearly that the systemd cgroup driver needs root (systemd --user is not supported)', function () {
    const b = bundle('b-systemd', ['true'], (s) => {
      s.linux!.cgroupsPath = 'user.slice:kago:rootless-sd';
    });
    const r = asUser(['--systemd-cgroup', 'run', '--bundle', b, 'rootless-sd']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--systemd-cgroup: the systemd cgroup driver needs root/);
    assert.deepEqual(existsSync(join(runtimeDir, 'kago')) ? readdirSync(join(runtimeDir, 'kago')) : [], []);
  });

  it('create, start, state, kill and delete work for the user too', function () {
    const b = bundle('b3', ['sleep', '1000']);
    assert.equal(asUser(['create', '--bundle', b, 'rootless-3']).status, 0);
    assert.equal(asUser(['start', 'rootless-3']).status, 0);
    const state = JSON.parse(asUser(['state', 'rootless-3']).stdout);
    assert.equal(state.status, 'running');
    assert.match(readFileSync(`/proc/${state.pid}/status`, 'utf8'), new RegExp(`Uid:\\s+${uid}\\s`));
    assert.equal(asUser(['delete', '--force', 'rootless-3']).status, 0);
    assert.deepEqual(leftovers(join(runtimeDir, 'kago'), 'rootless-3', b, [state.pid]), []);
  });
});
