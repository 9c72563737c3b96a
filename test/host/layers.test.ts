// The host's layers import downward only, and no module imports itself
// back through others: read from the sources' import statements, so a new
// upward import or cycle fails here before anyone has to find it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Lowest first: a module may import its own layer and the layers before
 * it. Each entry is a directory (ending in /) or a file, relative to the
 * repository.
 */
const LAYERS: readonly (readonly [string, readonly string[]])[] = [
  ['errors', ['host/errors.ts']],
  ['wasm', ['wasm/']],
  ['lib', ['lib/']],
  ['linux', ['host/linux.ts', 'host/linux.gen.ts']],
  ['paths', ['host/paths.ts', 'host/version.ts']],
  ['sys', ['host/sys/']],
  ['io', ['host/output.ts', 'host/files.ts', 'host/log.ts']],
  ['core', ['host/core.ts']],
  ['spec', ['host/spec/']],
  ['cgroups', ['host/cgroups/']],
  ['state', ['host/state/']],
  ['plan', ['host/plan/']],
  ['process', ['host/process/']],
  ['seccomp-record', ['host/seccomp-record/']],
  ['lifecycle', ['host/lifecycle/']],
  ['cli', ['host/cli/', 'host/features.ts']],
];

/**
 * Upward imports not yet removed, each with why it is still there. One that
 * no import needs any more fails the test too, so the list only shrinks.
 */
const KNOWN_UPWARD: readonly (readonly [string, string, string])[] = [];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

// Import and re-export statements start a line; dynamic imports can be anywhere.
const STATIC_IMPORT = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*'([^']+)'|^\s*import\s*'([^']+)'/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*'([^']+)'\s*\)/g;

/** Every relative import of a module (static, type-only, re-export, dynamic), as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(STATIC_IMPORT), ...text.matchAll(DYNAMIC_IMPORT)]
    .map((m) => (m[1] ?? m[2])!)
    .filter((name) => name.startsWith('.'))
    .map((name) => relative(ROOT, resolve(ROOT, dirname(file), name)));
}

function layerOf(file: string): number {
  return LAYERS.findIndex(([, members]) => members.some((m) => (m.endsWith('/') ? file.startsWith(m) : file === m)));
}

/** The strongly connected components of more than one module (or a module importing itself): the cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph of host/, wasm/ and lib/', function () {
  const graph = new Map<string, string[]>();
  for (const file of [...sources('host'), ...sources('wasm'), ...sources('lib')]) graph.set(file, importsOf(file));

  it('puts every module in a declared layer', function () {
    assert.deepEqual(
      [...graph.keys()].filter((f) => layerOf(f) < 0),
      [],
    );
  });

  it('has no import from a lower layer into a higher one', function () {
    const upward: string[] = [];
    const used = new Set<string>();
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        const to = layerOf(dep);
        if (to < 0 || to <= layerOf(file)) continue;
        const known = KNOWN_UPWARD.find(([from, target]) => from === file && target === dep);
        if (known) used.add(`${file} -> ${dep}`);
        else upward.push(`${file} (${LAYERS[layerOf(file)]![0]}) -> ${dep} (${LAYERS[to]![0]})`);
      }
    }
    assert.deepEqual(upward, []);
    assert.deepEqual(
      KNOWN_UPWARD.map(([from, to]) => `${from} -> ${to}`).filter((e) => !used.has(e)),
      [],
      'an exception no import needs any more: remove it from KNOWN_UPWARD',
    );
  });

  it('has no cycle', function () {
    assert.deepEqual(cycles(graph), []);
  });

  it('sees the imports it checks (a module that imports a lower layer is found)', function () {
    // The graph is read from the sources: if reading ever found nothing, the tests above could not fail.
    assert.ok(graph.get('host/lifecycle/create.ts')!.includes('host/state/store.ts'));
    assert.ok(graph.get('host/state/types.ts')!.includes('host/cgroups/placement.ts'));
  });
});
