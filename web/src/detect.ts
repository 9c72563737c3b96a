// What a pasted document is: a config.json, an OCI linux.seccomp object, or
// a profile in Docker's format (which needs converting before it compiles).

export type DocumentKind = 'config' | 'oci-seccomp' | 'docker-seccomp' | 'unknown';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Fields only Docker's format has (moby/profiles seccomp.go): archMap, and
// per entry name, comment, includes and excludes.
function hasDockerFields(doc: Record<string, unknown>): boolean {
  if ('archMap' in doc) return true;
  const calls = doc.syscalls;
  return Array.isArray(calls) && calls.some((c) => isRecord(c) && ('includes' in c || 'excludes' in c || 'comment' in c || typeof c.name === 'string'));
}

export function detectKind(text: string): DocumentKind {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'unknown';
  }
  if (!isRecord(doc)) return 'unknown';
  if ('ociVersion' in doc || 'process' in doc || 'root' in doc || ('linux' in doc && !('defaultAction' in doc))) {
    return 'config';
  }
  if ('defaultAction' in doc || 'syscalls' in doc) return hasDockerFields(doc) ? 'docker-seccomp' : 'oci-seccomp';
  return 'unknown';
}

export const KIND_LABELS: Readonly<Record<DocumentKind, string>> = {
  config: 'config.json',
  'oci-seccomp': 'OCI seccomp profile',
  'docker-seccomp': 'Docker seccomp profile',
  unknown: 'not recognised',
};
