// linux.cgroupsPath for the systemd driver: "slice:prefix:name" names a
// transient scope unit `prefix-name.scope` in `slice` (runc's form, also
// crun's and youki's). The cgroup that unit gets follows from systemd's
// naming rules: a dash in a slice's name is a level in the tree.
import { KagoError } from '../../errors.ts';

const POINTER = 'config.json: /linux/cgroupsPath';
const DEFAULT_SLICE = 'system.slice';
/** What systemd accepts in a unit name (unit_name_is_valid: VALID_CHARS, UNIT_NAME_MAX). */
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]{1,255}$/;

export interface SystemdUnit {
  /** the slice the scope is started in */
  slice: string;
  /** prefix-name.scope */
  unit: string;
  /** the unit's cgroup, the same path in every hierarchy systemd manages */
  path: string;
}

/**
 * The cgroup path of a slice: "a-b.slice" is "/a.slice/a-b.slice"
 * (systemd.slice(5)); "-.slice" is the root. Empty components (a leading,
 * trailing or doubled dash) are not valid, as systemd says.
 */
export function slicePath(slice: string): string {
  if (slice === '-.slice') return '/';
  if (!slice.endsWith('.slice') || slice.includes('/') || !UNIT_NAME.test(slice)) {
    throw new KagoError(POINTER, `${JSON.stringify(slice)} is not a systemd slice name (like "system.slice" or "machine-app.slice")`);
  }
  const parts = slice.slice(0, -'.slice'.length).split('-');
  if (parts.some((p) => p === '')) {
    throw new KagoError(POINTER, `${JSON.stringify(slice)}: a slice name has no empty parts between its dashes`);
  }
  let path = '';
  let prefix = '';
  for (const part of parts) {
    prefix = prefix ? `${prefix}-${part}` : part;
    path += `/${prefix}.slice`;
  }
  return path;
}

/** The unit and cgroup for cgroupsPath; without one, ":kago:ID" (runc's default is ":runc:ID"). */
export function resolveSystemdUnit(cgroupsPath: string | undefined, id: string): SystemdUnit {
  const form = cgroupsPath === undefined || cgroupsPath === '' ? `:kago:${id}` : cgroupsPath;
  const parts = form.split(':');
  if (parts.length !== 3) {
    throw new KagoError(POINTER, `${JSON.stringify(form)}: the systemd cgroup driver expects the form "slice:prefix:name"`);
  }
  const [sliceField, prefix, name] = parts as [string, string, string];
  const slice = sliceField === '' ? DEFAULT_SLICE : sliceField;
  const path = slicePath(slice);
  if (name === '') throw new KagoError(POINTER, `${JSON.stringify(form)}: the name (after the second ":") is empty`);
  if (name.endsWith('.slice')) {
    throw new KagoError(POINTER, `${JSON.stringify(form)}: a slice as the container's own unit is not supported; name a scope`);
  }
  const unit = prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
  if (!UNIT_NAME.test(unit)) {
    throw new KagoError(POINTER, `${JSON.stringify(form)}: ${JSON.stringify(unit)} is not a valid systemd unit name`);
  }
  return { slice, unit, path: `${path === '/' ? '' : path}/${unit}` };
}
