// docs/engines.md shows users the runtime settings the engine tests run with:
// if a config in scripts/engines changes, the documentation must follow.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.ts';
import { enginesDir } from './harness.ts';

const DOCUMENTED_PATH = '/usr/local/bin/kago';
const DOCUMENTED_ROOT = '/run/kago';

describe('docs/engines.md', function () {
  const docs = readFileSync(join(repoRoot, 'docs', 'engines.md'), 'utf8');
  const docLines = new Set(docs.split('\n').map((l) => l.trim()));

  for (const template of ['podman/containers.conf', 'docker/daemon.json']) {
    it(`quotes the runtime lines of scripts/engines/${template}`, function () {
      const lines = readFileSync(join(enginesDir, template), 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('#') && /runtime|kago|@KAGO@/.test(l))
        .map((l) => l.replaceAll('@KAGO@', DOCUMENTED_PATH).trim());
      assert.ok(lines.length >= 2, 'the template names a runtime');
      assert.deepEqual(
        lines.filter((l) => !docLines.has(l)),
        [],
      );
    });
  }

  it('shows the kago runtime handler that the CRI test runs, as scripts/engines/containerd/cri.toml has it', function () {
    const template = readFileSync(join(enginesDir, 'containerd', 'cri.toml'), 'utf8')
      .split('\n')
      .map((l) => l.replaceAll('@KAGO@', DOCUMENTED_PATH).replaceAll('@KAGO_ROOT@', DOCUMENTED_ROOT).trim())
      .filter((l) => l && !l.startsWith('#'));
    const block = tomlBlocks(docs).find((b) => b.some((l) => l.includes('.runtimes.kago]')));
    assert.ok(block, 'docs/engines.md has a toml block with runtimes.kago');
    // the doc's lines are the template's, in the template's order...
    let at = 0;
    for (const line of block) {
      const found = template.indexOf(line, at);
      assert.ok(found >= 0, `docs line not in cri.toml (or out of order): ${line}`);
      at = found + 1;
    }
    // ...and nothing of the kago handler's section is left out
    const first = template.findIndex((l) => l.endsWith('.runtimes.kago]'));
    const section = template.slice(
      first,
      template.findIndex((l, i) => i > first && l.startsWith('[') && !l.includes('.runtimes.kago')),
    );
    assert.ok(section.length >= 5);
    assert.deepEqual(
      section.filter((l) => !block.includes(l)),
      [],
    );
    assert.ok(block.includes('restrict_oom_score_adj = true'));
    // the RuntimeClass names the handler the test asks for
    assert.match(docs, /kind: RuntimeClass\nmetadata:\n {2}name: kago\nhandler: kago\n/);
  });
});

/** The trimmed, non-empty lines of each ```toml block. */
function tomlBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/^```toml\n([\s\S]*?)^```$/gm)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}
