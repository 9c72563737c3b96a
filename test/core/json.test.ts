import assert from 'node:assert/strict';
import { readSpecFile, validate, errorsOf } from './core-fixture.ts';

function syntaxError(text: string | Uint8Array) {
  const r = validate(text);
  assert.equal(r.config, null);
  const errors = errorsOf(r);
  assert.equal(errors.length, 1, JSON.stringify(r.problems));
  const e = errors[0]!;
  assert.equal(e.pointer, '');
  return e;
}

describe('core: JSON syntax (RFC 8259, strict)', () => {
  it('reports the runtime-spec invalid-json fixture with its line and column', () => {
    const e = syntaxError(readSpecFile('test/config/bad/invalid-json.json'));
    assert.equal(e.line, 1);
    assert.equal(e.column, 2);
    assert.match(e.message, /expected a member name .*'}'.*found '\]'/);
  });

  const cases: Array<[string, string, number, number, RegExp]> = [
    ['trailing comma in an object', '{"ociVersion": "1.0.0",\n}', 1, 23, /trailing comma before '}'/],
    ['trailing comma in an array', '{"a": [1, 2,]}', 1, 12, /trailing comma before '\]'/],
    ['a line comment', '{\n  // note\n  "ociVersion": "1.0.0"}', 2, 3, /comments are not allowed/],
    ['a block comment after a value', '{"a": 1 /* x */}', 1, 9, /comments are not allowed/],
    ['a leading zero', '{"a": 012}', 1, 7, /leading zeros/],
    ['a missing comma between members', '{"a": 1\n "b": 2}', 2, 2, /expected ',' or '}' after object member, found '"'/],
    ['a missing colon', '{"ociVersion" "1"}', 1, 15, /expected ':' after member name "ociVersion"/],
    ['an invalid escape', '{"a": "\\x41"}', 1, 8, /invalid escape '\\x'/],
    ['a short unicode escape', '{"a": "\\u12"}', 1, 8, /four hexadecimal digits/],
    ['a lone high surrogate', '{"a": "\\ud800x"}', 1, 8, /lone surrogate '\\uD800'/],
    ['a lone low surrogate', '{"a": "\\udc00"}', 1, 8, /lone surrogate '\\uDC00'/],
    ['a raw control character', '{"a": "x\ty"}', 1, 9, /control character U\+0009 must be escaped/],
    ['a raw line break in a string', '{"a": "x\ny"}', 1, 9, /line break inside a string/],
    ['an unterminated string', '{"a": "xyz', 1, 7, /unterminated string/],
    ['single quotes', "{'a': 1}", 1, 2, /double quotes/],
    ['an unquoted member name', '{a: 1}', 1, 2, /member names must be strings in double quotes/],
    ['NaN', '{"a": NaN}', 1, 7, /invalid literal 'NaN'/],
    ['a truncated literal', '{"a": tru}', 1, 7, /invalid literal 'tru'/],
    ['a plus sign', '{"a": +1}', 1, 7, /must not start with '\+'/],
    ['a bare decimal point', '{"a": 1.}', 1, 9, /digit after the decimal point/],
    ['an empty exponent', '{"a": 1e}', 1, 9, /digit in the exponent/],
    ['text after the document', '{} {}', 1, 4, /after the end of the JSON value/],
    ['an empty document', '  \n ', 2, 2, /document is empty/],
    ['an unclosed object', '{"a": [1,\n2]', 2, 3, /end of input: expected ',' or '}' to continue the object opened at line 1 column 1/],
  ];
  for (const [name, text, line, column, message] of cases) {
    it(`refuses ${name} at line ${line}, column ${column}`, () => {
      const e = syntaxError(text);
      assert.match(e.message, message);
      assert.deepEqual([e.line, e.column], [line, column]);
    });
  }

  it('counts columns in characters, not bytes', () => {
    const e = syntaxError('{"é€😀": 1,}');
    // {"é€😀": 1, -> the comma is the 10th character and the 16th byte.
    assert.deepEqual([e.line, e.column], [1, 10]);
  });

  it('refuses invalid UTF-8 passed as bytes, with its position', () => {
    const bytes = Buffer.concat([Buffer.from('{\n  "a": "ok\u00e9'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const e = syntaxError(bytes);
    assert.match(e.message, /invalid UTF-8 .*0xC3/);
    assert.deepEqual([e.line, e.column], [2, 12]);
  });

  for (const [name, bytes] of [
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ] as const) {
    it(`refuses ${name} in a string`, () => {
      const e = syntaxError(Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')]));
      assert.match(e.message, /invalid UTF-8/);
      assert.deepEqual([e.line, e.column], [1, 7]);
    });
  }

  it('refuses a byte order mark', () => {
    const e = syntaxError(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ociVersion":"1.0.0"}')]));
    assert.match(e.message, /byte order mark/);
  });

  it('refuses nesting deeper than its limit without failing otherwise', () => {
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    const e = syntaxError(`{"annotations": ${deep}}`);
    assert.match(e.message, /nesting is deeper than 64 levels/);
    assert.equal(e.line, 1);
  });

  it('accepts nesting up to its limit', () => {
    const depth = 63; // the document object is the 64th level
    const r = validate(`{"ociVersion":"1.0.0","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`);
    assert.deepEqual(errorsOf(r), []);
  });

  it('decodes every escape, and writes strings back so that they read the same', () => {
    const text = '{"ociVersion":"1.0.0","annotations":{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0001\\u0000"}}';
    const r = validate(text);
    assert.deepEqual(errorsOf(r), []);
    assert.equal(r.config?.annotations?.s, '"\\/\b\f\n\r\té😀\u0001\u0000');
    assert.deepEqual(validate(JSON.stringify(r.config)).config, r.config);
  });

  it('reads integers exactly, to the last unit of 64 bits', () => {
    const rule = (value: string) =>
      '{"ociVersion":"1.0.0","root":{"path":"r"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],' +
      `"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":${value},"op":"SCMP_CMP_EQ"}]}]}}}`;
    assert.deepEqual(errorsOf(validate(rule('18446744073709551615'))), []);
    // A double cannot tell these two apart; the core does.
    const over = errorsOf(validate(rule('18446744073709551616')));
    assert.deepEqual(
      over.map((e) => e.pointer),
      ['/linux/seccomp/syscalls/0/args/0/value'],
    );
    assert.match(over[0]!.message, /found 18446744073709551616/);
  });

  it('re-serializes the document compactly and in source order', () => {
    const text = '{ "ociVersion" : "1.0.0" ,\n "root" : { "path" : "r" , "readonly" : false } , "z": [ 1.5e3, -0, null, true ] }';
    const r = validate(text);
    assert.deepEqual(r.config, JSON.parse(text));
    assert.deepEqual(Object.keys(r.config ?? {}), ['ociVersion', 'root', 'z']);
  });

  it('warns about a duplicate member and uses the last one, like JSON.parse', () => {
    const r = validate('{"ociVersion":"9.9.9","ociVersion":"1.0.0","root":{"path":"a"}}');
    assert.deepEqual(errorsOf(r), []);
    assert.deepEqual(
      r.problems.map((p) => [p.pointer, p.severity, p.column]),
      [['/ociVersion', 'warning', 15]],
    );
  });
});
