import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIONS } from '../../../src/config/options.js';
import { normaliseKey } from '../../../src/config/option-spec.js';
import { findOption } from '../../../src/config/find-option.js';
import { convertValue } from '../../../src/config/convert.js';
import { validateEntries } from '../../../src/config/validate.js';

test('every name and alias resolves to its row, in any case and with - or _', () => {
  for (const spec of OPTIONS) {
    for (const name of [spec.name, ...spec.aliases]) {
      assert.equal(findOption(name), spec, name);
      assert.equal(findOption(name.toUpperCase()), spec, name);
      assert.equal(findOption(name.replaceAll('_', '-')), spec, name);
      assert.equal(findOption(name.replaceAll('-', '_')), spec, name);
      assert.equal(findOption(`--${name}`), spec, name);
    }
  }
});

test('the C and Go spellings named in the references are all accepted', () => {
  const pairs: [string, string][] = [
    ['eventhandlers', 'eventhandler'], ['notification', 'notifications'], ['hostgroup', 'hostgroups'],
    ['servicegroup', 'servicegroups'], ['password', 'key'], ['passwordfile', 'keyfile'],
    ['restrictpath', 'restrict_path'], ['debug_result', 'debug-result'], ['min_worker', 'min-worker'],
    ['configfile', 'config'], ['include', 'config'], ['return_code', 'returncode'], ['r', 'returncode'],
    ['t', 'timeout'], ['m', 'message'], ['localhostgroup', 'localhostgroups'], ['prometheus-server', 'prometheus_server'],
    ['sink_rate', 'sink-rate'], ['backgrounding_threshold', 'backgrounding-threshold'], ['num_result_worker', 'num-result-worker'],
  ];
  for (const [alias, canonical] of pairs) assert.equal(findOption(alias)?.name, canonical, alias);
});

test('canonical names are unique after normalisation', () => {
  const seen = new Set<string>();
  for (const spec of OPTIONS) {
    const key = normaliseKey(spec.name);
    assert.ok(!seen.has(key), spec.name);
    seen.add(key);
  }
});

test('every row is complete and honest about ignored keys', () => {
  for (const spec of OPTIONS) {
    assert.ok(spec.meaning.length > 10, spec.name);
    assert.ok(spec.workers.length > 0 && spec.scope.length > 0, spec.name);
    if (spec.field === undefined && spec.type !== 'include' && spec.group !== 'neb') {
      assert.match(spec.meaning, /^Accepted, ignored/, `${spec.name} sets nothing, so its meaning must say so`);
      assert.equal(spec.default, undefined, spec.name);
    }
    if (spec.group === 'neb') assert.deepEqual(spec.scope, ['neb'], spec.name);
    if (spec.type === 'enum') assert.ok(spec.values?.includes(String(spec.default)), spec.name);
    if (spec.replacedBy !== undefined) assert.equal(spec.field, undefined, spec.name);
  }
});

test('every default passes its own validation', () => {
  for (const spec of OPTIONS) {
    if (spec.field === undefined || spec.default === undefined) continue;
    const text = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
    if (spec.type === 'bool') continue; // booleans render as true/false, checked by parseBool tests
    if (text === '' && ['list', 'multi', 'servers'].includes(spec.type)) continue;
    assert.ok(convertValue(spec, text).ok, `${spec.name}=${text}`);
  }
});

test('the table and the WorkerConfig fields cover each other', () => {
  const { config } = validateEntries([], { scope: 'tools', hostname: 'h' });
  const derived = new Set(['files', 'queues', 'statusQueue']);
  const tableFields = new Set(OPTIONS.flatMap((s) => (s.field === undefined ? [] : [s.field as string])));
  for (const key of Object.keys(config)) assert.ok(tableFields.has(key) || derived.has(key), key);
  for (const field of tableFields) assert.ok(field in config, field);
});

test('the brief\'s mg-workhorse keys are present with their defaults', () => {
  const { config } = validateEntries([], { scope: 'tools', hostname: 'h' });
  assert.equal(config.shutdownTimeout, 30);
  assert.equal(config.maxOutputSize, 10 * 1024 * 1024);
  assert.equal(config.killGracePeriod, 2);
  assert.equal(config.spawner, 'auto');
  assert.equal(config.jobPoolThreads, 0);
  assert.equal(config.epnFallbackToFork, true);
  assert.equal(config.epnProcesses, 2);
  assert.equal(config.epnMaxChecksPerProcess, 1000);
  assert.deepEqual(config.epnPreloadModules, []);
  assert.deepEqual(config.pluginDirs, []);
  assert.deepEqual(config.ptyPlugins, []);
  assert.equal(config.spoolDir, undefined);
  assert.equal(config.identifier, 'h');
  for (const key of ['sink-rate', 'backgrounding-threshold', 'load_cpu_multi', 'mem_limit', 'prometheus_server',
    'num-result-worker', 'dupserver_backlog_queue_size', 'internal_negate', 'internal_check_dummy', 'worker_name_in_result',
    'queue', 'queues', 'spool_max_size', 'spool_max_age', 'logfile', 'logmode', 'debug']) {
    assert.ok(findOption(key), key);
  }
});
