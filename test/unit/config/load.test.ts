import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { hasCode } from '../../../src/errors.js';
import { FIXTURES, tmpConfig } from './tmp-config.js';

const WORKER_CFG = join(FIXTURES, 'worker.cfg');
const base = { scope: 'worker', hostname: 'box', cpuCount: 4, env: {} } as const;

test('the C-style fixture: includes, conf.d, aliases, normalised servers', () => {
  const { config, warnings } = loadConfig({ ...base, files: [WORKER_CFG] });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.servers, ['gearmand-a:4730', 'gearmand-b:4730']);
  assert.equal(config.debug, 1);
  assert.equal(config.encryption, true);
  assert.equal(config.key, 'should_be_changed');
  assert.equal(config.minWorker, 5);
  assert.equal(config.maxWorker, 50); // worker.cfg's line after the include wins over common.cfg
  assert.equal(config.loadLimit1, 4.5);
  assert.equal(config.enableEmbeddedPerl, true);
  assert.equal(config.epnProcesses, 3);
  assert.equal(config.identifier, 'fixture-worker');
  assert.equal(config.statusQueue, 'worker_fixture-worker');
  assert.deepEqual(config.queues, ['host', 'service', 'hostgroup_linux', 'hostgroup_windows', 'special']);
  assert.equal(config.files.length, 6);
  assert.equal(config.files[0], WORKER_CFG);
});

test('the YAML fixture: lists, booleans, a # kept inside a quoted value, a nested include', () => {
  const { config, warnings } = loadConfig({ ...base, files: [join(FIXTURES, 'worker.yaml')] });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.servers, ['gearmand-a:4730', '[::1]:4731']);
  assert.equal(config.key, 'abc#def');
  assert.equal(config.maxWorker, 8);
  assert.equal(config.epnProcesses, 3);
  assert.deepEqual(config.queues, ['host', 'hostgroup_linux', 'hostgroup_db', 'a', 'b', 'special']);
});

test('precedence: file < later file < argv; bare key=value, --key=value, --flag and --key value', () => {
  const root = tmpConfig({ 'later.cfg': 'max-worker=55\ndebug=3\n' });
  const { config } = loadConfig({
    ...base,
    files: [WORKER_CFG, join(root, 'later.cfg')],
    argv: ['debug=2', '--notifications', '--idle-timeout', '30', '-min_worker=7'],
  });
  assert.equal(config.maxWorker, 55);
  assert.equal(config.debug, 2);
  assert.equal(config.notifications, true);
  assert.equal(config.idleTimeout, 30);
  assert.equal(config.minWorker, 7);
  assert.ok(config.queues.includes('notification'));
});

test('an include on the command line is read where it stands, relative to cwd', () => {
  const after = loadConfig({ ...base, cwd: FIXTURES, argv: ['--config=worker.cfg', '--debug=3'] }).config;
  assert.equal(after.debug, 3);
  const before = loadConfig({ ...base, cwd: FIXTURES, argv: ['--debug=3', '-c', 'worker.cfg'] }).config;
  assert.equal(before.debug, 1);
  assert.deepEqual(before.files[0], WORKER_CFG);
});

test('warnings from every file are collected, in order', () => {
  const root = tmpConfig({ 'w.cfg': 'server=gm\nkey=k#x\nmax-workers=3\n' });
  const { warnings } = loadConfig({ ...base, files: [join(root, 'w.cfg')] });
  assert.deepEqual(warnings.map((w) => w.message), [
    `${root}/w.cfg:2: "#" starts a comment, so the value of "key" ends before it: "k" (the C worker and the NEB module read it the same way)`,
    `${root}/w.cfg:3: unknown option "max-workers" (ignored): did you mean "max-worker"?`,
  ]);
});

test('errors carry their codes through loadConfig', () => {
  const cases: [() => unknown, string, string][] = [
    [() => loadConfig({ ...base, files: [join(FIXTURES, 'bad/no-equals.cfg')] }), 'MG_ERR_CONFIG_SYNTAX',
      `${FIXTURES}/bad/no-equals.cfg:2: expected key=value, got "this is not a key value line"`],
    [() => loadConfig({ ...base, files: [join(FIXTURES, 'bad/nested.yaml')] }), 'MG_ERR_CONFIG_SYNTAX',
      `${FIXTURES}/bad/nested.yaml:3: "hostgroups": expected a single value or a list of values`],
    [() => loadConfig({ ...base, files: [join(FIXTURES, 'loop/a.cfg')] }), 'MG_ERR_CONFIG_INCLUDE',
      `${FIXTURES}/loop/b.cfg:1: include loop: ${FIXTURES}/loop/a.cfg -> ${FIXTURES}/loop/b.cfg -> ${FIXTURES}/loop/a.cfg`],
    [() => loadConfig({ ...base, cwd: FIXTURES, argv: ['--config=nope.cfg'] }), 'MG_ERR_CONFIG_INCLUDE',
      `argv[0] "--config=nope.cfg": cannot read config "nope.cfg" (${FIXTURES}/nope.cfg): no such file or directory`],
    [() => loadConfig({ ...base, files: [WORKER_CFG], argv: ['--max-workers=3'] }), 'MG_ERR_CONFIG_UNKNOWN_KEY',
      'argv[0] "--max-workers=3": unknown option "max-workers": did you mean "max-worker"?'],
    [() => loadConfig({ ...base, argv: ['key=k'] }), 'MG_ERR_CONFIG_MISSING',
      'no job server configured: set server=host[:port] in a config file or --server=host[:port]'],
  ];
  for (const [fn, code, message] of cases) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(hasCode(e, code as 'MG_ERR_CONFIG_SYNTAX'), String(e));
      assert.equal(e.message, message);
      return true;
    });
  }
});

test('tools scope: no key needed, CONFIG_GEARMAND_PORT as default server, short options', () => {
  const env = { CONFIG_GEARMAND_PORT: 'localhost:54730' };
  const a = loadConfig({ scope: 'tools', env, argv: ['-r', '2', '-m', 'OK - fine', '--host=h1'] }).config;
  assert.deepEqual(a.servers, ['localhost:54730']);
  assert.deepEqual([a.returnCode, a.message, a.host, a.encryption], [2, 'OK - fine', 'h1', false]);
  // check_gearman-style hook: -H is the server there.
  const b = loadConfig({ scope: 'tools', env, argv: ['-H', 'gm', '--key=k'], argvSyntax: { aliases: { H: 'server' } } }).config;
  assert.deepEqual(b.servers, ['gm:4730']);
  assert.equal(b.encryption, true);
  assert.deepEqual(loadConfig({ scope: 'tools', env: {} }).config.servers, []);
});

test('program-local options and positionals come back to the caller', () => {
  const { local, positionals } = loadConfig({ ...base, files: [WORKER_CFG], argv: ['--help', '-V', 'testcmd', '/bin/true', '-x'] });
  assert.deepEqual(local.map((o) => o.name), ['help', 'V']);
  assert.deepEqual(positionals, ['testcmd', '/bin/true', '-x']);
});
