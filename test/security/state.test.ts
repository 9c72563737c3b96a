// A broken or tampered state.json (a crash, a full disk, a hand edit): it is
// one container's problem. `list` still lists the others, `state` says what
// is wrong with the file in one line, and the container is the one its
// directory names, whatever id the file claims.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzStateReader } from '../../fuzz/state_fuzz.ts';
import { KagoError } from '../../host/errors.ts';
import { parseState } from '../../host/state/validate.ts';
import { harness } from '../helpers/harness.ts';
import { kagoBin, runcBin } from '../helpers/paths.ts';

const TAMPERED = '{"id":"../../x","pid":"abc"}';

for (const bin of [kagoBin, runcBin]) {
  describe(`security: one bad state.json among good ones (${bin === runcBin ? 'runc' : 'kago'})`, function () {
    const h = harness({ bin });
    const kago = h.kago;

    for (const [label, text] of [
      ['tampered', TAMPERED],
      ['garbage', 'garbage\n'],
    ] as const) {
      it(`list shows the others and names the ${label} one on stderr, exit 0`, function () {
        const good = h.bundle(['sleep', '1000']);
        const bad = h.bundle(['sleep', '1000']);
        kago.ok(['run', '-d', '--bundle', good.bundle.dir, good.id]);
        kago.ok(['run', '-d', '--bundle', bad.bundle.dir, bad.id]);
        const statePath = join(kago.root, bad.id, 'state.json');
        const original = readFileSync(statePath);
        writeFileSync(statePath, text);
        try {
          listsTheGoodOne(good.id, bad.id);
        } finally {
          // Put back for the harness's delete: the container's processes and cgroups are real.
          writeFileSync(statePath, original);
        }
      });
    }

    function listsTheGoodOne(goodId: string, badId: string): void {
      const table = kago.run(['list']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`^${goodId}\\s+\\d+\\s+running`, 'm'));
      assert.doesNotMatch(table.stdout, new RegExp(badId));
      assert.match(table.stderr, new RegExp(badId));
      const json = kago.run(['list', '--format', 'json']);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(
        (JSON.parse(json.stdout) as { id: string }[]).map((r) => r.id),
        [goodId],
      );
      assert.equal(kago.run(['state', badId]).code, 1);
    }
  });
}

describe('security: the state reader (kago)', function () {
  const h = harness();
  const kago = h.kago;
  const restore: (() => void)[] = [];

  /** A running container whose state.json says `text`; put back after the test for the harness's delete. */
  function tampered(text: string): { id: string; statePath: string } {
    const { id, bundle } = h.bundle(['sleep', '1000']);
    kago.ok(['run', '-d', '--bundle', bundle.dir, id]);
    const statePath = join(kago.root, id, 'state.json');
    const original = readFileSync(statePath);
    writeFileSync(statePath, text);
    restore.push(() => {
      mkdirSync(join(kago.root, id), { recursive: true });
      writeFileSync(statePath, original);
    });
    return { id, statePath };
  }
  // An inner suite's afterEach runs before the harness's, which is this suite's.
  describe('with a running container', function () {
    afterEach(() => {
      for (const fn of restore.splice(0)) fn();
    });

    it('state of a tampered file: one line naming the container of the directory and the field, never the id the file claims', function () {
      const { id } = tampered(TAMPERED);
      const r = kago.run(['state', id]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^kago: container ${id}: invalid state.json: /[A-Za-z]+: [^\\n]+\\n$`));
      assert.doesNotMatch(r.stderr, /undefined|TypeError|\.\.\/\.\.\/x"?\s*$/);
    });

    it('a state whose id names another container is refused', function () {
      const { id, statePath } = tampered('');
      const good = h.bundle(['sleep', '1000']);
      kago.ok(['run', '-d', '--bundle', good.bundle.dir, good.id]);
      // A valid state, but of another container: copied into this one's directory.
      writeFileSync(statePath, readFileSync(join(kago.root, good.id, 'state.json')));
      const r = kago.run(['state', id]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^kago: container ${id}: invalid state.json: /id: names "${good.id}", not the container of its directory\\n$`));
      assert.equal(kago.run(['kill', id, 'KILL']).code, 1, "no signal sent on the word of a state that is not this container's");
      assert.equal(kago.state(good.id).status, 'running');
    });

    it('garbage: one line that says it is not JSON', function () {
      const { id } = tampered('garbage\n');
      const r = kago.run(['state', id]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^kago: container ${id}: invalid state.json: not JSON \\([^\\n]*\\)\\n$`));
    });

    it('delete --force removes the directory of a container whose state cannot be read, and says so', function () {
      const { id } = tampered(TAMPERED);
      assert.equal(kago.run(['delete', id]).code, 1, 'without --force nothing is removed on the word of a bad file');
      assert.ok(existsSync(join(kago.root, id)));
      const r = kago.run(['delete', '--force', id]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /removed its state directory only/);
      assert.ok(!existsSync(join(kago.root, id)));
    });
  });

  it('every state kago writes is read back', function () {
    const { id, bundle } = h.bundle(['sleep', '1000'], (s) => {
      s.annotations = { 'org.example/a': 'b' };
      s.hooks = { poststart: [{ path: '/bin/true', args: ['true'], timeout: 5 }], poststop: [{ path: '/bin/true' }] };
    });
    kago.ok(['create', '--bundle', bundle.dir, id]);
    assert.equal(parseState(id, readFileSync(join(kago.root, id, 'state.json'), 'utf8')).id, id);
  });

  it('fuzz: 20,000 mutated state.json files end in a KagoError or a usable state, nothing else', function () {
    // make fuzz runs the same fuzzer for a million executions.
    const r = fuzzStateReader(20_000, 1);
    assert.equal(r.executions, 20_000);
    assert.ok(r.accepted > 1000 && r.rejected > 1000, `both sides reached: ${JSON.stringify(r)}`);
    assert.throws(() => parseState('x', '{}'), KagoError);
  });
});
