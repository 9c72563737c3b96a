// OOM kills in a container's memory cgroup, as they happen: v1 signals an
// eventfd registered through cgroup.event_control on memory.oom_control;
// v2 updates memory.events (inotify sees the change), whose oom_kill
// counter says how many kills there were.
import { closeSync, constants, existsSync, openSync, read, readFileSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { EFD_CLOEXEC, eventfd } from '../sys/libc.ts';
import { writeCgroupFile } from './apply.ts';

export interface OomWatch {
  /** re-reads the counter and reports new kills (call once more at the end) */
  check(): void;
  close(): void;
}

function oomKills(dir: string, version: 1 | 2): number {
  try {
    const text = readFileSync(join(dir, version === 1 ? 'memory.oom_control' : 'memory.events'), 'utf8');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function watchOom(dir: string, version: 1 | 2, onOom: () => void): OomWatch {
  let seen = oomKills(dir, version);
  let closed = false;
  const check = () => {
    const now = oomKills(dir, version);
    for (; seen < now; seen++) onOom();
  };
  if (version === 2) {
    let watcher: FSWatcher | null = null;
    if (existsSync(join(dir, 'memory.events'))) watcher = watch(join(dir, 'memory.events'), { persistent: false }, check);
    return { check, close: () => watcher?.close() };
  }
  const efd = eventfd(0, EFD_CLOEXEC);
  const control = openSync(join(dir, 'memory.oom_control'), constants.O_RDONLY);
  writeCgroupFile(join(dir, 'cgroup.event_control'), `${efd} ${control}`);
  const buf = Buffer.alloc(8);
  // libuv opens every fd close-on-exec. The read blocks a libuv pool thread until the kernel signals the
  // eventfd: on an OOM, and when the cgroup is removed.
  const wait = () => {
    read(efd, buf, 0, 8, null, (err) => {
      if (closed) {
        closeSync(efd);
        return;
      }
      // Each signal while the cgroup exists is one OOM, as runc counts
      // them: the oom_kill counter may not have moved yet when it comes.
      if (err || !existsSync(join(dir, 'memory.oom_control'))) return;
      seen++;
      onOom();
      wait();
    });
  };
  wait();
  return {
    check,
    close() {
      closed = true;
      closeSync(control);
      // Closing an fd does not end a read blocked on it: adding to the
      // counter does, and the read's callback closes it.
      writeSync(efd, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]));
    },
  };
}
