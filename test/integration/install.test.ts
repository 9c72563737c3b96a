// `make install` and `make dist` give a kago that works outside the checkout:
// the installed command, started from another directory, runs a real
// container; the release tarball, unpacked elsewhere, does the same. runc is
// not packaged by kago, so these are kago's alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBundle, type Bundle } from '../helpers/bundle.ts';
import { Kago } from '../helpers/kago.ts';
import { repoRoot } from '../helpers/paths.ts';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

function make(...args: string[]): void {
  execFileSync('make', ['--no-print-directory', '-C', repoRoot, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs a container with the kago at bin, from a directory that is not the checkout. */
function runsAContainer(bin: string, bundle: Bundle): void {
  const kago = new Kago(bin);
  try {
    const r = kago.ok(['run', '--bundle', bundle.dir, `kago-install-${process.pid}`], { cwd: '/' });
    assert.equal(r.stdout.trim(), '1 installed');
  } finally {
    kago.cleanup();
  }
}

describe('packaging', function () {
  this.timeout(180_000);
  let scratch = '';
  let bundle: Bundle;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kago-install-'));
    bundle = makeBundle(['sh', '-c', 'echo $$ installed']);
  });
  after(() => {
    bundle?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('make install PREFIX=… installs a kago that runs a container from any directory', () => {
    const prefix = join(scratch, 'prefix');
    make('install', `PREFIX=${prefix}`);
    const bin = join(prefix, 'bin', 'kago');
    assert.ok(lstatSync(bin).isSymbolicLink());
    assert.equal(readlinkSync(bin), '../lib/kago/native/kago');
    for (const f of ['dist/kago', 'native/kago-exec', 'native/kago', 'wasm/kago-core.wasm', 'LICENSE'])
      assert.ok(existsSync(join(prefix, 'lib', 'kago', f)), f);
    assert.match(execFileSync(bin, ['--version'], { cwd: '/', encoding: 'utf8' }), new RegExp(`^kago version ${version.replace(/\./g, '\\.')}\n`));
    runsAContainer(bin, bundle);
  });

  it('an install that lost its core fails create in one line, exits, and leaves no executor behind', () => {
    const prefix = join(scratch, 'broken');
    make('install', `PREFIX=${prefix}`);
    const wasm = join(prefix, 'lib', 'kago', 'wasm', 'kago-core.wasm');
    rmSync(wasm);
    const kago = new Kago(join(prefix, 'bin', 'kago'));
    try {
      const id = `kago-broken-${process.pid}`;
      // The executor is started before the core is compiled; create once waited on it forever here.
      const r = kago.run(['create', '--bundle', bundle.dir, id], { timeoutMs: 20_000 });
      assert.equal(r.signal, null, 'create did not exit by itself');
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `kago: ${wasm}: ENOENT\n`);
      assert.equal(existsSync(join(kago.root, id)), false);
      const left = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(join(prefix, 'lib', 'kago', 'native', 'kago-exec')) && !/ Z/.test(l));
      assert.deepEqual(left, []);
    } finally {
      kago.cleanup();
    }
  });

  it('make dist packs the same tree into a tarball that works where it is unpacked', () => {
    make('dist');
    const tarball = join(repoRoot, 'dist', `kago-${version}-linux-x64.tar.gz`);
    const listing = execFileSync('tar', ['-tzvf', tarball], { encoding: 'utf8' });
    assert.match(listing, new RegExp(`0/0 .* kago-${version}/bin/kago -> \\.\\./lib/kago/native/kago`));
    const unpacked = join(scratch, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    runsAContainer(join(unpacked, `kago-${version}`, 'bin', 'kago'), bundle);
  });
});
