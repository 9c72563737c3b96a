// spec, features, validate: commands that run no container.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isCgroup2Unified } from '../../cgroups/unified.ts';
import { getCore } from '../../core.ts';
import { KagoError, UsageError } from '../../errors.ts';
import { features as featureReport } from '../../features.ts';
import { capabilityMasks } from '../../plan/capabilities.ts';
import type { Spec } from '../../../wasm/spec.gen.ts';
import type { Problem } from '../../../wasm/core.ts';
import { createNewFile } from '../../files.ts';
import { defaultSpec, rootlessSpec } from '../../spec/default.ts';
import { formatProblem, readConfigBytes } from '../../spec/load.ts';
import { bool, str } from '../args.ts';
import { type Command, requireArgs } from '../command.ts';
import { writeOut } from '../../output.ts';

export const spec: Command = {
  name: 'spec',
  usage: 'spec [command options]',
  summary: 'write a default config.json to the bundle',
  flags: [
    { names: ['bundle', 'b'], type: 'string', arg: 'DIR', help: 'where to write config.json (default: the current directory)' },
    { names: ['rootless'], type: 'bool', help: 'a config for a container started by an unprivileged user' },
  ],
  run(_ctx, args) {
    requireArgs(args, 0, 0, 'none');
    const path = join(resolve(str(args.flags, 'bundle') ?? '.'), 'config.json');
    const host = { cgroupNamespace: isCgroup2Unified() };
    const s = bool(args.flags, 'rootless') ? rootlessSpec(process.geteuid!(), process.getegid!(), host) : defaultSpec(host);
    // Never through a symlink planted in a bundle another user can write (runc's ioutil.WriteFile follows one).
    try {
      createNewFile('', path, `${JSON.stringify(s, null, '\t')}\n`, 0o666);
    } catch (e) {
      if (e instanceof KagoError && e.reason === 'already exists') throw new KagoError(path, 'exists already: remove it first');
      throw e;
    }
    return 0;
  },
};

export const features: Command = {
  name: 'features',
  usage: 'features',
  summary: 'print what this runtime supports, as JSON',
  flags: [],
  run(_ctx, args) {
    requireArgs(args, 0, 0, 'none');
    writeOut(`${JSON.stringify(featureReport(), null, '    ')}\n`);
    return 0;
  },
};

export const validate: Command = {
  name: 'validate',
  usage: 'validate [--bundle DIR | FILE]',
  summary: 'check a config.json and print every problem with its JSON pointer',
  flags: [
    { names: ['bundle', 'b'], type: 'string', arg: 'DIR', help: 'validate DIR/config.json' },
    { names: ['format', 'f'], type: 'string', arg: 'text|json', help: 'output format (default: text)' },
  ],
  run(_ctx, args) {
    const [file] = requireArgs(args, 0, 1, 'optional config file');
    const bundle = str(args.flags, 'bundle');
    if (file && bundle) throw new UsageError('give either --bundle or a file, not both');
    const path = file ?? join(resolve(bundle ?? '.'), 'config.json');
    const result = getCore().validateConfig(readConfigBytes(path), { requireProcess: false });
    const problems = [...result.problems, ...hostProblems(result.problems.some((p) => p.severity === 'error') ? undefined : result.config)];
    const format = str(args.flags, 'format') ?? 'text';
    if (format === 'json') {
      writeOut(`${JSON.stringify(problems, null, 2)}\n`);
    } else if (format === 'text') {
      for (const p of problems) writeOut(`${p.severity}: ${formatProblem(path, p)}\n`);
    } else {
      throw new UsageError(`invalid format ${JSON.stringify(format)}`);
    }
    return problems.some((p) => p.severity === 'error') ? 1 : 0;
  },
};

/**
 * What only this host can tell about a valid config: the capabilities the
 * process would not get here (a name this kernel lacks, an ambient one the
 * kernel refuses to raise), each a warning with its pointer.
 */
function hostProblems(config: Spec | null | undefined): Problem[] {
  const caps = config?.process?.capabilities;
  if (!caps) return [];
  const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  return capabilityMasks(caps, lastCap).skipped.map((s) => ({ pointer: s.pointer, message: s.message, severity: 'warning' }));
}
