import type { Spec } from '../../wasm/spec.gen.ts';
import { buildInitOps } from './init.ts';
import { buildIntermediateOps } from './intermediate.ts';
import { checkIntelRdt } from './kernel.ts';
import type { Compiled, HostFacts, Plan, PlanOptions } from './types.ts';

/** The whole create plan: a pure function of the validated config, the host facts and what the core compiled. */
export function buildCreatePlan(spec: Spec, facts: HostFacts, compiled: Compiled = {}, options: PlanOptions = {}): Plan {
  // The validator (with requireProcess) made sure of /process/args.
  checkIntelRdt(spec, facts);
  return { ops: [...buildIntermediateOps(spec, facts), ...buildInitOps(spec, facts, compiled, options)] };
}
