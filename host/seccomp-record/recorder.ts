// The recorder: a process of its own (`kago` started again, see
// lifecycle.ts) that holds the container's seccomp listener for as long as
// the container runs. Every system call of every thread of every process in
// the container stops at the filter (one instruction: SECCOMP_RET_USER_NOTIF)
// until the recorder has noted it and let it go on; when the last of them is
// gone the listener hangs up and the recorder writes the profile.
import { closeSync, readdirSync, readlinkSync } from 'node:fs';
import { sleepMs } from '../sys/sleep.ts';
import { getCore } from '../core.ts';
import { KagoError } from '../errors.ts';
import { createNewFile, replaceFile } from '../files.ts';
import { log } from '../log.ts';
import { isSameLiveProcess } from '../state/proc.ts';
import { useNormalJitPolicy } from '../sys/jit.ts';
import { pidfdGetfd, pidfdOpen, POLLERR, POLLHUP, POLLIN, pollOne } from '../sys/libc.ts';
import { answerNotification, receiveNotification } from '../sys/seccomp-notify.ts';
import { type Answer, Answerer } from './answer.ts';
import { Recording, recordedProfile } from './profile.ts';
import type { RecorderRequest } from './request.ts';
import { ArchNames } from './arch-names.ts';

const LISTENER_LINK = 'anon_inode:seccomp notify';
// Init waits at its first call until the listener is taken: this bounds that wait.
const GRAB_WAIT_MAX_MS = 5;

/**
 * The listener is taken out of init (pidfd_getfd) rather than sent by it:
 * with every call stopped at the filter, init cannot make the sendmsg that
 * would pass it on, but it cannot get past its first call either until
 * someone holds the listener and answers, so it is still there to take.
 * The kernel creates it close-on-exec. null when init ended first.
 */
function takeListener(pid: number, startTime: string): number | null {
  const pidfd = pidfdOpen(pid);
  try {
    for (let wait = 1; ; wait = Math.min(wait * 2, GRAB_WAIT_MAX_MS)) {
      if (!isSameLiveProcess(pid, startTime)) return null;
      let fds: string[] = [];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
      for (const fd of fds) {
        let link = '';
        try {
          link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (link === LISTENER_LINK) return pidfdGetfd(pidfd, Number(fd));
      }
      sleepMs(wait);
    }
  } finally {
    closeSync(pidfd);
  }
}

interface Recorder {
  names: ArchNames;
  answerer: Answerer | null;
}

/** Made before the listener is taken: from then on init waits for every call. */
function prepare(request: RecorderRequest): Recorder {
  const core = getCore();
  return { names: new ArchNames(core, request.arches), answerer: request.original ? new Answerer(core, Buffer.from(request.original, 'base64')) : null };
}

function record(listener: number, request: RecorderRequest, { names, answerer }: Recorder): Recording {
  const recording = new Recording(request.withArgs);
  // audit -> numbers already noted, when a second call of a number can teach nothing (no answers, no arguments)
  const done = !answerer && !request.withArgs ? new Map<number, Set<number>>() : null;
  for (;;) {
    const events = pollOne(listener, POLLIN, -1);
    if (events & POLLIN) {
      const n = receiveNotification(listener);
      if (!n) continue;
      // Without a profile to answer for, the caller goes on first and the notes are taken while it runs.
      if (!answerer) answerNotification(listener, n.id, 0);
      if (done) {
        let numbers = done.get(n.arch);
        if (!numbers) {
          numbers = new Set();
          done.set(n.arch, numbers);
        }
        if (numbers.has(n.nr)) continue;
        numbers.add(n.nr);
      }
      const { arch, name } = names.of(n.arch, n.nr);
      const answer: Answer = answerer && arch ? answerer.answer(arch, n.nr, n.args, n.pid) : { errno: 0 };
      if (answerer) answerNotification(listener, n.id, answer.errno);
      if (arch) recording.add(arch, name, n.nr, n.args, answer.refusal ?? null);
    } else if (events & (POLLHUP | POLLERR)) {
      return recording;
    }
  }
}

export function runRecorder(payload: string | undefined): number {
  useNormalJitPolicy();
  const request = JSON.parse(Buffer.from(payload ?? '', 'base64').toString('utf8')) as RecorderRequest;
  // A ^C meant for `kago run` must not end the recording: the container's end does.
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM', 'SIGPIPE'] as const) process.on(signal, () => {});
  const recorder = prepare(request);
  let listener: number | null;
  try {
    listener = takeListener(request.initPid, request.initStartTime);
  } catch (e) {
    // Nobody else can answer init's calls: left alone it would wait forever, so create fails instead.
    if (isSameLiveProcess(request.initPid, request.initStartTime)) process.kill(request.initPid, 'SIGKILL');
    throw new KagoError(`--seccomp-record ${request.file}`, `cannot take the seccomp listener from the container's init: ${(e as Error).message}`);
  }
  if (listener === null) return 0;
  const recording = record(listener, request, recorder);
  closeSync(listener);
  const profile = recordedProfile(recording, request.arches);
  const write = request.fresh ? createNewFile : replaceFile;
  write('--seccomp-record ', request.file, `${JSON.stringify(profile, null, 2)}\n`, 0o644);
  if (recording.unnamed.size)
    log(
      'warning',
      `--seccomp-record ${request.file}: left out calls no syscall table names (an OCI profile lists names): ${[...recording.unnamed].sort().join(', ')}`,
    );
  return 0;
}
