import type { LinuxNamespace, NamespaceType, Spec } from '../../wasm/spec.gen.ts';
import * as L from './linux.ts';

export const NAMESPACE_FLAGS: Record<NamespaceType, number> = {
  user: L.CLONE_NEWUSER,
  mount: L.CLONE_NEWNS,
  pid: L.CLONE_NEWPID,
  network: L.CLONE_NEWNET,
  ipc: L.CLONE_NEWIPC,
  uts: L.CLONE_NEWUTS,
  cgroup: L.CLONE_NEWCGROUP,
  time: L.CLONE_NEWTIME,
};

/**
 * The user namespace is joined first: it owns the others, and joining them
 * needs CAP_SYS_ADMIN in it. The mount namespace is joined last because it
 * changes how later /proc paths would resolve (they are all opened first anyway).
 */
export const JOIN_ORDER: NamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

export function namespaceList(spec: Spec): LinuxNamespace[] {
  return spec.linux?.namespaces ?? [];
}

export function wantsNew(spec: Spec, type: NamespaceType): boolean {
  return namespaceList(spec).some((ns) => ns.type === type && !ns.path);
}

export function has(spec: Spec, type: NamespaceType): boolean {
  return namespaceList(spec).some((ns) => ns.type === type);
}
