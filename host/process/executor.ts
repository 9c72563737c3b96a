// The main process's side of a plan run: spawn the native executor with the
// sync socket as fd 3, send the plan, then answer its requests until init
// reports READY. Everything between clone and execve happens in the
// executor; the host only answers.
import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync } from 'node:fs';
import { KagoError } from '../errors.ts';
import { log } from '../log.ts';
import { encodePlan } from '../plan/encode.ts';
import { MSG } from '../plan/format.gen.ts';
import type { Plan } from '../plan/types.ts';
import { executorPath } from '../paths.ts';
import { errnoName } from '../sys/errno.ts';
import { seqpacketPair, setSendBuffer } from '../sys/libc.ts';
import { SyncChannel } from './channel.ts';

export interface ExecutorEvents {
  /** the executor's first process exists (before any of the plan ran) */
  started(pid: number): void;
  /** write the uid/gid maps of pid */
  idMapsRequested(pid: number): void;
  /** the init process exists; pid is in the host's pid namespace */
  childForked(pid: number): void;
}

const DEFAULT_SNDBUF = 200 * 1024;

export function runPlan(plan: Plan, stdio: [unknown, unknown, unknown], events: ExecutorEvents): void {
  const encoded = encodePlan(plan.ops.map((p) => p.op));
  const [hostEnd, childEnd] = seqpacketPair();
  const channel = new SyncChannel(hostEnd);
  try {
    if (encoded.length + 64 > DEFAULT_SNDBUF) setSendBuffer(hostEnd, encoded.length + 4096);
    // An empty environment: nothing of kago's environment reaches the container.
    const child = spawn(executorPath, [], { stdio: [...stdio, childEnd] as StdioOptions, env: {} });
    closeSync(childEnd);
    if (child.pid === undefined) throw new KagoError('executor', `cannot start ${executorPath}`);
    child.on('error', () => {});
    events.started(child.pid);
    channel.send(MSG.plan, 0, 0, encoded);
    for (;;) {
      const m = channel.receive();
      if (m === null) throw new KagoError('container init', 'exited during setup without reporting why');
      switch (m.type) {
        case MSG.id_maps_request:
          events.idMapsRequested(m.a);
          channel.send(MSG.id_maps_done);
          break;
        case MSG.child_pid:
          events.childForked(m.a);
          break;
        case MSG.ready:
          return;
        case MSG.error: {
          const failed = plan.ops[m.a];
          const detail = new TextDecoder().decode(m.payload);
          const what = failed ? failed.what : `operation ${m.a}`;
          // The executor's detail is the raw host-side argument; the message names the container's view.
          if (detail) log('debug', `operation ${m.a} (${failed?.op.op}) failed on ${detail}`);
          throw new KagoError(what, errnoName(m.b));
        }
        default:
          throw new KagoError('executor', `unexpected message type ${m.type}`);
      }
    }
  } finally {
    channel.close();
  }
}
