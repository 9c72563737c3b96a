// Many kago commands at once, on distinct ids and on one id: every command
// either does its work or fails cleanly, the state stays consistent (one
// winner per id), and nothing is left behind. KAGO_SOAK=1 (`make soak`)
// repeats the rounds.
import assert from 'node:assert/strict';
import { type Bundle, makeBundle } from '../helpers/bundle.ts';
import { Kago, type Result, uniqueId } from '../helpers/kago.ts';
import { leftovers } from '../helpers/leaks.ts';

const N = 32;
const ROUNDS = process.env.KAGO_SOAK ? 10 : 1;

describe('stress: concurrent create, start and delete', function () {
  const kago = new Kago();
  let bundle: Bundle;
  before(() => {
    bundle = makeBundle(['sleep', '1000']);
  });
  after(() => {
    bundle.remove();
    kago.cleanup();
  });

  const all = (args: (i: number) => string[]): Promise<Result[]> => Promise.all(Array.from({ length: N }, (_, i) => kago.spawn(args(i))));
  const failures = (rs: Result[]): string[] => rs.filter((r) => r.code !== 0).map((r) => `${r.code ?? r.signal}: ${r.stderr}`);

  for (let round = 1; round <= ROUNDS; round++) {
    it(`${N} distinct ids: create, start, delete all at once (round ${round})`, async function () {
      const ids = Array.from({ length: N }, () => uniqueId('par'));
      assert.deepEqual(failures(await all((i) => ['create', '--bundle', bundle.dir, ids[i]!])), []);
      for (const id of ids) assert.equal(kago.state(id).status, 'created');
      assert.deepEqual(failures(await all((i) => ['start', ids[i]!])), []);
      for (const id of ids) assert.equal(kago.state(id).status, 'running');
      const listed = kago.ok(['list', '-q']).stdout.split('\n').filter(Boolean).sort();
      assert.deepEqual(listed, [...ids].sort());
      assert.deepEqual(failures(await all((i) => ['delete', '--force', ids[i]!])), []);
      assert.equal(kago.ok(['list', '-q']).stdout.trim(), '');
      for (const id of ids) assert.deepEqual(leftovers(kago.root, id, bundle.dir), [], id);
    });

    it(`one id: ${N} creates, ${N} starts, ${N} deletes at once; one winner each (round ${round})`, async function () {
      const id = uniqueId('same');
      const creates = await all(() => ['create', '--bundle', bundle.dir, id]);
      const created = creates.filter((r) => r.code === 0);
      assert.equal(created.length, 1, `exactly one create wins: ${failures(creates).length} failed`);
      for (const r of creates.filter((x) => x.code !== 0)) {
        assert.equal(r.code, 1);
        assert.match(r.stderr, /already exists|being created/, r.stderr);
      }
      assert.equal(kago.state(id).status, 'created');
      const starts = await all(() => ['start', id]);
      assert.equal(starts.filter((r) => r.code === 0).length, 1, `exactly one start wins:\n${failures(starts).join('')}`);
      for (const r of starts.filter((x) => x.code !== 0)) assert.equal(r.code, 1, r.stderr);
      assert.equal(kago.state(id).status, 'running');
      const deletes = await all(() => ['delete', '--force', id]);
      assert.deepEqual(failures(deletes), [], 'delete --force of a container that is gone is not an error (runc)');
      assert.equal(kago.run(['state', id]).code, 1);
      assert.deepEqual(leftovers(kago.root, id, bundle.dir), []);
    });
  }
});
