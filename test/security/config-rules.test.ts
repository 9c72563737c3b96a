// Rules about the config alone live in the validator (core-c/spec), not in
// the plan builder: `kago validate` reports each with its JSON pointer, and
// `kago create` refuses the same config with the same line, leaving nothing
// behind.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Spec } from '../../wasm/spec.gen.ts';
import { makeBundle } from '../helpers/bundle.ts';
import { Kago, uniqueId } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';

const map = [{ containerID: 0, hostID: 100000, size: 65536 }];

const cases: Array<[string, (s: Spec) => void, string, string]> = [
  [
    'a bind mount without a source',
    (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', options: ['rbind'] });
    },
    '/mounts/N/source',
    'a bind mount needs a source',
  ],
  [
    'a bind mount with an empty source',
    (s) => {
      s.mounts!.push({ destination: '/data', source: '', options: ['bind', 'ro'] });
    },
    '/mounts/N/source',
    'a bind mount needs a source',
  ],
  [
    'an id-mapped mount with no mappings and no user namespace',
    (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: '/usr', options: ['rbind', 'idmap'] });
    },
    '/mounts/N/uidMappings',
    'an id-mapped mount needs uidMappings and gidMappings, on the mount or on a user namespace of the container',
  ],
  [
    'an id-mapped mount with empty mappings',
    (s) => {
      s.mounts!.push({ destination: '/data', type: 'bind', source: '/usr', options: ['rbind'], uidMappings: [], gidMappings: map });
    },
    '/mounts/N/uidMappings',
    'an id-mapped mount needs uidMappings and gidMappings, on the mount or on a user namespace of the container',
  ],
  [
    'a CPU past the affinity mask',
    (s) => {
      s.process!.execCPUAffinity = { initial: '0,70000' };
    },
    '/process/execCPUAffinity/initial',
    'must be a list of CPUs such as "0-3,7" (ranges in increasing order, CPUs 0 to 65535), found "0,70000"',
  ],
  [
    'a NUMA node past the policy mask',
    (s) => {
      s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-65536' };
    },
    '/linux/memoryPolicy/nodes',
    'must be a list of NUMA nodes such as "0-3,7" (ranges in increasing order, nodes 0 to 65535), found "0-65536"',
  ],
];

describe('security: config rules that validate and create both report', function () {
  const kago = new Kago();
  after(() => kago.cleanup());

  for (const [what, configure, at, message] of cases) {
    it(`${what}: ${at}`, function () {
      let pointer = at;
      const bundle = makeBundle(['true'], (s) => {
        configure(s);
        pointer = at.replace('N', String((s.mounts?.length ?? 1) - 1));
      });
      try {
        const v = kago.run(['validate', '--bundle', bundle.dir]);
        assert.equal(v.code, 1, v.stdout + v.stderr);
        const errors = (v.stdout + v.stderr).split('\n').filter((l) => l.startsWith('error:'));
        assert.equal(errors.length, 1, v.stdout + v.stderr);
        assert.ok(errors[0]!.endsWith(`config.json: ${pointer}: ${message}`), errors[0]);

        const id = uniqueId('rules');
        const c = kago.run(['create', '--bundle', bundle.dir, id]);
        assert.equal(c.code, 1, c.stdout + c.stderr);
        assert.equal(c.stderr, `kago: config.json: ${pointer}: ${message}\n`);
        assert.deepEqual(readdirSync(kago.root), [], 'create left something in the state root');
        assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
      } finally {
        bundle.remove();
      }
    });
  }
});
