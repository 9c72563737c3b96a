import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readSpecFile, specDir, validate, errorsOf } from './core-fixture.ts';

const goodDir = new URL('test/config/good/', specDir);
const goodFiles = readdirSync(goodDir).filter((f) => f.endsWith('.json'));
// The other fixtures describe FreeBSD and z/OS containers.
const otherPlatform = /^(freebsd|zos)-/;

describe('core: runtime-spec v1.3.0 fixtures', () => {
  it('finds the fixtures', () => {
    assert.ok(goodFiles.filter((f) => !otherPlatform.test(f)).length >= 5, goodFiles.join(' '));
  });

  for (const file of goodFiles.filter((f) => !otherPlatform.test(f))) {
    it(`accepts good/${file} without errors, for create too when it has a process`, () => {
      const text = readSpecFile(`test/config/good/${file}`);
      const r = validate(text);
      assert.deepEqual(errorsOf(r), []);
      assert.deepEqual(r.config, JSON.parse(text.toString('utf8')));
      if (r.config?.process !== undefined) assert.deepEqual(errorsOf(validate(text, true)), []);
    });
  }

  for (const file of goodFiles.filter((f) => otherPlatform.test(f))) {
    it(`refuses good/${file} as a configuration for another platform`, () => {
      const r = validate(readSpecFile(`test/config/good/${file}`));
      const errors = errorsOf(r);
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]!.pointer, '');
      assert.match(errors[0]!.message, /is for the '(freebsd|zos)' platform .*kago runs Linux containers/);
    });
  }

  it('refuses minimal.json for create: a process is required to start', () => {
    const r = validate(readSpecFile('test/config/good/minimal.json'), true);
    assert.deepEqual(
      errorsOf(r).map((e) => [e.pointer, e.message]),
      [['/process', 'is required to create and start a container']],
    );
  });
});

describe('core: runtime-spec v1.3.0 bad fixtures', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['linux-hugepage.json', '/linux/resources/hugepageLimits/0/pageSize', /must be a size such as "2MB".*found "64kB"/],
    ['linux-netdevice.json', '/linux/netDevices/eth0/name', /must be a string, found number/],
    ['linux-rdma.json', '/linux/resources/rdma/mlx5_1/hcaHandles', /must be an integer, found string/],
  ];
  for (const [file, pointer, message] of cases) {
    it(`refuses bad/${file} at ${pointer}`, () => {
      const errors = errorsOf(validate(readSpecFile(`test/config/bad/${file}`)));
      assert.deepEqual(
        errors.map((e) => e.pointer),
        [pointer],
      );
      assert.match(errors[0]!.message, message);
    });
  }
});
