import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlText } from '../../../src/config/parse-yaml.js';
import { hasCode } from '../../../src/errors.js';

const at = (line: number) => ({ kind: 'file', file: 'w.yaml', line }) as const;

test('maps scalars to worker.cfg text and lists to repeated keys, with line numbers', () => {
  const text = [
    '# comment',
    'server:',
    '  - a',
    '  - "[::1]:4731"',
    'hosts: true',
    'services: no',
    'max-worker: 8',
    'load_limit1: 2.50',
    'hostgroups: [linux, db]',
    'key: "abc#def"',
    'eventhandler:',
    'queue: []',
  ].join('\n');
  const { entries, warnings } = parseYamlText(text, 'w.yaml');
  assert.deepEqual(warnings, []);
  assert.deepEqual(entries, [
    { key: 'server', value: 'a', origin: at(3) },
    { key: 'server', value: '[::1]:4731', origin: at(4) },
    { key: 'hosts', value: 'yes', origin: at(5) },
    { key: 'services', value: 'no', origin: at(6) },
    { key: 'max-worker', value: '8', origin: at(7) },
    { key: 'load_limit1', value: '2.50', origin: at(8) },
    { key: 'hostgroups', value: 'linux', origin: at(9) },
    { key: 'hostgroups', value: 'db', origin: at(9) },
    { key: 'key', value: 'abc#def', origin: at(10) },
    { key: 'eventhandler', value: '', origin: at(11) },
    { key: 'queue', value: '', origin: at(12) },
  ]);
});

test('an empty document has no entries; JSON is YAML', () => {
  assert.deepEqual(parseYamlText('', 'w.yaml').entries, []);
  assert.deepEqual(parseYamlText('# only a comment\n', 'w.yaml').entries, []);
  assert.deepEqual(parseYamlText('{"server": ["a", "b"], "debug": 2}', 'w.json').entries.map((e) => [e.key, e.value]), [
    ['server', 'a'],
    ['server', 'b'],
    ['debug', '2'],
  ]);
});

test('errors name the file and line', () => {
  const cases: [string, string][] = [
    ['server: a\n  b: c\n', 'w.yaml:1: invalid YAML: Nested mappings are not allowed in compact mappings'],
    ['server: a\nserver: b\n', 'w.yaml:2: invalid YAML: Map keys must be unique'],
    ['- a\n- b\n', 'w.yaml:1: expected a mapping of option names to values'],
    ['server: a\nhostgroups:\n  linux: yes\n', 'w.yaml:3: "hostgroups": expected a single value or a list of values'],
    ['server:\n  - a\n  - [b, c]\n', 'w.yaml:3: "server": expected a single value or a list of values'],
    ['server: a\n42: x\n', 'w.yaml:2: expected an option name as key'],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseYamlText(text, 'w.yaml'),
      (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_SYNTAX') && e.message === message,
      message,
    );
  }
});
