import assert from 'node:assert/strict';
import { parseFlags, type FlagSpec } from '../../host/cli/args.ts';
import { parseSignal } from '../../host/cli/signal.ts';

const specs: FlagSpec[] = [
  { names: ['bundle', 'b'], type: 'string', help: '' },
  { names: ['force', 'f'], type: 'bool', help: '' },
  { names: ['n'], type: 'int', help: '' },
];

describe('command-line flags, read as runc reads them', function () {
  it('accepts -x, --x, --x=v and --x v', function () {
    for (const args of [
      ['--bundle', 'B', 'id'],
      ['-bundle', 'B', 'id'],
      ['--bundle=B', 'id'],
      ['-b', 'B', 'id'],
    ]) {
      const p = parseFlags(args, specs);
      assert.equal(p.flags.get('bundle'), 'B');
      assert.deepEqual(p.positionals, ['id']);
    }
  });
  it('reads booleans without a value, or with =true/=false', function () {
    assert.equal(parseFlags(['--force'], specs).flags.get('force'), true);
    assert.equal(parseFlags(['--force=false'], specs).flags.get('force'), false);
    assert.throws(() => parseFlags(['--force=maybe'], specs), /invalid boolean/);
  });
  it('stops at the first positional argument unless interspersed', function () {
    assert.deepEqual(parseFlags(['id', '--force'], specs).positionals, ['id', '--force']);
    const p = parseFlags(['id', '--force'], specs, true);
    assert.deepEqual(p.positionals, ['id']);
    assert.equal(p.flags.get('force'), true);
    assert.deepEqual(parseFlags(['--', '--force'], specs, true).positionals, ['--force']);
  });
  it('rejects unknown flags, missing values and bad integers', function () {
    assert.throws(() => parseFlags(['--nope'], specs), /flag provided but not defined: -nope/);
    assert.throws(() => parseFlags(['--bundle'], specs), /flag needs an argument/);
    assert.throws(() => parseFlags(['-n', 'x'], specs), /must be an integer/);
  });
  it('names signals as runc does', function () {
    assert.equal(parseSignal('9'), 9);
    assert.equal(parseSignal('KILL'), 9);
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('usr1'), 10);
    assert.throws(() => parseSignal('SIGNOPE'), /unknown signal/);
    // runc 1.1.5 takes 0 (`runc kill ID 0` checks that the container runs)
    assert.equal(parseSignal('0'), 0);
    assert.throws(() => parseSignal('65'), /unknown signal/);
  });
});
