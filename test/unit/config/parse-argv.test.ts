import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEND_GEARMAN_ARGV, WORKER_ARGV, parseArgv } from '../../../src/config/parse-argv.js';
import { hasCode } from '../../../src/errors.js';

const keyValues = (argv: string[], syntax = WORKER_ARGV) => parseArgv(argv, syntax).entries.map((e) => [e.key, e.value]);

test('accepts --key=value, -key=value, bare key=value (C) and --flag (yes)', () => {
  assert.deepEqual(keyValues(['--server=a', '-min-worker=2', 'max-worker=9', '--hosts', 'debug=1']), [
    ['server', 'a'],
    ['min-worker', '2'],
    ['max-worker', '9'],
    ['hosts', undefined],
    ['debug', '1'],
  ]);
});

test('an option that takes a value may take it from the next argument', () => {
  const { entries } = parseArgv(['--config', '/etc/w.cfg', '-c', 'x.cfg', '--hosts', 'debug=1']);
  assert.deepEqual(entries.map((e) => [e.key, e.value, e.origin]), [
    ['config', '/etc/w.cfg', { kind: 'argv', index: 0, arg: '--config /etc/w.cfg' }],
    ['config', 'x.cfg', { kind: 'argv', index: 2, arg: '-c x.cfg' }],
    // a boolean never swallows the next argument
    ['hosts', undefined, { kind: 'argv', index: 4, arg: '--hosts' }],
    ['debug', '1', { kind: 'argv', index: 5, arg: 'debug=1' }],
  ]);
});

test('-- and the first non-option end option parsing; the rest are positionals', () => {
  const a = parseArgv(['--debug=1', '--', '--server=x', 'y']);
  assert.deepEqual(a.entries.map((e) => e.key), ['debug']);
  assert.deepEqual(a.positionals, ['--server=x', 'y']);
  const b = parseArgv(['--job_timeout=5', 'testcmd', '/usr/lib/check_x', '--warn=1']);
  assert.deepEqual(b.entries.map((e) => e.key), ['job_timeout']);
  assert.deepEqual(b.positionals, ['testcmd', '/usr/lib/check_x', '--warn=1']);
});

test('per-program short forms: -d is daemon for the worker, delimiter for send_gearman; -r 1, -m text, -t 10', () => {
  assert.deepEqual(keyValues(['-d']), [['daemon', undefined]]);
  assert.deepEqual(keyValues(['-d', ';', '-r', '1', '-m', 'all fine', '-t', '10', '--server', 'gm:4730'], SEND_GEARMAN_ARGV), [
    ['delimiter', ';'],
    ['r', '1'],
    ['m', 'all fine'],
    ['t', '10'],
    ['server', 'gm:4730'],
  ]);
  assert.deepEqual(keyValues(['-r=2'], SEND_GEARMAN_ARGV), [['r', '2']]);
});

test('program-local options come back as written, help and version for the worker', () => {
  const syntax = { aliases: { H: 'server' }, local: { w: true, x: false, help: false } };
  const { entries, local } = parseArgv(['-H', 'gm', '-w', '10', '-x', '--help', '-w=20'], syntax);
  assert.deepEqual(entries.map((e) => [e.key, e.value]), [['server', 'gm']]);
  assert.deepEqual(local.map((o) => [o.name, o.value, o.origin]), [
    ['w', '10', { kind: 'argv', index: 2, arg: '-w 10' }],
    ['x', undefined, { kind: 'argv', index: 4, arg: '-x' }],
    ['help', undefined, { kind: 'argv', index: 5, arg: '--help' }],
    ['w', '20', { kind: 'argv', index: 6, arg: '-w=20' }],
  ]);
  assert.deepEqual(parseArgv(['-V', '-h']).local.map((o) => o.name), ['V', 'h']);
});

test('an unknown option is an error with the nearest name; a missing value is an error', () => {
  assert.throws(
    () => parseArgv(['--debug=1', '--max-worke=5']),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_UNKNOWN_KEY') && e.message === 'argv[1] "--max-worke=5": unknown option "max-worke": did you mean "max-worker"?',
  );
  assert.throws(
    () => parseArgv(['-x']),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_UNKNOWN_KEY') && e.message === 'argv[0] "-x": unknown option "x"',
  );
  assert.throws(
    () => parseArgv(['foo=bar']),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_UNKNOWN_KEY') && e.message === 'argv[0] "foo=bar": unknown option "foo"',
  );
  assert.throws(
    () => parseArgv(['--server']),
    (e: unknown) =>
      hasCode(e, 'MG_ERR_CONFIG_INVALID') &&
      e.message === 'argv[0] "--server": invalid value for "server": expected a value (--server=VALUE or --server VALUE), got none',
  );
  assert.throws(
    () => parseArgv(['--server', '--hosts']),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_INVALID') && e.message.startsWith('argv[0] "--server": invalid value for "server"'),
  );
  assert.throws(
    () => parseArgv(['-w'], { local: { w: true } }),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_INVALID') && e.message === 'argv[0] "-w": invalid value for "w": expected a value (-w=VALUE or -w VALUE), got none',
  );
});
