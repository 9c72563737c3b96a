// Errors as values: the one line a user reads, and the chain of causes
// `--debug` adds, from real failing calls.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { causeChain, exitStatusOf, formatError, KagoError, StatusError } from '../../host/errors.ts';
import { mkfifo, SyscallError } from '../../host/sys/libc.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a throw');
}

describe("kago's errors", function () {
  it('a failed system call is a KagoError with its errno, name and path', function () {
    const e = thrown(() => mkfifo(tmpdir(), 0o600));
    assert.ok(e instanceof SyscallError && e instanceof KagoError);
    assert.equal(e.code, 'EEXIST');
    assert.equal(e.errno, 17);
    assert.equal(e.syscall, 'mkfifo');
    assert.equal(e.path, tmpdir());
    assert.equal(formatError(e), `mkfifo ${tmpdir()}: EEXIST`);
    assert.deepEqual(causeChain(e), [`mkfifo ${tmpdir()}: EEXIST (errno 17)`]);
  });

  it('wrapping keeps the cause: the user reads one line, the chain names the call', function () {
    const missing = `${tmpdir()}/kago-errors-test-missing`;
    const cause = thrown(() => readFileSync(missing));
    const e = new KagoError('config.json', 'cannot be read', { cause });
    assert.equal(formatError(e), 'config.json: cannot be read');
    const [outer, inner, ...rest] = causeChain(e);
    assert.equal(outer, 'config.json: cannot be read');
    assert.match(inner!, /ENOENT/);
    assert.match(inner!, /errno 2\b/);
    assert.ok(inner!.includes(`open '${missing}'`), inner);
    assert.deepEqual(rest, []);
  });

  it('all problems of a validation are its lines', function () {
    const e = new KagoError('config.json: /a', 'bad', { details: ['config.json: /b: bad too'] });
    assert.equal(formatError(e), 'config.json: /a: bad\nconfig.json: /b: bad too');
  });

  it('a status error says what its cause says, and exits with its status', function () {
    const e = new StatusError(new KagoError('container x', 'not running'), 255);
    assert.equal(formatError(e), 'container x: not running');
    assert.equal(exitStatusOf(e), 255);
    assert.deepEqual(causeChain(e), ['container x: not running']);
    assert.equal(exitStatusOf(new KagoError('', 'any')), 1);
  });
});
