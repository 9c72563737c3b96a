// The executor's descriptor slots (plan/plan.json "slots"): every slot a plan
// uses is handed out here, for the stretch of the plan between the op that
// fills it and the op that frees it, so that no two descriptors of one plan
// ever share a slot. The executor refuses an op that fills a slot still held
// (native/main.c); checkSlots holds a built plan to the same rule.
import { KagoError } from '../errors.ts';
import { OP_FORMAT, type PlanOp, SLOT_COUNT } from './format.gen.ts';

export class SlotAllocator {
  private readonly held = new Set<number>();

  /** The lowest free slot, held for `what` until release; where: the config field that asked for it. */
  take(what: string, where = 'plan'): number {
    const slot = this.lowestFree();
    if (slot === undefined) {
      throw new KagoError(
        where,
        `no descriptor slot is left for ${what}: the executor has ${SLOT_COUNT}, which id-mapped mounts, bind sources and joined namespaces share`,
      );
    }
    this.held.add(slot);
    return slot;
  }

  /** Like take, but only while more than `spare` slots would stay free for what the plan must still open. */
  takeIfSpare(what: string, spare: number): number | undefined {
    return SLOT_COUNT - this.held.size > spare ? this.take(what) : undefined;
  }

  release(slot: number): void {
    if (!this.held.delete(slot)) throw new Error(`plan builder: slot ${slot} released but not held`);
  }

  private lowestFree(): number | undefined {
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (!this.held.has(slot)) return slot;
    return undefined;
  }
}

/**
 * The plan's slots as the executor will see them, op by op: an op that fills
 * a slot must find it empty, an op that frees one must find it held. A
 * failure is a mistake of the builder, never of the config.
 */
export function checkSlots(ops: readonly PlanOp[]): void {
  const held = new Set<number>();
  ops.forEach((op, i) => {
    const format = OP_FORMAT[op.op];
    const slotOf = (arg: string) => (op as unknown as Record<string, number>)[arg]!;
    if (format.frees) {
      const slot = slotOf(format.frees);
      if (!held.delete(slot)) throw new Error(`plan builder: operation ${i} (${op.op}) frees slot ${slot}, which holds nothing`);
    }
    if (format.fills) {
      const slot = slotOf(format.fills);
      if (slot < 0 || slot >= SLOT_COUNT || held.has(slot))
        throw new Error(`plan builder: operation ${i} (${op.op}) fills slot ${slot}, which is taken or does not exist`);
      held.add(slot);
    }
  });
}
