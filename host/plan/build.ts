import type { Spec } from '../../wasm/spec.gen.ts';
import { buildInitOps } from './init.ts';
import { buildIntermediateOps } from './intermediate.ts';
import { checkIntelRdt } from './kernel.ts';
import { checkSlots, SlotAllocator } from './slots.ts';
import type { Compiled, CreateSlots, HostFacts, Plan, PlanOptions } from './types.ts';

/** The whole create plan: a pure function of the validated config, the host facts and what the core compiled. */
export function buildCreatePlan(spec: Spec, facts: HostFacts, compiled: Compiled = {}, options: PlanOptions = {}): Plan {
  // The validator (with requireProcess) made sure of /process/args.
  checkIntelRdt(spec, facts);
  const alloc = new SlotAllocator();
  const slots: CreateSlots = { alloc, fifo: alloc.take('the exec FIFO'), trees: new Map(), sources: new Map() };
  const ops = [...buildIntermediateOps(spec, facts, slots), ...buildInitOps(spec, facts, compiled, options, slots)];
  checkSlots(ops.map((p) => p.op));
  return { ops };
}
