import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertValue, parseBool, parseDuration, parseSize, splitList } from '../../../src/config/convert.js';
import { optionByName } from '../../../src/config/find-option.js';

const convert = (name: string, raw: string | undefined) => convertValue(optionByName(name), raw);

test('booleans are case-insensitive yes/no/on/off/true/false/1/0; bare and empty mean yes', () => {
  for (const t of ['yes', 'YES', 'Yes', 'on', 'On', 'true', 'TRUE', '1', ' yes ', '', undefined]) assert.equal(parseBool(t), true, String(t));
  for (const f of ['no', 'NO', 'No', 'off', 'OFF', 'false', 'False', '0']) assert.equal(parseBool(f), false, f);
  for (const bad of ['maybe', '2', 'y', 'enabled']) assert.equal(parseBool(bad), undefined, bad);
  assert.deepEqual(convert('hosts', 'maybe'), { ok: false, expected: 'yes or no (also on/off, true/false, 1/0)' });
});

test('durations are seconds with optional units; sizes are bytes with binary units', () => {
  assert.equal(parseDuration('30'), 30);
  assert.equal(parseDuration('1.5'), 1.5);
  assert.equal(parseDuration('.5'), 0.5);
  assert.equal(parseDuration('500ms'), 0.5);
  assert.equal(parseDuration('2m'), 120);
  assert.equal(parseDuration('1H'), 3600);
  assert.equal(parseDuration('10 s'), 10);
  for (const bad of ['', '-1', 'abc', '1d', '1.2.3']) assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(parseSize('65536'), 65536);
  assert.equal(parseSize('512K'), 512 * 1024);
  assert.equal(parseSize('10M'), 10 * 1024 * 1024);
  assert.equal(parseSize('10MiB'), 10 * 1024 * 1024);
  assert.equal(parseSize('1gb'), 1024 ** 3);
  assert.equal(parseSize('1.5k'), 1536);
  for (const bad of ['', '-1', '10T', 'lots']) assert.equal(parseSize(bad), undefined, bad);
});

test('lists split on commas outside {...}, trim and drop empty items', () => {
  assert.deepEqual(splitList(' a, b ,,c '), ['a', 'b', 'c']);
  assert.deepEqual(splitList('/opt/{a,b}/check_*,/usr/lib/x'), ['/opt/{a,b}/check_*', '/usr/lib/x']);
  assert.deepEqual(splitList(''), []);
  assert.deepEqual(convert('hostgroups', 'linux, db'), { ok: true, value: ['linux', 'db'] });
  assert.deepEqual(convert('restrict_path', '/usr/lib/nagios,plugins'), { ok: true, value: ['/usr/lib/nagios,plugins'] });
  assert.deepEqual(convert('restrict_path', ''), { ok: true, value: [] });
});

test('servers are normalised to host:port with the default port 4730', () => {
  assert.deepEqual(convert('server', 'a, b:4731, :4730, [::1], fe80::1'), {
    ok: true,
    value: ['a:4730', 'b:4731', '0.0.0.0:4730', '[::1]:4730', '[fe80::1]:4730'],
  });
  assert.deepEqual(convert('dupserver', 'dup'), { ok: true, value: ['dup:4730'] });
  assert.deepEqual(convert('server', 'a,h:0'), { ok: false, expected: 'a job server address host[:port] (port 1-65535)', got: 'h:0' });
});

test('numbers are strict and ranges are checked, with an expected text per kind', () => {
  assert.deepEqual(convert('max-worker', '50'), { ok: true, value: 50 });
  assert.deepEqual(convert('load_limit1', '4.5'), { ok: true, value: 4.5 });
  assert.deepEqual(convert('gearman_connection_timeout', '-1'), { ok: true, value: -1 });
  assert.deepEqual(convert('max_output_size', '1M'), { ok: true, value: 1024 * 1024 });
  assert.deepEqual(convert('shutdown_timeout', '1m'), { ok: true, value: 60 });
  const expected: [string, string, string][] = [
    ['max-worker', 'abc', 'a positive integer'],
    ['max-worker', '3.7', 'a positive integer'],
    ['max-worker', '0', 'a positive integer'],
    ['max-worker', '', 'a positive integer'],
    ['timeout_return', '5', 'an integer from 0 to 3'],
    ['mem_limit', '101', 'an integer from 0 to 100'],
    ['job_pool_threads', '-1', 'a non-negative integer'],
    ['gearman_connection_timeout', '-2', 'an integer of at least -1'],
    ['load_limit1', 'high', 'a non-negative number'],
    ['load_limit1', '-1', 'a non-negative number'],
    ['job_timeout', '0', 'a positive duration in seconds (e.g. 30, 1.5, 500ms, 2m)'],
    ['shutdown_timeout', 'soon', 'a duration in seconds (e.g. 30, 1.5, 500ms, 2m)'],
    ['max_output_size', '100', 'a size in bytes of at least 1024 (e.g. 65536, 512K, 10M, 1G)'],
    ['spool_max_size', 'big', 'a size in bytes (e.g. 65536, 512K, 10M, 1G)'],
    ['spawner', 'fork', 'one of auto, native, vfork, helper, spawn'],
    ['worker_name_in_result', 'yes', 'one of off, on, pre_perfdata'],
  ];
  for (const [name, raw, text] of expected) assert.deepEqual(convert(name, raw), { ok: false, expected: text }, `${name}=${raw}`);
});

test('enums ignore case; strings keep their text and an empty string means unset', () => {
  assert.deepEqual(convert('spawner', 'SPAWN'), { ok: true, value: 'spawn' });
  assert.deepEqual(convert('logfile', ' /var/log/w.log '), { ok: true, value: '/var/log/w.log' });
  assert.deepEqual(convert('logfile', ''), { ok: true, value: undefined });
  assert.deepEqual(convert('restrict_command_characters', '$&'), { ok: true, value: '$&' });
});
