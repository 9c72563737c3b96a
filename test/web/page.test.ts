// The page in a real browser: Debian's chromium driven by playwright-core,
// the built web/dist served by a static server on 127.0.0.1. It is used the
// way a person uses it (paste, click, read), and its BPF is compared byte
// for byte with what the Node core compiles.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadCoreSync } from '../../wasm/core.ts';
import { repoRoot, sharedData } from '../helpers/paths.ts';

// What the page exposes as window.kago (web/src/main.ts), as seen from the
// callbacks page.evaluate runs in the browser; this file has no DOM types.
interface PageKago {
  ready: Promise<void>;
  loadMs: number | null;
  DOCKER_DEFAULT_CAPABILITIES: readonly string[];
  validate(text: string): { pointer: string; message: string }[];
  compileSeccomp(text: string): Uint8Array;
  dockerProfileToOci(text: string, options: { arch: string; capabilities?: string[]; kernel?: string }): unknown;
}
declare const window: { kago: PageKago };

const distDir = join(repoRoot, 'web', 'dist');
const artifacts = join(repoRoot, 'test-artifacts', 'web');
const chromiumPath = process.env.KAGO_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const dockerFormat = readFileSync(join(sharedData, 'seccomp-docker-default.docker.json'), 'utf8');
const dockerOci = readFileSync(join(sharedData, 'seccomp-docker-default.oci.json'), 'utf8');
const core = loadCoreSync(readFileSync(join(repoRoot, 'wasm', 'kago-core.wasm')));

describe('web page in Chromium', function () {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  before(async function () {
    assert.ok(existsSync(join(distDir, 'index.html')), 'web/dist is not built: run make web');
    assert.ok(existsSync(chromiumPath), `no browser at ${chromiumPath}: scripts/install-deps installs chromium`);
    server = await serve(distDir);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (r) => {
      if (!r.url().startsWith(origin)) foreignRequests.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    const start = Date.now();
    await page.goto(`${origin}/`);
    await page.evaluate(() => window.kago.ready);
    const loadMs = await page.evaluate(() => window.kago.loadMs);
    console.log(`      page ready in ${Date.now() - start} ms; core fetch + instantiate in Chromium: ` + `${loadMs?.toFixed(1)} ms (performance.now)`);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('loads offline, from its own origin only, without errors', async () => {
    assert.match((await page.textContent('#status')) ?? '', /core loaded in/);
    assert.deepStrictEqual(foreignRequests, []);
    assert.deepStrictEqual(pageErrors, []);
  });

  it("converts and compiles Docker's profile pasted into it", async () => {
    await page.fill('#input', dockerFormat);
    assert.equal(await page.textContent('#kind'), 'Docker seccomp profile');
    await page.selectOption('#d-arch', 'amd64');
    await page.fill('#d-kernel', '6.1');
    await page.click('#analyze');
    await page.waitForSelector('#results:not([hidden])');
    const converted = JSON.parse((await page.textContent('#converted')) ?? '') as unknown;
    assert.deepStrictEqual(converted, JSON.parse(dockerOci));
    const instructions = core.seccomp.compile(dockerOci).bpf.byteLength / 8;
    assert.match((await page.textContent('#summary')) ?? '', new RegExp(`instructions${instructions} \\(`));
    const rows = await page.$$eval('#arch-table tbody tr', (trs) => trs.map((tr) => tr.firstElementChild?.textContent));
    assert.deepStrictEqual(rows, ['X86_64', 'X86', 'X32']);
    assert.equal(await page.$$eval('#chart svg rect', (r) => r.length > 3), true);
    assert.match((await page.textContent('#disasm')) ?? '', /^0000 {2}ld \[4\] {2}; arch/);
  });

  it('answers what happens to a syscall with given arguments', async () => {
    const ask = async (syscall: string, args: string, arch: string) => {
      await page.fill('#q-syscall', syscall);
      await page.fill('#q-args', args);
      await page.selectOption('#q-arch', arch);
      await page.click('#q-run');
      return { action: await page.getAttribute('#answer', 'data-action'), text: await page.textContent('#answer') };
    };
    const reboot = await ask('reboot', '', 'SCMP_ARCH_X86_64');
    assert.equal(reboot.action, 'SCMP_ACT_ERRNO');
    assert.match(reboot.text ?? '', /errno 1 for reboot \(nr 169\)/);
    assert.equal((await ask('socket', '40', 'SCMP_ARCH_X86_64')).action, 'SCMP_ACT_ERRNO');
    assert.equal((await ask('socket', '2, 1, 0', 'SCMP_ARCH_X86_64')).action, 'SCMP_ACT_ALLOW');
    assert.equal((await ask('clone3', '', 'SCMP_ARCH_X32')).text?.includes('errno 38'), true);
    // By number: 3 is read on x86 (on x86_64 it is close).
    const byNumber = await ask('3', '', 'SCMP_ARCH_X86');
    assert.equal(byNumber.action, 'SCMP_ACT_ALLOW');
    assert.match(byNumber.text ?? '', /for read \(nr 3\)/);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'docker-profile.png'), fullPage: true });
  });

  it("shows a config.json's problems inline with their pointers", async () => {
    const config = JSON.stringify(
      { ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { cwd: 'not/absolute', args: ['sh'], user: { uid: 0, gid: 0 } } },
      null,
      2,
    );
    await page.fill('#input', config);
    assert.equal(await page.textContent('#kind'), 'config.json');
    assert.equal(await page.isHidden('#docker-options'), true, 'Docker options only for Docker profiles');
    await page.click('#analyze');
    const problems = await page.$$eval('#problems li.error', (lis) => lis.map((li) => li.textContent ?? ''));
    assert.ok(
      problems.some((p) => p.includes('/process/cwd')),
      problems.join('\n'),
    );
    assert.equal(await page.isHidden('#results'), true);
    await page.screenshot({ path: join(artifacts, 'config-problems.png') });
  });

  it('compiles the same BPF bytes as the Node core', async () => {
    const expected = Array.from(new Uint8Array(core.seccomp.compile(dockerOci).bpf));
    const fromPage = await page.evaluate((text) => Array.from(window.kago.compileSeccomp(text)), dockerOci);
    assert.equal(fromPage.length, expected.length);
    assert.deepStrictEqual(fromPage, expected);
    // Docker's own format, converted in the page, gives the same filter.
    const converted = await page.evaluate(
      (text) =>
        Array.from(
          window.kago.compileSeccomp(
            JSON.stringify(
              window.kago.dockerProfileToOci(text, {
                arch: 'amd64',
                kernel: '6.1',
                capabilities: [...window.kago.DOCKER_DEFAULT_CAPABILITIES],
              }),
            ),
          ),
        ),
      dockerFormat,
    );
    assert.deepStrictEqual(converted, expected);
    const problems = await page.evaluate(() => window.kago.validate('{"ociVersion": 1}'));
    assert.ok(
      problems.some((p) => p.pointer === '/ociVersion'),
      JSON.stringify(problems),
    );
  });

  it("compares a recorded profile with Docker's default", async () => {
    const recorded = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [{ names: ['execve', 'exit_group', 'openat', 'read', 'unshare', 'write'], action: 'SCMP_ACT_ALLOW' }],
    };
    await page.fill('#input', JSON.stringify(recorded, null, 2));
    assert.equal(await page.textContent('#kind'), 'OCI seccomp profile');
    await page.click('#analyze');
    await page.waitForSelector('#results:not([hidden])');
    await page.click('#compare');
    await page.waitForSelector('#comparison .arch-comparison');
    const archs = await page.$$eval('#comparison h3', (hs) => hs.map((x) => x.textContent));
    assert.deepStrictEqual(archs, ['X86_64', 'X86']);
    const first = (await page.textContent('#comparison .arch-comparison .counts')) ?? '';
    assert.match(first, /^allows 6 syscalls: 5 that Docker's default allows too, 1 that it refuses; refuses \d+ that Docker's default allows$/);
    const beyond = await page.$$eval('#comparison .arch-comparison:first-child .beyond li', (lis) => lis.map((li) => li.textContent));
    assert.deepStrictEqual(
      beyond.map((t) => t?.replace(/ after \d+ instructions$/, '')),
      ["unshare Docker's default: SCMP_ACT_ERRNO errno 1"],
    );
    assert.match((await page.textContent('#comparison .removed')) ?? '', /\bmkdir\b/);
    await page.screenshot({ path: join(artifacts, 'recorded-vs-docker.png'), fullPage: true });
  });
});
