import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kago } from '../helpers/kago.ts';
import { isCgroup2Unified } from '../../host/cgroups/unified.ts';

describe('commands that run no container', function () {
  const kago = new Kago();
  const dirs: string[] = [];
  const scratch = () => {
    const d = mkdtempSync(join(tmpdir(), 'kago-cmd-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    kago.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('spec writes a valid default config, and refuses to overwrite one', function () {
    const dir = scratch();
    kago.ok(['spec', '--bundle', dir]);
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(spec.ociVersion, '1.3.0');
    assert.deepEqual(spec.process.args, ['sh']);
    assert.equal(spec.root.path, 'rootfs');
    // A cgroup namespace only on a cgroup v2 host, as runc spec (test/dropin/spec.test.ts).
    const expected = ['ipc', 'mount', 'network', 'pid', 'uts', ...(isCgroup2Unified() ? ['cgroup'] : [])].sort();
    assert.deepEqual(spec.linux.namespaces.map((n: { type: string }) => n.type).sort(), expected);
    const v = kago.run(['validate', '--bundle', dir]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const again = kago.run(['spec', '--bundle', dir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists already/);
  });

  it('spec --rootless maps the caller into a user namespace', function () {
    const dir = scratch();
    kago.ok(['spec', '--rootless', '--bundle', dir]);
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.ok(spec.linux.namespaces.some((n: { type: string }) => n.type === 'user'));
    assert.ok(!spec.linux.namespaces.some((n: { type: string }) => n.type === 'network'));
    assert.deepEqual(spec.linux.uidMappings, [{ containerID: 0, hostID: process.geteuid!(), size: 1 }]);
    assert.equal(spec.linux.resources, undefined);
    assert.equal(kago.run(['validate', '--bundle', dir]).code, 0);
  });

  it('validate prints every problem, in text or JSON, and exits 1', function () {
    const dir = scratch();
    kago.ok(['spec', '--bundle', dir]);
    const file = join(dir, 'config.json');
    const spec = JSON.parse(readFileSync(file, 'utf8'));
    spec.ociVersion = '9.9.9';
    spec.process.cwd = 'nope';
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(spec));
    const text = kago.run(['validate', bad]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /error: .*bad\.json: \/ociVersion: /);
    assert.match(text.stdout, /error: .*bad\.json: \/process\/cwd: /);
    const json = kago.run(['validate', '--format', 'json', bad]);
    const problems = JSON.parse(json.stdout) as { pointer: string; severity: string }[];
    assert.deepEqual(problems.map((p) => p.pointer).sort(), ['/ociVersion', '/process/cwd']);
  });

  it('features reports what is implemented, per the runtime-spec features document', function () {
    const f = JSON.parse(kago.ok(['features']).stdout);
    assert.equal(f.ociVersionMin, '1.0.0');
    assert.equal(f.ociVersionMax, '1.3.0');
    assert.deepEqual(f.linux.namespaces, ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
    assert.ok(f.mountOptions.includes('rbind'));
    assert.equal(f.linux.seccomp.enabled, true);
    assert.ok(f.linux.seccomp.actions.includes('SCMP_ACT_NOTIFY'));
    assert.equal(f.linux.apparmor.enabled, false);
  });

  it('loads the core only for commands that parse a config', function () {
    const dir = scratch();
    const log = join(dir, 'debug.log');
    for (const args of [['list'], ['state', 'none'], ['kill', 'none'], ['delete', 'none'], ['start', 'none'], ['features']]) {
      kago.run(['--debug', '--log', log, ...args]);
    }
    assert.doesNotMatch(readFileSync(log, 'utf8'), /core loaded/);
    kago.ok(['spec', '--bundle', dir]);
    kago.run(['--debug', '--log', log, 'validate', '--bundle', dir]);
    assert.match(readFileSync(log, 'utf8'), /core loaded/);
  });

  it('prints its version and help', function () {
    assert.match(kago.ok(['--version']).stdout, /^kago version \d+\.\d+\.\d+\nspec: 1\.3\.0\n/);
    assert.match(kago.ok(['help']).stdout, /COMMANDS:[\s\S]*create[\s\S]*delete/);
    assert.match(kago.ok(['create', '--help']).stdout, /--pid-file/);
    const unknown = kago.run(['frobnicate']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });
});
