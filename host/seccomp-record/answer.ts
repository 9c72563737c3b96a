// Recording under the config's own profile: every call comes to the recorder,
// which answers it as that profile's filter would have (the core's BPF
// interpreter runs the very filter kago compiled for it), so the container
// sees what it would have seen, and the recording learns what was refused.
import type { Core } from '../../wasm/core.ts';
import type { Refusal } from './profile.ts';

export interface Answer {
  /** 0: the call goes on; else it fails with this errno */
  errno: number;
  refusal?: Refusal;
}

const ENOSYS = 38;
const EPERM = 1;
const BPF_LD_W_ABS = 0x20;
/** offsetof(struct seccomp_data, instruction_pointer): loads from here on depend on more than nr and arch */
const IP_OFFSET = 8;

export class Answerer {
  private readonly filter: ArrayBuffer;
  private readonly view: DataView;
  /** "arch:nr" -> the answer, for calls the filter decided without looking at their arguments */
  private readonly byCall = new Map<string, { answer: Answer; action: string }>();

  private readonly core: Core;

  constructor(core: Core, bpf: Uint8Array) {
    this.core = core;
    this.filter = bpf.buffer.slice(bpf.byteOffset, bpf.byteOffset + bpf.byteLength) as ArrayBuffer;
    this.view = new DataView(this.filter);
  }

  private decidedByNumberAlone(path: readonly number[], executed: number): boolean {
    if (executed > path.length) return false;
    return path.every((i) => !(this.view.getUint16(i * 8, true) === BPF_LD_W_ABS && this.view.getUint32(i * 8 + 4, true) >= IP_OFFSET));
  }

  private verdict(arch: string, nr: number, args: readonly bigint[]): { answer: Answer; action: string } {
    const key = `${arch}:${nr}`;
    const known = this.byCall.get(key);
    if (known) return known;
    const v = this.core.seccomp.simulate(this.filter, arch, nr, args);
    let answer: Answer;
    if (v.action === 'SCMP_ACT_ALLOW' || v.action === 'SCMP_ACT_LOG') answer = { errno: 0 };
    else if (v.action === 'SCMP_ACT_ERRNO') answer = { errno: v.data, refusal: { action: v.action, errno: v.data } };
    // Without a tracer the kernel fails a SECCOMP_RET_TRACE call with ENOSYS.
    else if (v.action === 'SCMP_ACT_TRACE') answer = { errno: ENOSYS, refusal: { action: v.action } };
    else answer = { errno: v.action === 'SCMP_ACT_TRAP' ? ENOSYS : EPERM, refusal: { action: v.action } };
    const result = { answer, action: v.action };
    if (this.decidedByNumberAlone(v.path, v.executed)) this.byCall.set(key, result);
    return result;
  }

  /**
   * tid: the calling thread. A kill or trap the recorder cannot give the way
   * the kernel does: SIGKILL ends the whole process (the kernel's
   * SECCOMP_RET_KILL_THREAD would end only the thread), SIGSYS comes without
   * the siginfo fields of SECCOMP_RET_TRAP.
   */
  answer(arch: string, nr: number, args: readonly bigint[], tid: number): Answer {
    const { answer, action } = this.verdict(arch, nr, args);
    try {
      if (action.startsWith('SCMP_ACT_KILL')) process.kill(tid, 'SIGKILL');
      else if (action === 'SCMP_ACT_TRAP') process.kill(tid, 'SIGSYS');
    } catch {
      // already gone
    }
    return answer;
  }
}
