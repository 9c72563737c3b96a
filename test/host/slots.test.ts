// The executor's descriptor slots as the builder hands them out: a slot is
// filled only while empty, and a plan that runs out says which config field
// asked for too many.
import assert from 'node:assert/strict';
import { buildCreatePlan } from '../../host/plan/build.ts';
import { buildExecPlan } from '../../host/plan/exec.ts';
import { OP_FORMAT, type PlanOp, SLOT_COUNT } from '../../host/plan/format.gen.ts';
import { checkSlots, SlotAllocator } from '../../host/plan/slots.ts';
import type { Mount, Spec } from '../../wasm/spec.gen.ts';
import { hostFacts } from '../helpers/plan.ts';

const facts = hostFacts({ console: { rows: 24, cols: 80 } });

const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];

/** Every feature that holds a slot at once: joined namespaces, bind sources, id-mapped trees, a tmpcopyup, the console. */
function everything(mounts: Mount[]): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { terminal: true, user: { uid: 0, gid: 0 }, args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    mounts,
    linux: {
      namespaces: [{ type: 'user' }, { type: 'mount' }, { type: 'pid' }, { type: 'network', path: '/proc/7/ns/net' }, { type: 'ipc', path: '/proc/7/ns/ipc' }],
      uidMappings: maps,
      gidMappings: maps,
    },
  };
}

const binds = (n: number, extra: string[] = []): Mount[] =>
  Array.from({ length: n }, (_, i) => ({ destination: `/m${i}`, type: 'bind', source: '/host/data', options: ['rbind', ...extra] }));

/** The slot of every op that fills one, with the slots held just before it, as the executor would see them. */
function liveSlotsAtEachFill(ops: PlanOp[]): { slot: number; held: Set<number> }[] {
  const held = new Set<number>();
  const fills: { slot: number; held: Set<number> }[] = [];
  for (const op of ops) {
    const f = OP_FORMAT[op.op];
    const arg = (name: string) => (op as unknown as Record<string, number>)[name]!;
    if (f.fills) {
      fills.push({ slot: arg(f.fills), held: new Set(held) });
      held.add(arg(f.fills));
    }
    if (f.frees) held.delete(arg(f.frees));
  }
  return fills;
}

describe('descriptor slots', function () {
  it('the builder never fills a slot that still holds a descriptor', function () {
    const mounts = [
      ...binds(20),
      ...binds(3, ['idmap']),
      { destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] },
      { destination: '/f', type: 'bind', source: '/host/file', options: ['bind'] },
    ];
    const ops = buildCreatePlan(everything(mounts), facts, {}, { id: 'c1' }).ops.map((p) => p.op);
    const fills = liveSlotsAtEachFill(ops);
    // the FIFO, 2 namespaces, 3 trees and their user namespaces, 21 sources, the root, the copy-up, the console
    assert.equal(fills.length, 1 + 2 + 6 + 21 + 3);
    for (const { slot, held } of fills) {
      assert.ok(slot >= 0 && slot < SLOT_COUNT, `slot ${slot} exists`);
      assert.ok(!held.has(slot), `slot ${slot} is filled while it holds a descriptor`);
    }
    // Several descriptors are held at once, in different slots.
    assert.ok(Math.max(...fills.map((f) => f.held.size)) >= 25);
    const exec = buildExecPlan(
      { terminal: true, user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' },
      {
        cgroupDirs: [],
        namespaces: [
          { type: 'user', path: '/proc/7/ns/user' },
          { type: 'pid', path: '/proc/7/ns/pid' },
        ],
        lastCap: 40,
        detached: false,
        console: { rows: 0, cols: 0 },
      },
    );
    for (const { slot, held } of liveSlotsAtEachFill(exec.ops.map((p) => p.op))) assert.ok(!held.has(slot));
  });

  it('binds the sources beyond the spare slots by path, and says which mount needs a slot none is left for', function () {
    const many = buildCreatePlan(everything(binds(100)), facts).ops.map((p) => p.op);
    const opened = many.filter((o) => o.op === 'open' && o.path === '/host/data').length;
    const byPath = many.filter((o) => o.op === 'mount_in_root' && o.source === '/host/data').length;
    assert.ok(opened > 30 && opened < SLOT_COUNT, `${opened} sources opened ahead`);
    assert.equal(opened + byPath, 100);
    assert.throws(
      () => buildCreatePlan(everything(binds(70, ['idmap'])), facts),
      /config\.json: \/mounts\/62: no descriptor slot is left for the id-mapped tree of \/m62: the executor has 64/,
    );
  });

  it('checkSlots refuses a plan that fills a held slot or frees an empty one', function () {
    const open = (slot: number): PlanOp => ({ op: 'open', path: '/x', flags: 0, slot });
    assert.throws(() => checkSlots([open(3), open(3)]), /operation 1 \(open\) fills slot 3, which is taken/);
    assert.throws(() => checkSlots([open(SLOT_COUNT)]), /fills slot 64, which is taken or does not exist/);
    assert.throws(() => checkSlots([open(3), { op: 'close', slot: 3 }, { op: 'close', slot: 3 }]), /operation 2 \(close\) frees slot 3, which holds nothing/);
    checkSlots([open(3), { op: 'close', slot: 3 }, open(3)]);
  });

  it('the allocator hands out the lowest free slot and takes back only what it gave', function () {
    const slots = new SlotAllocator();
    assert.deepEqual([slots.take('a'), slots.take('b'), slots.take('c')], [0, 1, 2]);
    slots.release(1);
    assert.equal(slots.take('d'), 1);
    assert.throws(() => slots.release(9), /slot 9 released but not held/);
  });
});
