// What a recording saw, and the OCI linux.seccomp object it becomes: deny by
// default with EPERM, one ALLOW rule with every name seen, sorted, and, when
// the container ran under a profile, that profile's refusals kept as rules of
// their own so that replaying the recording refuses them the same way.

/** How the container's own profile refused a call (its action, and errno for SCMP_ACT_ERRNO). */
export interface Refusal {
  action: string;
  errno?: number;
}

interface ArgRule {
  index: number;
  /** SCMP_CMP_MASKED_EQ with this mask; SCMP_CMP_EQ without */
  mask?: bigint;
}

/**
 * The syscalls Docker's default profile allows only for some argument values
 * (moby's profiles/seccomp/default.json): clone without namespace flags,
 * personality with a few personas, socket without AF_VSOCK. With
 * --seccomp-record-args these get rules for the values seen instead of a
 * bare name.
 */
export const ARG_RULES: Readonly<Record<string, ArgRule>> = {
  // CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET, Docker's mask
  clone: { index: 0, mask: 0x7e020000n },
  personality: { index: 0 },
  socket: { index: 0 },
};

export class Recording {
  readonly allowed = new Set<string>();
  readonly arches = new Set<string>();
  readonly refused = new Map<string, Refusal>();
  /** syscall name -> the values of its ARG_RULES argument seen (masked) */
  readonly argValues = new Map<string, Set<bigint>>();
  /** "SCMP_ARCH_X86_64:1023": numbers no table names, which an OCI profile cannot list */
  readonly unnamed = new Set<string>();

  readonly withArgs: boolean;

  constructor(withArgs: boolean) {
    this.withArgs = withArgs;
  }

  add(arch: string, name: string | null, nr: number, args: readonly bigint[], refusal: Refusal | null): void {
    this.arches.add(arch);
    if (name === null) {
      this.unnamed.add(`${arch}:${nr}`);
      return;
    }
    if (refusal) {
      if (!this.allowed.has(name)) this.refused.set(name, refusal);
      return;
    }
    this.allowed.add(name);
    this.refused.delete(name);
    const rule = this.withArgs ? ARG_RULES[name] : undefined;
    if (rule) {
      const value = args[rule.index] ?? 0n;
      let seen = this.argValues.get(name);
      if (!seen) {
        seen = new Set();
        this.argValues.set(name, seen);
      }
      seen.add(rule.mask === undefined ? value : value & rule.mask);
    }
  }
}

interface OciArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface OciRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciArg[];
}

export interface RecordedProfile {
  defaultAction: 'SCMP_ACT_ERRNO';
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: OciRule[];
}

const EPERM = 1;

function argRules(name: string, rule: ArgRule, values: Set<bigint>): OciRule[] | null {
  // A value JSON cannot carry exactly: the bare name is the safe superset.
  if ([...values].some((v) => v > BigInt(Number.MAX_SAFE_INTEGER))) return null;
  return [...values]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((v) => ({
      names: [name],
      action: 'SCMP_ACT_ALLOW',
      args: [
        rule.mask === undefined
          ? { index: rule.index, value: Number(v), op: 'SCMP_CMP_EQ' }
          : { index: rule.index, value: Number(rule.mask), valueTwo: Number(v), op: 'SCMP_CMP_MASKED_EQ' },
      ],
    }));
}

/** arches: the config's architectures (or kago's default set); any other one a call came from is added. */
export function recordedProfile(recording: Recording, arches: readonly string[]): RecordedProfile {
  const plain: string[] = [];
  const withArgs: OciRule[] = [];
  for (const name of [...recording.allowed].sort()) {
    const rule = ARG_RULES[name];
    const values = recording.argValues.get(name);
    const rules = rule && values ? argRules(name, rule, values) : null;
    if (rules) withArgs.push(...rules);
    else plain.push(name);
  }
  const syscalls: OciRule[] = [];
  if (plain.length) syscalls.push({ names: plain, action: 'SCMP_ACT_ALLOW' });
  syscalls.push(...withArgs);
  const groups = new Map<string, OciRule>();
  for (const name of [...recording.refused.keys()].sort()) {
    const r = recording.refused.get(name)!;
    const key = `${r.action}:${r.errno ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { names: [], action: r.action };
      if (r.errno !== undefined) group.errnoRet = r.errno;
      groups.set(key, group);
    }
    group.names.push(name);
  }
  syscalls.push(...groups.values());
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: [...new Set([...arches, ...recording.arches])],
    syscalls,
  };
}
