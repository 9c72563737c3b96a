import { KagoError } from '../errors.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { buildInitOps } from './init.ts';
import { buildIntermediateOps } from './intermediate.ts';
import { checkIntelRdt } from './kernel.ts';
import type { Compiled, HostFacts, Plan, PlanOptions } from './types.ts';

/** The whole create plan: a pure function of the validated config, the host facts and what the core compiled. */
export function buildCreatePlan(spec: Spec, facts: HostFacts, compiled: Compiled = {}, options: PlanOptions = {}): Plan {
  if (!spec.process?.args?.length) throw new KagoError('config.json: /process/args', 'the container needs a program to run');
  checkIntelRdt(spec, facts);
  return { ops: [...buildIntermediateOps(spec, facts), ...buildInitOps(spec, facts, compiled, options)] };
}
