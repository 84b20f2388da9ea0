import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../../../src/errors.js';
import { CHECK_GEARMAN_SPEC } from '../../../src/tools/check-gearman/spec.js';
import { loadToolConfig, localNumber, toolServers } from '../../../src/tools/tool-config.js';
import { tmpConfig } from '../config/tmp-config.js';

const load = (argv: string[], env: Record<string, string> = {}) => loadToolConfig(CHECK_GEARMAN_SPEC, { argv, env, cwd: '/' });

test('getopt forms: separate and glued values, repeated -H, IPv6, local switches by first name', () => {
  const tool = load(['-H', 'a:1', '-H[::1]:4731', '-w5', '-c', '50', '-x', '-t3', '-q', 'host']);
  assert.deepEqual(tool.config.servers, ['a:1', '[::1]:4731']);
  assert.deepEqual(toolServers(tool.config), [{ host: 'a', port: 1 }, { host: '::1', port: 4731 }]);
  assert.equal(tool.config.timeout, 3);
  assert.equal(localNumber(tool, 'w', 10, { integer: true }), 5);
  assert.equal(localNumber(tool, 'c', 100, { integer: true }), 50);
  assert.equal(localNumber(tool, 'W', 25, { integer: true }), 25, 'default when not given');
  assert.equal(tool.local.has('x'), true);
  assert.equal(tool.local.get('q'), 'host');
});

test('-key=value long forms are not split as glued short options', () => {
  assert.equal(load(['-timeout=4']).config.timeout, 4);
  assert.deepEqual(load(['--server=b:2']).config.servers, ['b:2']);
});

test('no server: localhost:4730, or CONFIG_GEARMAND_PORT as C gearman_top and Go check_gearman read it', () => {
  assert.deepEqual(toolServers(load([]).config), [{ host: 'localhost', port: 4730 }]);
  assert.deepEqual(toolServers(load([], { CONFIG_GEARMAND_PORT: '127.0.0.1:5000' }).config), [{ host: '127.0.0.1', port: 5000 }]);
});

test('--config reads a worker.cfg; argv after it adds to the server list', () => {
  const dir = tmpConfig({ 'worker.cfg': 'server=x:7\ntimeout=9\nidentifier=ignored-by-tools\n' });
  const tool = load([`--config=${dir}/worker.cfg`, '-H', 'y:8']);
  assert.deepEqual(tool.config.servers, ['x:7', 'y:8']);
  assert.equal(tool.config.timeout, 9);
});

test('--config reads YAML too', () => {
  const dir = tmpConfig({ 'tools.yaml': 'server:\n  - x:7\n  - "[::1]:8"\nkey: secret\nresult_queue: other_results\n' });
  const tool = load([`--config=${dir}/tools.yaml`]);
  assert.deepEqual(toolServers(tool.config), [{ host: 'x', port: 7 }, { host: '::1', port: 8 }]);
  assert.deepEqual([tool.config.key, tool.config.encryption, tool.config.resultQueue], ['secret', true, 'other_results']);
});

test('bad numbers name the switch; unknown options are errors', () => {
  assert.throws(() => localNumber(load(['-w', 'abc']), 'w', 10, { integer: true }), (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_INVALID') && /-w.*abc/.test(String(e)));
  assert.throws(() => load(['--bogus']), (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_UNKNOWN_KEY'));
});
