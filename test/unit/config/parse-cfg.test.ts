import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCfgText, splitKeyValue } from '../../../src/config/parse-cfg.js';
import { hasCode } from '../../../src/errors.js';

const at = (line: number) => ({ kind: 'file', file: 'w.cfg', line }) as const;

test('reads key=value lines, trimming both sides and dropping leading dashes', () => {
  const { entries, warnings } = parseCfgText('  server = a:1 \n--max-worker=5\r\n-Debug=2\n\n', 'w.cfg');
  assert.deepEqual(entries, [
    { key: 'server', value: 'a:1', origin: at(1) },
    { key: 'max-worker', value: '5', origin: at(2) },
    { key: 'Debug', value: '2', origin: at(3) },
  ]);
  assert.deepEqual(warnings, []);
});

test('# starts a comment anywhere, as in C; only the first = splits', () => {
  const text = '# full line\n   # indented\nserver=a # trailing comment\nrestrict_command_characters=$&();<>`"\'|\nkey=a=b\n';
  const { entries, warnings } = parseCfgText(text, 'w.cfg');
  assert.deepEqual(entries, [
    { key: 'server', value: 'a', origin: at(3) },
    { key: 'restrict_command_characters', value: '$&();<>`"\'|', origin: at(4) },
    { key: 'key', value: 'a=b', origin: at(5) },
  ]);
  assert.deepEqual(warnings, []);
});

test('a # glued to a value cuts it like C does, with a warning', () => {
  const { entries, warnings } = parseCfgText('key=abc#def\n', 'w.cfg');
  assert.deepEqual(entries, [{ key: 'key', value: 'abc', origin: at(1) }]);
  assert.deepEqual(warnings, [
    {
      code: 'MG_ERR_CONFIG_SYNTAX',
      origin: at(1),
      message: 'w.cfg:1: "#" starts a comment, so the value of "key" ends before it: "abc" (the C worker and the NEB module read it the same way)',
    },
  ]);
});

test('a bare boolean key means yes (C); any other line without = is a syntax error naming file:line', () => {
  assert.deepEqual(parseCfgText('hosts\n--services\n', 'w.cfg').entries, [
    { key: 'hosts', value: undefined, origin: at(1) },
    { key: 'services', value: undefined, origin: at(2) },
  ]);
  assert.throws(
    () => parseCfgText('server=a\nthis is not a key value line\n', 'w.cfg'),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_SYNTAX') && e.message === 'w.cfg:2: expected key=value, got "this is not a key value line"',
  );
  assert.throws(
    () => parseCfgText('server\n', 'w.cfg'),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_SYNTAX') && e.message === 'w.cfg:1: expected key=value, got "server"',
  );
  assert.throws(
    () => parseCfgText('=value\n', 'w.cfg'),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_SYNTAX') && e.message === 'w.cfg:1: expected key=value, got "=value"',
  );
});

test('splitKeyValue trims and keeps a missing value undefined', () => {
  assert.deepEqual(splitKeyValue(' a = b '), ['a', 'b']);
  assert.deepEqual(splitKeyValue('a='), ['a', '']);
  assert.deepEqual(splitKeyValue('flag'), ['flag', undefined]);
});
