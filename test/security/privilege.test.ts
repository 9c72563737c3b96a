// A container process gets no more privilege than its config grants: the
// setuid bit is ignored under no_new_privs, every capability set holds only
// what was configured, setgroups behaves as user_namespaces(7) and runc
// have it, and kago's own state (the state directory, the exec FIFO) cannot
// be found from inside.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../wasm/spec.gen.ts';
import { type Bundle, makeBundle, shell } from '../helpers/bundle.ts';
import { uniqueId } from '../helpers/kago.ts';
import { harness } from '../helpers/harness.ts';
import { repoRoot } from '../helpers/paths.ts';

// include/uapi/linux/capability.h
const CAP: Record<string, number> = { CAP_CHOWN: 0, CAP_SETGID: 6, CAP_SETUID: 7, CAP_KILL: 5, CAP_NET_BIND_SERVICE: 10, CAP_NET_RAW: 13, CAP_SYS_ADMIN: 21 };
const mask = (names: string[]): bigint => names.reduce((m, n) => m | (1n << BigInt(CAP[n]!)), 0n);

interface Shown {
  ids: Record<string, number>;
  caps: Record<string, bigint>;
  raw: string;
}

function parseShown(out: string): Shown {
  const ids: Record<string, number> = {};
  for (const m of out.matchAll(/(\w+)=(-?\d+)/g)) ids[m[1]!] = Number(m[2]);
  const caps: Record<string, bigint> = {};
  for (const m of out.matchAll(/^Cap(\w+):\s+([0-9a-f]+)$/gm)) caps[m[1]!] = BigInt(`0x${m[2]}`);
  return { ids, caps, raw: out };
}

describe('security: privileges', function () {
  const h = harness();
  const kago = h.kago;

  /** A bundle with /bin/show_ids installed setuid root. */
  function withShowIds(args: string[], configure: (s: Spec) => void): { id: string; bundle: Bundle } {
    const id = uniqueId('priv');
    const bundle = makeBundle(args, configure);
    h.track(id, bundle);
    const bin = join(bundle.rootfs, 'bin', 'show_ids');
    const cc = spawnSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', bin, join(repoRoot, 'test/security/show_ids.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    chownSync(bin, 0, 0);
    chmodSync(bin, 0o4755);
    return { id, bundle };
  }

  it('a setuid-root binary gains nothing under noNewPrivileges, and does without it (the control)', function () {
    const seen: Record<string, Shown> = {};
    for (const nnp of [true, false]) {
      const { id, bundle } = withShowIds(['/bin/show_ids'], (s) => {
        s.process!.user = { uid: 1000, gid: 1000 };
        s.process!.noNewPrivileges = nnp;
      });
      const r = kago.run(['run', '--bundle', bundle.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      seen[String(nnp)] = parseShown(r.stdout);
    }
    const on = seen.true!;
    assert.deepEqual([on.ids.ruid, on.ids.euid, on.ids.suid, on.ids.nnp], [1000, 1000, 1000, 1], on.raw);
    assert.equal(on.caps.Eff, 0n, on.raw);
    assert.equal(on.caps.Prm, 0n, on.raw);
    // Without no_new_privs the same file does become root: the test would see a failure.
    const off = seen.false!;
    assert.deepEqual([off.ids.ruid, off.ids.euid, off.ids.nnp], [1000, 0, 0], off.raw);
  });

  it('all five capability sets hold exactly what the config grants (uid 1000, run and exec)', function () {
    const caps = {
      bounding: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      inheritable: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
      ambient: ['CAP_NET_BIND_SERVICE'],
    };
    const { id, bundle } = withShowIds(shell('/bin/show_ids; sleep 1000'), (s) => {
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = caps;
    });
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    // For a non-root process execve keeps inheritable and bounding, and sets
    // permitted and effective to the ambient set (capabilities(7)): what the
    // executor set before its execve is visible exactly.
    const want = { Inh: mask(caps.inheritable), Prm: mask(caps.ambient), Eff: mask(caps.ambient), Bnd: mask(caps.bounding), Amb: mask(caps.ambient) };
    const pid = kago.state(id).pid;
    // pid 1's own status, read from the host once it runs sleep
    const status = (): string => spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
    const fromHost = parseShown(status());
    assert.deepEqual(fromHost.caps, want, fromHost.raw);
    const ex = kago.run(['exec', id, '/bin/show_ids']);
    assert.equal(ex.code, 0, ex.stderr);
    const inExec = parseShown(ex.stdout);
    assert.deepEqual(inExec.caps, want, `exec: ${inExec.raw}`);
    assert.equal(inExec.ids.euid, 1000, 'the setuid bit is ignored in exec too (noNewPrivileges)');
  });

  it('root in the container holds no capability outside the bounding set, in any set', function () {
    const { id, bundle } = withShowIds(['/bin/show_ids'], (s) => {
      s.process!.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], inheritable: [], ambient: [] };
    });
    const r = kago.run(['run', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    const s = parseShown(r.stdout);
    const bounding = mask(['CAP_CHOWN', 'CAP_KILL']);
    assert.equal(s.caps.Bnd, bounding, s.raw);
    for (const set of ['Inh', 'Prm', 'Eff', 'Amb']) assert.equal(s.caps[set]! & ~bounding, 0n, `${set} within the bounding set: ${s.raw}`);
    assert.equal(s.caps.Amb, 0n);
    assert.equal(s.caps.Inh, 0n);
  });

  it('setgroups: allowed in a user namespace whose gid map root wrote (as runc: "deny" only for a rootless single-id map)', function () {
    const id = uniqueId('priv');
    const bundle = makeBundle(shell('cat /proc/self/setgroups; id -G'), (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.process!.user = { uid: 0, gid: 0, additionalGids: [5, 6] };
    });
    h.track(id, bundle);
    const r = kago.run(['run', '--bundle', bundle.dir, id]);
    assert.equal(r.code, 0, r.stderr);
    const [setgroups, groups] = r.stdout.trim().split('\n');
    assert.equal(setgroups, 'allow');
    assert.deepEqual(groups!.split(' ').map(Number).sort(), [0, 5, 6]);
  });

  it('the state directory and the exec FIFO cannot be found from inside, before or after start', function () {
    const id = uniqueId('priv');
    const bundle = makeBundle(['sleep', '1000'], () => {});
    h.track(id, bundle);
    kago.ok(['create', '--bundle', bundle.dir, id]);
    const fifo = statSync(join(kago.root, id, 'exec.fifo'), { bigint: true });
    const stateDir = statSync(join(kago.root, id), { bigint: true });
    const rootDir = statSync(kago.root, { bigint: true });
    const secrets = new Map([
      [`${fifo.dev}:${fifo.ino}`, 'the exec FIFO'],
      [`${stateDir.dev}:${stateDir.ino}`, 'the state directory'],
      [`${rootDir.dev}:${rootDir.ino}`, 'the state root'],
    ]);
    // Every file of the container's tree (its /proc and /sys left out: they
    // show the kernel's objects, not files) with its identity, and every
    // mount point it has.
    const search = "find / \\( -path /proc -o -path /sys \\) -prune -o -exec stat -c '%d:%i %n' {} + 2>/dev/null; cat /proc/self/mountinfo";
    const look = (when: string): void => {
      const r = kago.run(['exec', id, 'sh', '-c', search]);
      assert.equal(r.code, 0, `${when}: ${r.stderr}`);
      assert.ok(r.stdout.split('\n').length > 100, `${when}: the search saw the tree`);
      for (const line of r.stdout.split('\n')) {
        const [idn, name] = line.split(' ', 2);
        const hit = secrets.get(idn ?? '');
        assert.equal(hit, undefined, `${when}: ${hit} is reachable in the container as ${name}`);
        assert.ok(!line.includes(kago.root), `${when}: the state root appears in ${line}`);
      }
      // Its processes hold no descriptor of them either, except pid 1 before
      // start, which waits on the FIFO (as runc's init does) and is not
      // readable to the container's other processes.
      const fds = kago.run(['exec', id, 'sh', '-c', 'for p in /proc/[0-9]*; do for f in $p/fd/*; do echo "$f $(stat -L -c %d:%i $f 2>/dev/null)"; done; done']);
      for (const line of fds.stdout.split('\n')) {
        const hit = secrets.get(line.split(' ')[1] ?? '');
        assert.equal(hit, undefined, `${when}: ${hit} is open in the container as ${line}`);
      }
    };
    look('created');
    kago.ok(['start', id]);
    look('running');
    assert.deepEqual(readdirSync(join(kago.root, id)).includes('exec.fifo'), false);
  });
});
