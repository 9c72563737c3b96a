import assert from 'node:assert/strict';
import { validate, errorsOf, validConfig, edit } from './core-fixture.ts';

describe('core: large and hostile input', () => {
  it('validates a 2 MB config and returns it whole', () => {
    const env: string[] = [];
    for (let size = 0; size < 2_000_000; ) size += env[env.push(`VAR_${env.length}=${'x'.repeat(200)}`) - 1]!.length;
    const doc = edit(validConfig(), '/process/env', env);
    const text = JSON.stringify(doc);
    assert.ok(text.length > 2_000_000);
    const r = validate(text, true);
    assert.deepEqual(r.problems, []);
    assert.equal((r.config?.process?.env ?? []).length, env.length);
  });

  it('reports a bad entry deep inside a 2 MB config at its pointer', () => {
    const env: string[] = [];
    for (let i = 0; i < 20000; i++) env.push(`V${i}=${'y'.repeat(100)}`);
    env[15321] = 'NO_EQUALS_SIGN';
    const r = validate(edit(validConfig(), '/process/env', env));
    assert.deepEqual(
      errorsOf(r).map((e) => e.pointer),
      ['/process/env/15321'],
    );
  });

  it('handles a one-line document of 200000 small values', () => {
    const r = validate(JSON.stringify({ ociVersion: '1.0.0', x: new Array(200000).fill(0) }));
    assert.deepEqual(r.problems, []);
  });

  it('lists at most 1000 problems and counts the rest', () => {
    const doc = edit(validConfig(), '/process/user/additionalGids', new Array(5000).fill(-1));
    const r = validate(doc);
    assert.equal(r.problems.length, 1001);
    assert.equal(r.problems[999]!.pointer, '/process/user/additionalGids/999');
    assert.match(r.problems[1000]!.message, /^4000 more problems are not listed/);
  });

  it('survives deep nesting in every position', () => {
    for (const open of ['[', '{"a":']) {
      const close = open === '[' ? ']' : '}';
      const text = `{"ociVersion":"1.0.0","process":${open.repeat(50000)}1${close.repeat(50000)}}`;
      const errors = errorsOf(validate(text));
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /nesting is deeper than 64 levels/);
    }
  });

  it('refuses text past its size limit with an exception, not a crash', () => {
    assert.throws(() => validate(' '.repeat(33 * 1024 * 1024)), /larger than 32 MiB/);
    // The module still works afterwards.
    assert.deepEqual(validate(validConfig()).problems, []);
  });
});
