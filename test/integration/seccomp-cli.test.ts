// `kago seccomp compile|explain`: the exact filter kago loads, for people and tools.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCore } from '../../host/core.ts';
import { createKago } from '../../lib/kago.ts';
import { kagoBin, sharedData } from '../helpers/paths.ts';

const OCI = join(sharedData, 'seccomp-docker-default.oci.json');
const DOCKER = join(sharedData, 'seccomp-docker-default.docker.json');

function kago(args: string[]): { code: number | null; out: Buffer; err: string } {
  const r = spawnSync(kagoBin, args);
  return { code: r.status, out: r.stdout, err: r.stderr.toString() };
}

describe('kago seccomp', function () {
  const dir = mkdtempSync(join(tmpdir(), 'kago-seccomp-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const lib = createKago(getCore());

  it('--format raw writes exactly the struct sock_filter array the library compiles', function () {
    const r = kago(['seccomp', 'compile', '--format', 'raw', OCI]);
    assert.equal(r.code, 0, r.err);
    const expected = lib.compileSeccomp(readFileSync(OCI, 'utf8'));
    assert.equal(r.out.length % 8, 0);
    assert.deepEqual(new Uint8Array(r.out), expected);
  });

  it("--docker converts Docker's format as Docker does: the same filter as its OCI form", function () {
    const docker = kago(['seccomp', 'compile', '--docker', '--arch', 'amd64', '--format', 'raw', DOCKER]);
    const oci = kago(['seccomp', 'compile', '--format', 'raw', OCI]);
    assert.equal(docker.code, 0, docker.err);
    assert.deepEqual(docker.out, oci.out);
  });

  it('--arch replaces the architectures; disasm and c describe the same program', function () {
    const raw = kago(['seccomp', 'compile', '--arch', 'aarch64,riscv64', '--format', 'raw', OCI]).out;
    const disasm = kago(['seccomp', 'compile', '--arch', 'aarch64,riscv64', OCI]).out.toString().trim().split('\n');
    assert.equal(disasm.length, raw.length / 8);
    assert.match(disasm[1]!, /jeq #0xc00000b7/, 'AUDIT_ARCH_AARCH64 is checked');
    const c = kago(['seccomp', 'compile', '--arch', 'aarch64,riscv64', '--format', 'c', OCI]).out.toString();
    assert.equal((c.match(/^ {2}\{ 0x/gm) ?? []).length, raw.length / 8);
  });

  it('explain gives the verdict and the path taken', function () {
    const denied = kago(['seccomp', 'explain', '--arch', 'x86_64', OCI, 'unshare', String(0x10000000)]);
    assert.equal(denied.code, 0, denied.err);
    assert.match(denied.out.toString(), /^unshare \(272\) on SCMP_ARCH_X86_64: SCMP_ACT_ERRNO \(errno 1\), after \d+ instructions\n/);
    assert.match(denied.out.toString(), /ret ERRNO\(1\)\n$/);
    const allowed = kago(['seccomp', 'explain', '--arch', 'x86_64', OCI, '0']).out.toString();
    assert.match(allowed, /^read \(0\) on SCMP_ARCH_X86_64: SCMP_ACT_ALLOW/);
    const foreign = kago(['seccomp', 'explain', '--arch', 'aarch64', OCI, 'mkdirat']).out.toString();
    assert.match(foreign, /SCMP_ACT_KILL_PROCESS/, 'an architecture the profile does not list is killed');
  });

  it('a bad profile is an error naming the field', function () {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ defaultAction: 'SCMP_ACT_NOPE' }));
    const r = kago(['seccomp', 'compile', bad]);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.json: \/defaultAction: /);
  });
});
