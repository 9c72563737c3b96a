import assert from 'node:assert/strict';
import { validate, errorsOf, validConfig, edit } from './core-fixture.ts';

function check(version: string) {
  return validate(edit(validConfig(), '/ociVersion', version));
}

describe('core: ociVersion', () => {
  for (const v of ['1.0.0', '1.0.1', '1.0.2-dev', '1.1.0', '1.2.1', '1.3.0', '1.3.0+build.1', '1.3.0-rc.1+b.2', '1.3.7', '1.0.0-alpha.0.x-y']) {
    it(`accepts ${v}`, () => {
      assert.deepEqual(check(v).problems, []);
    });
  }

  const rejected: Array<[string, RegExp]> = [
    ['2.0.0', /version "2.0.0" is not supported: kago implements runtime-spec 1.0.0 to 1.3.x/],
    ['0.9.0', /not supported/],
    ['1.4.0', /not supported/],
    ['1.0', /semantic version MAJOR.MINOR.PATCH/],
    ['v1.0.0', /must not start with 'v'/],
    ['1.0.0-', /empty pre-release identifier/],
    ['1.0.0+', /empty build metadata identifier/],
    ['01.0.0', /leading zeros/],
    ['1.0.0-01', /leading zero/],
    ['1.0.0 ', /semantic version/],
    ['', /semantic version/],
    ['1.0.0-a..b', /empty pre-release identifier/],
    ['1.0.0_x', /semantic version/],
  ];
  for (const [v, why] of rejected) {
    it(`refuses ${JSON.stringify(v)} at /ociVersion`, () => {
      const errors = errorsOf(check(v));
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]!.pointer, '/ociVersion');
      assert.match(errors[0]!.message, why);
    });
  }

  it('accepts a pre-release of another version with a warning (the spec example is "0.5.0-dev")', () => {
    const r = check('0.5.0-dev');
    assert.deepEqual(errorsOf(r), []);
    assert.deepEqual(
      r.problems.map((p) => [p.pointer, p.severity]),
      [['/ociVersion', 'warning']],
    );
    assert.match(r.problems[0]!.message, /pre-release .* validated as 1\.3\.0/);
  });

  it('requires ociVersion, as a string', () => {
    assert.deepEqual(
      errorsOf(validate(edit(validConfig(), '/ociVersion', undefined))).map((e) => [e.pointer, e.message]),
      [['/ociVersion', 'is required']],
    );
    assert.deepEqual(
      errorsOf(validate(edit(validConfig(), '/ociVersion', 1))).map((e) => [e.pointer, e.message]),
      [['/ociVersion', 'must be a string, found number']],
    );
  });
});
