import assert from 'node:assert/strict';
import { bunSignature } from '../../host/sys/bun-ffi.ts';

describe('bun:ffi signatures from the C declarations (host/sys/bun-ffi.ts)', function () {
  it('maps integers by width and signedness, and every pointer to ptr', function () {
    assert.deepEqual(bunSignature('int flock(int fd, int op)'), { symbol: 'flock', returns: 'i32', args: ['i32', 'i32'] });
    assert.deepEqual(bunSignature('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)'), {
      symbol: 'poll',
      returns: 'i32',
      args: ['ptr', 'u64', 'i32'],
    });
    assert.deepEqual(bunSignature('int mkfifo(const uint8_t *path, uint32_t mode)').args, ['ptr', 'u32']);
    assert.deepEqual(bunSignature('long syscall(long number, long a, long b, long c, long d)').args, ['i64', 'i64', 'i64', 'i64', 'i64']);
    assert.deepEqual(bunSignature('intptr_t signal(int sig, intptr_t handler)'), { symbol: 'signal', returns: 'i64', args: ['i32', 'i64'] });
    assert.deepEqual(bunSignature('int getpid(void)').args, []);
  });

  it('refuses a type it has no mapping for, and what is not a declaration', function () {
    assert.throws(() => bunSignature('double sqrt(double x)'), /no bun:ffi type for "double"/);
    assert.throws(() => bunSignature('ssize_t sendmsg(int fd, const msghdr msg, int flags)'), /no bun:ffi type for "const msghdr msg"/);
    assert.throws(() => bunSignature('flock'), /not a C declaration/);
  });
});
