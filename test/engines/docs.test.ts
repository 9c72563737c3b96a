// docs/engines.md shows users the runtime settings the engine tests run with:
// if a config in scripts/engines changes, the documentation must follow.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.ts';
import { enginesDir } from './harness.ts';

const DOCUMENTED_PATH = '/usr/local/bin/kago';

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
      assert.deepEqual(lines.filter((l) => !docLines.has(l)), []);
    });
  }
});
