import { KagoError } from '../errors.ts';
import type { Spec } from '../spec/config.ts';
import { buildInitOps } from './init.ts';
import { buildIntermediateOps } from './intermediate.ts';
import { checkIntelRdt } from './kernel.ts';
import { checkSlots, SlotAllocator } from './slots.ts';
import type { Compiled, CreateSlots, HostFacts, Plan, PlanOptions } from './types.ts';

/** The whole create plan: a pure function of the validated config, the host facts and what the core compiled. */
export function buildCreatePlan(spec: Spec, facts: HostFacts, compiled: Compiled = {}, options: PlanOptions = {}): Plan {
  if (!spec.process?.args?.length) throw new KagoError('config.json: /process/args', 'the container needs a program to run');
  checkIntelRdt(spec, facts);
  const alloc = new SlotAllocator();
  const slots: CreateSlots = { alloc, fifo: alloc.take('the exec FIFO'), trees: new Map(), sources: new Map() };
  const ops = [...buildIntermediateOps(spec, facts, slots), ...buildInitOps(spec, facts, compiled, options, slots)];
  checkSlots(ops.map((p) => p.op));
  return { ops };
}
