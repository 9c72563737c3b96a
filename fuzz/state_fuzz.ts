// A deterministic mutation fuzzer for the state reader (host/state/validate.ts):
// state.json is the one file every command reads, so any input, however
// broken, must end in a KagoError (one line, naming the container), or in a
// state that every reader of it can use without an exception.
// `node fuzz/state_fuzz.ts [EXECUTIONS] [SEED]` (make fuzz); the mocha test
// test/security/state.test.ts runs a short one.
import { stateReport } from '../host/cli/report.ts';
import { hookState } from '../host/lifecycle/hooks.ts';
import { KagoError } from '../host/errors.ts';
import { StateStore } from '../host/state/store.ts';
import { parseState } from '../host/state/validate.ts';
import { prng } from '../test/helpers/prng.ts';

export const SEED_ID = 'fuzzed-1';

/** What kago writes for a created container, with every optional part present. */
export const SEED_STATE = {
  ociVersion: '1.0.2',
  id: SEED_ID,
  status: 'created',
  pid: 4242,
  bundle: '/srv/bundle',
  annotations: { 'org.example/key': 'value', 'a~b': '' },
  rootfs: '/srv/bundle/rootfs',
  created: '2026-01-01T00:00:00.000Z',
  owner: 'root',
  kago: {
    initStartTime: '123456',
    cgroup: { dirs: ['/sys/fs/cgroup/memory/fuzzed-1', '/sys/fs/cgroup/pids/fuzzed-1'], created: ['/sys/fs/cgroup/memory/fuzzed-1'] },
    executorPid: 4241,
    executorStartTime: '123450',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'true'], env: ['PATH=/bin'], cwd: '/' },
    seccomp: { flags: 0, filter: 'IAAAAAQAAAAVAAABPgAAwAYAAAAAAAAABgAAAAAA/38=', listener: { path: '/run/agent.sock', metadata: 'm' } },
    hooks: { poststart: [{ path: '/bin/true', args: ['true'], env: ['A=b'], timeout: 5 }], poststop: [{ path: '/bin/true' }] },
    resources: { memory: { limit: 1048576 }, pids: { limit: 10 } },
  },
};

const TOKENS = [
  'null',
  'true',
  'false',
  '0',
  '-1',
  '1e999',
  '-0',
  '4294967296',
  '1.5',
  '""',
  '"x"',
  '[]',
  '{}',
  '[[[[',
  '{"',
  '"\\u0000"',
  '"__proto__"',
  '"../../x"',
  ',',
  ':',
  '"',
  '\\',
  '\ud800',
  '\u0000',
  '9007199254740993',
];

const VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  4_194_305,
  '',
  'x',
  '../..',
  '/',
  '-1',
  'abc',
  [],
  [1],
  ['a'],
  [null],
  {},
  { path: 1 },
  { __proto__: null },
  'created',
  'running',
  Number.MAX_VALUE,
];

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

/** A byte-level change: flip, insert, delete, duplicate, splice a JSON token. */
export function mutateText(r: Rand, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 5)) {
    case 0:
      return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << Math.floor(r() * 7))) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + String.fromCharCode(Math.floor(r() * 128)) + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 16));
    case 3: {
      const len = Math.floor(r() * 32);
      return text.slice(0, at) + text.slice(at, at + len) + text.slice(at);
    }
    default:
      return text.slice(0, at) + pick(r, TOKENS) + text.slice(at);
  }
}

/** A structural change: some value anywhere in the tree replaced, removed or added. */
export function mutateTree(r: Rand, root: unknown): unknown {
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      containers.push(v as Record<string, unknown>);
      for (const c of Object.values(v)) walk(c);
    }
  };
  walk(root);
  const target = pick(r, containers);
  const keys = Object.keys(target);
  const choice = Math.floor(r() * 3);
  if (choice === 0 && keys.length) {
    (target as Record<string, unknown>)[pick(r, keys)] = structuredClone(pick(r, VALUES));
  } else if (choice === 1 && keys.length) {
    if (Array.isArray(target)) target.splice(Number(pick(r, keys)), 1);
    else delete target[pick(r, keys)];
  } else {
    const key = Array.isArray(target) ? String(target.length) : pick(r, ['x', 'id', 'pid', 'kago', 'cgroup', '__proto__', 'constructor']);
    (target as Record<string, unknown>)[key] = structuredClone(pick(r, VALUES));
  }
  return root;
}

const store = new StateStore('/nonexistent/kago-fuzz-root');

/** What the commands do with a state they got: none of it may throw. */
function useState(text: string): void {
  const s = parseState(SEED_ID, text);
  if (s.id !== SEED_ID) throw new Error(`accepted a state with id ${JSON.stringify(s.id)}`);
  if (!Number.isSafeInteger(s.pid) || s.pid < 0) throw new Error(`accepted pid ${String(s.pid)}`);
  stateReport(store, s);
  hookState(s, 'stopped');
  for (const d of [...s.kago.cgroup.dirs, ...s.kago.cgroup.created]) d.startsWith('/');
  for (const h of [...(s.kago.hooks?.poststart ?? []), ...(s.kago.hooks?.poststop ?? [])]) h.path.length;
  if (s.kago.seccomp) Buffer.from(s.kago.seccomp.filter, 'base64');
}

export interface FuzzResult {
  executions: number;
  accepted: number;
  rejected: number;
}

/** Runs `executions` mutated inputs; throws, with the input, on anything but a KagoError of one line. */
export function fuzzStateReader(executions: number, seed = 1): FuzzResult {
  const r = prng(seed);
  const seedText = JSON.stringify(SEED_STATE);
  const result: FuzzResult = { executions: 0, accepted: 0, rejected: 0 };
  let current = seedText;
  for (let i = 0; i < executions; i++) {
    // Mostly a few changes away from a valid state, where the reader's checks are.
    if (r() < 0.3) current = seedText;
    let input: string;
    if (r() < 0.5) {
      input = current;
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) input = mutateText(r, input);
    } else {
      let tree: unknown;
      try {
        tree = JSON.parse(current);
      } catch {
        tree = structuredClone(SEED_STATE);
      }
      input = JSON.stringify(mutateTree(r, tree)) ?? 'undefined';
    }
    result.executions++;
    try {
      useState(input);
      result.accepted++;
      current = input;
    } catch (e) {
      if (!(e instanceof KagoError) || e.message.includes('\n') || !e.message.startsWith(`container ${SEED_ID}: `)) {
        throw new Error(`state reader: execution ${i} (seed ${seed}): ${(e as Error).stack ?? String(e)}\ninput: ${input}`);
      }
      result.rejected++;
      if (r() < 0.5) current = input;
    }
  }
  return result;
}

if (process.argv[1]?.endsWith('state_fuzz.ts')) {
  const executions = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
  const started = Date.now();
  const r = fuzzStateReader(executions, seed);
  console.log(
    `fuzz state    seed ${seed}: ${r.executions} executions (${r.accepted} accepted, ${r.rejected} rejected) in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
}
