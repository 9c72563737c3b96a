import { readFileSync } from 'node:fs';

export interface ProcStat {
  state: string;
  startTime: string;
}

/** Fields of /proc/PID/stat, or null when the process does not exist. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // comm may contain spaces and parentheses: fields restart after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); starttime is field 22.
  return { state: rest[0] ?? '', startTime: rest[19] ?? '' };
}

/**
 * True when pid is alive and is still the process that had startTime. Without
 * a recorded start time nothing proves the pid was not reused: not ours.
 */
export function isSameLiveProcess(pid: number, startTime: string | undefined): boolean {
  if (pid <= 0 || startTime === undefined) return false;
  const stat = readProcStat(pid);
  if (!stat) return false;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return stat.startTime === startTime;
}
