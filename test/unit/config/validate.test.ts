import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCfgText } from '../../../src/config/parse-cfg.js';
import { parseArgv } from '../../../src/config/parse-argv.js';
import type { ValidateOptions } from '../../../src/config/validate.js';
import { validateEntries } from '../../../src/config/validate.js';
import type { RawEntry } from '../../../src/config/raw-entry.js';
import { hasCode } from '../../../src/errors.js';

const BASE = 'server=gm\nkey=secret\n';
const cfg = (text: string, file = 'w.cfg'): RawEntry[] => parseCfgText(text, file).entries;
const worker = (entries: RawEntry[], over: Partial<ValidateOptions> = {}) =>
  validateEntries(entries, { scope: 'worker', hostname: 'box', cpuCount: 4, ...over });

function throwsWith(fn: () => unknown, code: Parameters<typeof hasCode>[1], message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(hasCode(e, code), String(e));
    assert.equal(e.message, message);
    return true;
  });
}

test('defaults: C queue rule, hostname identifier, status queue, frozen result', () => {
  const { config, warnings } = worker(cfg(BASE));
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.servers, ['gm:4730']);
  assert.deepEqual(config.queues, ['host', 'service', 'eventhandler', 'notification']);
  assert.equal(config.identifier, 'box');
  assert.equal(config.statusQueue, 'worker_box');
  assert.equal(config.encryption, true);
  assert.equal(config.timeoutReturn, 3);
  assert.equal(config.maxWorker, 20);
  assert.equal(config.loadLimit1, 0);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.servers) && Object.isFrozen(config.queues));
  assert.throws(() => {
    (config as { maxWorker: number }).maxWorker = 1;
  }, TypeError);
  assert.throws(() => {
    (config.servers as string[]).push('x');
  }, TypeError);
});

test('later sources win for scalars; lists accumulate, deduplicated; an empty value clears a list', () => {
  const entries = [
    ...cfg(`${BASE}max-worker=5\nserver=a,b:4731\nhostgroups=x\n`, 'one.cfg'),
    ...cfg('max-worker=7\nserver=a:4730\nhostgroups=y,x\n', 'two.cfg'),
    ...parseArgv(['--max-worker=9', 'dupserver=d', '--dupserver=', 'dupserver=e']).entries,
  ];
  const { config } = worker(entries);
  assert.equal(config.maxWorker, 9);
  assert.deepEqual(config.servers, ['gm:4730', 'a:4730', 'b:4731']);
  assert.deepEqual(config.hostgroups, ['x', 'y']);
  assert.deepEqual(config.dupServers, ['e:4730']);
  assert.deepEqual(worker(cfg(`${BASE}server=\nserver=only\n`)).config.servers, ['only:4730']);
});

test('derived queue list: groups, queue= (exact, repeatable) and queues= (comma list)', () => {
  const { config } = worker(cfg(`${BASE}hostgroups=a,b\nservicegroups=s\nqueue=special\nqueue=with,comma\nqueues=q1, q2\n`));
  assert.deepEqual(config.queues, ['hostgroup_a', 'hostgroup_b', 'servicegroup_s', 'special', 'with,comma', 'q1', 'q2']);
  assert.deepEqual(config.customQueues, ['special', 'with,comma', 'q1', 'q2']);
  assert.equal(config.hosts, false);
  assert.deepEqual(worker(cfg(`${BASE}services=yes\neventhandlers=on\n`)).config.queues, ['service', 'eventhandler']);
  assert.deepEqual(worker(cfg(`${BASE}hosts\nnotification=TRUE\n`)).config.queues, ['host', 'notification']);
});

test('case-insensitive booleans, aliases, and a bare flag', () => {
  const { config } = worker(cfg(`${BASE}encryption=Off\nshow_error_output=FALSE\nuse_perl_cache=No\ndaemon\n`));
  assert.equal(config.encryption, false);
  assert.equal(config.showErrorOutput, false);
  assert.equal(config.usePerlCache, false);
  assert.equal(config.daemon, true);
  const aliased = worker(cfg('server=gm\npassword=pw\npasswordfile=/k\nrestrictpath=/usr/lib\nmin_worker=2\n')).config;
  assert.equal(aliased.key, 'pw');
  assert.equal(aliased.keyfile, '/k');
  assert.deepEqual(aliased.restrictPath, ['/usr/lib']);
  assert.equal(aliased.minWorker, 2);
});

test('an invalid value names origin, key, expectation and value, for each type', () => {
  const cases: [string, string][] = [
    ['max-worker=abc', 'w.cfg:3: invalid value for "max-worker": expected a positive integer, got "abc"'],
    ['hosts=maybe', 'w.cfg:3: invalid value for "hosts": expected yes or no (also on/off, true/false, 1/0), got "maybe"'],
    ['timeout_return=4', 'w.cfg:3: invalid value for "timeout_return": expected an integer from 0 to 3, got "4"'],
    ['load_limit5=x', 'w.cfg:3: invalid value for "load_limit5": expected a non-negative number, got "x"'],
    ['job_timeout=-5', 'w.cfg:3: invalid value for "job_timeout": expected a positive duration in seconds (e.g. 30, 1.5, 500ms, 2m), got "-5"'],
    ['max_output_size=1T', 'w.cfg:3: invalid value for "max_output_size": expected a size in bytes of at least 1024 (e.g. 65536, 512K, 10M, 1G), got "1T"'],
    ['spawner=fork', 'w.cfg:3: invalid value for "spawner": expected one of auto, native, vfork, helper, spawn, got "fork"'],
    ['server=a,b:99999', 'w.cfg:3: invalid value for "server": expected a job server address host[:port] (port 1-65535), got "b:99999"'],
    ['min_worker=0', 'w.cfg:3: invalid value for "min-worker": expected a positive integer, got "0"'],
  ];
  for (const [line, message] of cases) throwsWith(() => worker(cfg(`${BASE}${line}\n`)), 'MG_ERR_CONFIG_INVALID', message);
  throwsWith(
    () => worker([...cfg(BASE), ...parseArgv(['--debug', 'x']).entries]),
    'MG_ERR_CONFIG_INVALID',
    'argv[0] "--debug x": invalid value for "debug": expected a non-negative integer, got "x"',
  );
});

test('an unknown key is a warning with the nearest name; keys of other scopes are silent', () => {
  const { config, warnings } = worker(cfg(`${BASE}max-worke=5\nfoo=bar\nresult_workers=1\nperfdata=yes\nmessage=hi\nfork_on_exec=yes\n`));
  assert.deepEqual(warnings, [
    { code: 'MG_ERR_CONFIG_UNKNOWN_KEY', origin: { kind: 'file', file: 'w.cfg', line: 3 }, message: 'w.cfg:3: unknown option "max-worke" (ignored): did you mean "max-worker"?' },
    { code: 'MG_ERR_CONFIG_UNKNOWN_KEY', origin: { kind: 'file', file: 'w.cfg', line: 4 }, message: 'w.cfg:4: unknown option "foo" (ignored)' },
  ]);
  assert.equal(config.maxWorker, 20);
  assert.equal(config.message, undefined); // a tools key does not reach the worker
});

test('an ignored key with a replacement says "use X instead"', () => {
  const { warnings } = worker(cfg(`${BASE}p1_file=/usr/share/mod_gearman/mod_gearman_p1.pl\ncpuprofile=/tmp/cpu\n`));
  assert.deepEqual(warnings.map((w) => w.message), [
    'w.cfg:3: "p1_file" is ignored by mg-workhorse: use epn_preload_modules instead',
    'w.cfg:4: "cpuprofile" is ignored by mg-workhorse: use node --cpu-prof instead',
  ]);
});

test('min-worker above max-worker raises max-worker with a warning', () => {
  const { config, warnings } = worker(cfg(`${BASE}min-worker=30\nmax-worker=10\n`));
  assert.equal(config.maxWorker, 30);
  assert.deepEqual(warnings.map((w) => w.message), ['min-worker (30) is greater than max-worker (10): max-worker raised to 30']);
});

test('load_cpu_multi sets the load limits left unset', () => {
  const { config } = worker(cfg(`${BASE}load_cpu_multi=2.5\nload_limit15=3\n`));
  assert.deepEqual([config.loadLimit1, config.loadLimit5, config.loadLimit15], [10, 10, 3]);
});

test('missing server, missing key and no queue are errors for the worker, not for the tools', () => {
  throwsWith(() => worker(cfg('key=k\n')), 'MG_ERR_CONFIG_MISSING', 'no job server configured: set server=host[:port] in a config file or --server=host[:port]');
  throwsWith(
    () => worker(cfg('server=gm\n')),
    'MG_ERR_CONFIG_MISSING',
    'encryption is on but neither key nor keyfile is set: set key= or keyfile= (the same as the NEB module), or encryption=no',
  );
  throwsWith(
    () => worker(cfg(`${BASE}hosts=no\n`)),
    'MG_ERR_CONFIG_MISSING',
    'no queue to serve: hosts, services, eventhandler and notifications are off and no hostgroups, servicegroups, queue or queues are set',
  );
  assert.equal(worker(cfg('server=gm\nkeyfile=/etc/k\n')).config.keyfile, '/etc/k');
  assert.equal(worker(cfg('server=gm\nencryption=no\n')).config.encryption, false);
  assert.equal(worker(cfg('key=k\n'), { requireServer: false }).config.servers.length, 0);
  assert.equal(worker(cfg('server=gm\n'), { requireKey: false }).config.key, undefined);
  const tools = validateEntries(cfg('returncode=2\nt=5\nm=hello\n'), { scope: 'tools', hostname: 'box' }).config;
  assert.equal(tools.encryption, false);
  assert.deepEqual([tools.returnCode, tools.timeout, tools.message], [2, 5, 'hello']);
});

test('an empty string value returns a single option to its default', () => {
  const entries = [...cfg(`${BASE}logfile=/var/log/w.log\nidentifier=fixed\n`), ...parseArgv(['--logfile=', '--identifier=']).entries];
  const { config } = worker(entries);
  assert.equal(config.logfile, undefined);
  assert.equal(config.identifier, 'box');
});
