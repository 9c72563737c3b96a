// The process's privileges, in the order the kernel requires: limits and the
// OOM score while still root, the bounding set while CAP_SETPCAP is held,
// the user switch keeping the permitted set, then the final sets,
// no_new_privs, and the seccomp filter last of all.
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import type { Spec } from '../../wasm/spec.gen.ts';
import { capabilityMasks, rlimitNumber, rlimitValue } from './capabilities.ts';
import * as L from './linux.ts';
import type { CompiledSeccomp } from './seccomp.ts';
import type { HostFacts, PlannedOp } from './types.ts';

type Add = (op: PlannedOp['op'], what: string) => void;

export function addLimits(spec: Spec, add: Add): void {
  const proc = spec.process!;
  (proc.rlimits ?? []).forEach((r, i) => {
    add(
      { op: 'setrlimit', resource: rlimitNumber(r.type, `/process/rlimits/${i}/type`), soft: rlimitValue(r.soft), hard: rlimitValue(r.hard) },
      `set ${r.type}`,
    );
  });
  if (proc.oomScoreAdj !== undefined) {
    add({ op: 'write_file', path: '/proc/self/oom_score_adj', data: String(proc.oomScoreAdj) }, `set oom_score_adj to ${proc.oomScoreAdj}`);
  }
}

export interface UserOptions {
  /** where the process came from, for the messages about the capabilities it will not get */
  source?: string;
  /**
   * stdio is kago's caller's own (a foreground run or exec without a
   * terminal): runc relays such a process through pipes it makes, so only
   * pipes may change owner, never the caller's terminal or files.
   */
  callersStdio?: boolean;
}

export function addUserAndCapabilities(spec: Spec, facts: Pick<HostFacts, 'lastCap' | 'setgroupsDenied'>, add: Add, options: UserOptions = {}): void {
  const source = options.source ?? 'config.json';
  const proc = spec.process!;
  const user = proc.user;
  const caps = capabilityMasks(proc.capabilities, facts.lastCap);
  for (const s of caps.skipped) log(s.level, `${source}: ${s.pointer}: ${s.message}`);
  // runc's finalizeNamespace: the working directory first, while root may
  // still enter any directory; tried again as the user if root may not.
  add({ op: 'chdir_early', path: proc.cwd }, `chdir to ${proc.cwd}`);
  if (!facts.setgroupsDenied) {
    add({ op: 'setgroups', gids: user.additionalGids ?? [] }, 'set the supplementary groups');
  } else if (user.additionalGids?.length) {
    throw new KagoError(
      'config.json: /process/user/additionalGids',
      "need setgroups, which a user namespace that maps only the caller's gid denies (map more gids, through newgidmap)",
    );
  }
  add({ op: 'drop_bounding', keep: caps.bounding, last: facts.lastCap }, 'limit the bounding capability set');
  // Without KEEPCAPS, leaving uid 0 would empty the permitted set before capset could choose from it.
  add({ op: 'prctl', option: L.PR_SET_KEEPCAPS, arg2: 1 }, 'keep capabilities across the user switch');
  add({ op: 'fix_stdio_owner', uid: user.uid, pipes_only: options.callersStdio ? 1 : 0 }, `give stdin, stdout and stderr to uid ${user.uid}`);
  add({ op: 'setresgid', gid: user.gid }, `set gid ${user.gid}`);
  add({ op: 'setresuid', uid: user.uid }, `set uid ${user.uid}`);
  add({ op: 'prctl', option: L.PR_SET_KEEPCAPS, arg2: 0 }, 'stop keeping capabilities');
  add({ op: 'umask', mask: user.umask ?? 0o022 }, 'set the umask');
  add({ op: 'chdir_retry' }, `chdir to ${proc.cwd} as uid ${user.uid}`);
  add({ op: 'capset', effective: caps.effective, permitted: caps.permitted, inheritable: caps.inheritable }, 'set the capabilities');
  add({ op: 'set_ambient', raise: caps.ambient, last: facts.lastCap }, 'set the ambient capabilities');
  if (proc.noNewPrivileges) add({ op: 'prctl', option: L.PR_SET_NO_NEW_PRIVS, arg2: 1 }, 'set no_new_privs');
}

/** The filter, and with SCMP_ACT_NOTIFY rules the hand-over of its listener to kago. */
export function addSeccomp(filter: CompiledSeccomp, add: Add): void {
  add({ op: 'seccomp', flags: filter.flags, filter: filter.filter }, 'load the seccomp filter');
  if (filter.listener) add({ op: 'send_seccomp_listener' }, `pass the seccomp listener on to ${filter.listener.path}`);
}
