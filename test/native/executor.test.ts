// The native executor driven directly, with plans written by hand and sent
// through the host's own codec and channel (host/plan/encode.ts,
// host/process/executor.ts): what it refuses, how it reports a failed
// operation, and that it runs nothing of a plan it cannot read whole.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePlan } from '../../host/plan/encode.ts';
import { MSG, MSG_CHUNK, type PlanOp, SLOT_COUNT } from '../../host/plan/format.gen.ts';
import * as L from '../../host/plan/linux.ts';
import type { Plan } from '../../host/plan/types.ts';
import { executorPath } from '../../host/paths.ts';
import { SyncChannel } from '../../host/process/channel.ts';
import { type Executor, type ExecutorEvents, runPlan } from '../../host/process/executor.ts';
import { seqpacketPair } from '../../host/sys/libc.ts';

const events: ExecutorEvents = {
  started() {},
  idMapsRequested() {},
  childForked() {},
  hooksRequested: () => '{}',
  ready: () => '{}',
  seccompListener() {},
};

const planOf = (ops: PlanOp[]): Plan => ({ ops: ops.map((op, i) => ({ stage: 'init', op, what: `operation ${i} (${op.op})` })) });

/** The executor's stdio: what it prints on stderr is the same failure the tests read from the socket. */
let devNull = -1;

/** The executor as kago starts it (the sync socket as fd 3, an empty environment), and its exit status to come. */
function start(): Executor & { exit: Promise<number | null> } {
  const [hostEnd, childEnd] = seqpacketPair();
  const child = spawn(executorPath, [], { stdio: [devNull, devNull, devNull, childEnd], env: {} });
  closeSync(childEnd);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { pid: child.pid!, channel: new SyncChannel(hostEnd), exit };
}

/** Runs the plan to READY (or its failure); the error, if any, and the exit status. */
async function run(ops: PlanOp[]): Promise<{ error?: Error; code: number | null }> {
  const executor = start();
  let error: Error | undefined;
  try {
    runPlan(planOf(ops), executor, events);
  } catch (e) {
    error = e as Error;
  }
  return { error, code: await executor.exit };
}

describe('the native executor', function () {
  let scratch: string;
  let marker: string;
  before(function () {
    devNull = openSync('/dev/null', 'r+');
  });
  after(function () {
    closeSync(devNull);
  });
  beforeEach(function () {
    if (process.geteuid?.() !== 0) this.skip();
    scratch = mkdtempSync(join(tmpdir(), 'plan-exec-'));
    marker = join(scratch, 'marker');
    writeFileSync(marker, '');
  });
  afterEach(function () {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const openScratch = (slot: number): PlanOp => ({ op: 'open', path: scratch, flags: L.O_PATH | L.O_DIRECTORY, slot });
  const touchMarker = (): PlanOp => ({ op: 'write_file', path: marker, data: 'ran' });

  it('refuses to fill a slot that still holds a descriptor, and runs nothing after', async function () {
    const r = await run([openScratch(5), openScratch(5), touchMarker(), { op: 'ready' }]);
    assert.equal(r.error?.message, 'operation 1 (open): EBUSY: descriptor slot 5 already holds a descriptor');
    assert.equal(r.code, 1);
    assert.equal(readFileSync(marker, 'utf8'), '');
  });

  it('refuses a slot beyond its table, and a close of an empty slot', async function () {
    assert.equal((await run([openScratch(SLOT_COUNT)])).error?.message, `operation 0 (open): EBADF: descriptor slot ${SLOT_COUNT} does not exist`);
    assert.equal(
      (await run([{ op: 'make_userns', uid_map: '0 0 1\n', gid_map: '0 0 1\n', slot: -1 }])).error?.message,
      'operation 0 (make_userns): EBADF: descriptor slot -1 does not exist',
    );
    assert.equal((await run([openScratch(5), { op: 'close', slot: 5 }, { op: 'close', slot: 5 }])).error?.message, 'operation 2 (close): EBADF');
  });

  it('a slot freed by close can be filled again', async function () {
    const r = await run([openScratch(5), { op: 'close', slot: 5 }, openScratch(5), touchMarker(), { op: 'ready' }]);
    assert.equal(r.error, undefined);
    assert.equal(readFileSync(marker, 'utf8'), 'ran');
  });

  it('reports the index and errno of the failed operation, and runs nothing after it', async function () {
    const r = await run([
      { op: 'unshare', flags: L.CLONE_NEWNS },
      { op: 'mount', source: '', target: '/', fstype: '', flags: L.MS_REC | L.MS_PRIVATE, data: '' },
      { op: 'mount', source: 'none', target: scratch, fstype: 'kagonosuchfs', flags: 0, data: '' },
      touchMarker(),
    ]);
    assert.equal(r.error?.message, 'operation 2 (mount): ENODEV');
    assert.equal(r.code, 1);
    assert.equal(readFileSync(marker, 'utf8'), '');
  });

  it('names a program it cannot find or run, and exec replaces it', async function () {
    writeFileSync(join(scratch, 'notexec'), '#!/bin/sh\n', { mode: 0o644 });
    const env = [`PATH=/nonexistent:${scratch}`];
    assert.match((await run([{ op: 'check_exec', path: 'kago-no-such-program', envp: env }])).error?.message ?? '', /^operation 0 \(check_exec\): ENOENT/);
    assert.match((await run([{ op: 'check_exec', path: 'notexec', envp: env }])).error?.message ?? '', /^operation 0 \(check_exec\): EACCES/);
    // without PATH in envp the default one finds sh
    const r = await run([{ op: 'ready' }, { op: 'exec', path: 'sh', argv: ['sh', '-c', 'exit 7'], envp: [] }]);
    assert.equal(r.error, undefined);
    assert.equal(r.code, 7);
  });

  it('reads a large plan whole and runs it to its end', async function () {
    const ops: PlanOp[] = [...Array.from({ length: 10_000 }, (): PlanOp => ({ op: 'umask', mask: 0o22 })), touchMarker(), { op: 'ready' }];
    assert.ok(encodePlan(ops).length > 2 * MSG_CHUNK, 'the plan spans several packets');
    assert.equal((await run(ops)).error, undefined);
    assert.equal(readFileSync(marker, 'utf8'), 'ran');
  });

  it('runs no operation of a plan it cannot decode, and exits 2 without a message', async function () {
    const good = encodePlan([touchMarker(), { op: 'umask', mask: 0 }]);
    const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
    const join8 = (...parts: Uint8Array[]) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    };
    const unknown = join8(good.subarray(0, 12), u32(3), good.subarray(16), new Uint8Array([0xe7, 0x03, 0, 0, 0, 0, 0, 0]));
    const cases: Record<string, [number, Uint8Array]> = {
      'bad magic': [MSG.plan, join8(new TextEncoder().encode('NOTAPLAN'), good.subarray(8))],
      'wrong version': [MSG.plan, join8(good.subarray(0, 8), u32(99), good.subarray(12))],
      truncated: [MSG.plan, good.subarray(0, good.length - 3)],
      'trailing bytes': [MSG.plan, join8(good, new Uint8Array([0x78]))],
      'unknown code': [MSG.plan, unknown],
      'count too large': [MSG.plan, join8(good.subarray(0, 12), u32(1 << 30), good.subarray(16))],
      'not a plan message': [MSG.ready, new Uint8Array(0)],
    };
    for (const [what, [type, payload]] of Object.entries(cases)) {
      const executor = start();
      executor.channel.send(type, 0, 0, payload);
      assert.equal(executor.channel.receive(), null, `${what}: no message`);
      executor.channel.close();
      assert.equal(await executor.exit, 2, `${what}: exit 2`);
    }
    assert.equal(readFileSync(marker, 'utf8'), '', 'no operation ran');
  });
});
