// The recorder's place in a container's life: started when init exists,
// tracked in the state (pid and start time, like init's), waited for by
// delete (it writes the profile once the container's processes are gone),
// killed if it does not finish. `exec` runs under the config's own filter:
// only the container's init and its descendants are recorded.
import { sleepMs } from '../sys/sleep.ts';
import type { CompiledSeccomp } from '../plan/seccomp.ts';
import { isSameLiveProcess, readProcStat } from '../state/proc.ts';
import type { ContainerState } from '../state/types.ts';
import { spawnWithFds } from '../sys/spawn.ts';
import { RECORDER_COMMAND } from './command.ts';
import { recordingOf, type RecorderRequest } from './request.ts';

const FINISH_WAIT_MS = 10_000;

declare const __KAGO_STANDALONE__: boolean | undefined;

/** kago itself, as it was started: the executable, or Node with the bundle. */
function selfCommand(): string[] {
  if (typeof __KAGO_STANDALONE__ !== 'undefined' && __KAGO_STANDALONE__) return [process.execPath];
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}

/** For `exec`, which must never load the recording filter: nobody would hold its listener. */
export function filterForExec(seccomp: CompiledSeccomp | undefined): CompiledSeccomp | undefined {
  const recording = recordingOf(seccomp);
  return recording ? recording.original : seccomp;
}

/** Once init exists (and before it loads the filter, which it cannot get past alone). */
export function startRecorderFor(seccomp: CompiledSeccomp | undefined, state: ContainerState, save: () => void): void {
  const recording = recordingOf(seccomp);
  if (!recording || state.kago.initStartTime === undefined) return;
  const request: RecorderRequest = {
    file: recording.file,
    withArgs: recording.withArgs,
    arches: recording.arches,
    initPid: state.pid,
    initStartTime: state.kago.initStartTime,
  };
  if (recording.fresh) request.fresh = true;
  if (recording.original) request.original = Buffer.from(recording.original.filter).toString('base64');
  const [program, ...args] = selfCommand();
  // stderr stays kago's, for the one line a failed recording prints.
  const pid = spawnWithFds(
    program!,
    [...args, RECORDER_COMMAND, Buffer.from(JSON.stringify(request)).toString('base64')],
    ['ignore', 'ignore', 'inherit'],
    {},
    true,
  );
  state.kago.recorder = { pid, startTime: readProcStat(pid)?.startTime };
  save();
}

/** After the container's processes are killed: the recorder sees the listener hang up, writes the file and ends. */
export function finishRecorder(state: ContainerState): void {
  const recorder = state.kago.recorder;
  if (!recorder) return;
  const deadline = Date.now() + FINISH_WAIT_MS;
  while (isSameLiveProcess(recorder.pid, recorder.startTime) && Date.now() < deadline) sleepMs(2);
  if (!isSameLiveProcess(recorder.pid, recorder.startTime)) return;
  try {
    process.kill(recorder.pid, 'SIGKILL');
  } catch {
    // ended meanwhile
  }
}
