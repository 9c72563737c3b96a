// The container's cgroup as a transient systemd scope, made and changed
// through systemd's D-Bus API (org.freedesktop.systemd1(5)): the unit is
// started with the container's first process in it and Delegate=yes (the
// container may manage its own subtree), its limits are set as unit
// properties, and stopping the unit takes the cgroup away.
import { KagoError } from '../../errors.ts';
import { logFailure } from '../../log.ts';
import { DBusConnection, DBusError } from '../../sys/dbus.ts';
import type { Message } from '../../sys/dbus-wire.ts';
import type { Property } from './properties.ts';

const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER_PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
const JOB_REMOVED = `type='signal',sender='${SYSTEMD}',path='${MANAGER_PATH}',interface='${MANAGER}',member='JobRemoved'`;

/** Another container's (or anyone's) unit has the name: it is not ours to stop or clean. */
export class UnitExistsError extends KagoError {}

let bus: DBusConnection | null = null;
let subscribed = false;
let startRequested = false;

/** Whether a StartTransientUnit left kago in this command: before that, no unit can exist. */
export function unitStartRequested(): boolean {
  return startRequested;
}

/** One connection per command, opened on first use. */
function systemBus(): DBusConnection {
  bus ??= DBusConnection.open();
  return bus;
}

export function closeSystemBus(): void {
  bus?.close();
  bus = null;
  subscribed = false;
}

function managerCall(member: string, signature: string, body: Parameters<DBusConnection['call']>[0]['body']) {
  return systemBus().call({ destination: SYSTEMD, path: MANAGER_PATH, interface: MANAGER, member, signature, body });
}

/**
 * JobRemoved goes to the client that asked for the job (systemd tracks it),
 * but the bus only routes a broadcast signal that matches a rule.
 */
function watchJobs(): void {
  if (subscribed) return;
  // No reply awaited: the bus handles a connection's messages in order, so
  // the rule is in place before the call that starts the job reaches systemd.
  systemBus().callNoReply({
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'AddMatch',
    signature: 's',
    body: [JOB_REMOVED],
  });
  subscribed = true;
}

/** Waits for the job's end; its result ("done", "failed", "timeout", ...). */
function waitJob(job: string): string {
  const m: Message = systemBus().waitSignal((s) => s.member === 'JobRemoved' && s.body[1] === job);
  return String(m.body[3]);
}

function where(unit: string): string {
  return `systemd unit ${unit}`;
}

function fail(unit: string, action: string, e: unknown): never {
  if (e instanceof DBusError) throw new KagoError(where(unit), `${action}: ${e.message} (${e.errorName})`, { cause: e });
  throw e;
}

/** StartTransientUnit in mode "replace", waiting until the job has run. */
export function startScope(unit: string, slice: string, pid: number, description: string, extra: readonly Property[]): void {
  const props: Property[] = [
    ['Description', { sig: 's', value: description }],
    ['Slice', { sig: 's', value: slice }],
    ['Delegate', { sig: 'b', value: true }],
    ['PIDs', { sig: 'au', value: [pid] }],
    ['MemoryAccounting', { sig: 'b', value: true }],
    ['CPUAccounting', { sig: 'b', value: true }],
    ['BlockIOAccounting', { sig: 'b', value: true }],
    ['TasksAccounting', { sig: 'b', value: true }],
    // Without it a scope is ordered after (and stopped before) basic
    // targets, so shutting down could stop the container early (runc sets it too).
    ['DefaultDependencies', { sig: 'b', value: false }],
    ...extra,
  ];
  let job: string;
  try {
    watchJobs();
    startRequested = true;
    job = String(managerCall('StartTransientUnit', 'ssa(sv)a(sa(sv))', [unit, 'replace', props, []])[0]);
  } catch (e) {
    if (e instanceof DBusError && e.errorName === 'org.freedesktop.systemd1.UnitExists') {
      throw new UnitExistsError(where(unit), 'a unit of that name exists already (another container uses this cgroupsPath?)', { cause: e });
    }
    fail(unit, 'start', e);
  }
  const result = waitJob(job);
  if (result !== 'done') throw new KagoError(where(unit), `start: the job ended "${result}"`);
}

/** SetUnitProperties at runtime (not persisted across reboots: a container does not outlive one). */
export function setUnitProperties(unit: string, props: readonly Property[]): void {
  if (props.length === 0) return;
  try {
    managerCall('SetUnitProperties', 'sba(sv)', [unit, true, [...props]]);
  } catch (e) {
    fail(unit, 'set properties', e);
  }
}

/** Stops the unit and forgets a failed one; a unit that is gone already is fine. */
export function stopUnit(unit: string): void {
  try {
    watchJobs();
    const job = String(managerCall('StopUnit', 'ss', [unit, 'replace'])[0]);
    waitJob(job);
  } catch (e) {
    if (!(e instanceof DBusError && e.errorName === 'org.freedesktop.systemd1.NoSuchUnit')) fail(unit, 'stop', e);
  }
  try {
    // A scope whose processes were killed can end "failed" and stay loaded.
    managerCall('ResetFailedUnit', 's', [unit]);
  } catch (e) {
    if (!(e instanceof DBusError)) throw e;
    logFailure(`${where(unit)}: reset-failed (${e.errorName})`, e);
  }
}
