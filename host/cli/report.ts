// The JSON shape runc prints for `state` and `list --format json`, which
// engines parse.
import type { StateStore } from '../state/store.ts';
import type { ContainerState, Status } from '../state/types.ts';

export interface StateReport {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
}

/** `state` leaves owner empty, as runc does; `list` names the user who made the container. */
export function stateReport(store: StateStore, state: ContainerState, forList = false): StateReport {
  const status = store.status(state);
  const report: StateReport = {
    ociVersion: state.ociVersion,
    id: state.id,
    pid: status === 'stopped' ? 0 : state.pid,
    status,
    bundle: state.bundle,
    rootfs: state.rootfs,
    created: state.created,
    owner: forList ? state.owner : '',
  };
  if (state.annotations && Object.keys(state.annotations).length) report.annotations = state.annotations;
  return report;
}
