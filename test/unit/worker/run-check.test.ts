import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { EpnFallbacks } from '../../../src/epn/epn-check.js';
import { silentLogger } from '../../../src/log.js';
import { NodeSpawner } from '../../../src/exec/node-spawner.js';
import type { ValidJob } from '../../../src/job/job-text.js';
import { jobTypeOf, notificationEnv, runCheck, timeoutSecondsOf } from '../../../src/worker/run-check.js';
import { execOutcome, FakeSpawner, tmpDir, workerConfig } from './support.js';

function job(fields: Partial<ValidJob> = {}): ValidJob {
  return { type: 'service', hostName: 'web1', serviceDescription: 'disk', commandLine: '/bin/true', raw: {}, unknown: [], recognised: 4, ...fields };
}

test('jobTypeOf: the four known types, anything else runs like an event handler', () => {
  for (const type of ['host', 'service', 'eventhandler', 'notification']) assert.equal(jobTypeOf(job({ type })), type);
  assert.equal(jobTypeOf(job({ type: 'hostgroup' })), 'eventhandler');
  assert.equal(jobTypeOf(job({ type: '' })), 'eventhandler');
});

test('timeoutSecondsOf: the job timeout, else job_timeout, else 60', () => {
  const config = workerConfig(['job_timeout=45']);
  assert.equal(timeoutSecondsOf(job({ timeout: 30 }), config), 30);
  assert.equal(timeoutSecondsOf(job(), config), 45);
  assert.equal(timeoutSecondsOf(job({ timeout: 0 }), config), 45);
  assert.equal(timeoutSecondsOf(job({ timeout: -5 }), config), 45);
  assert.equal(timeoutSecondsOf(job(), workerConfig()), 60); // job_timeout's default
  // loadConfig refuses job_timeout=0; the fallback guards a config built in code.
  assert.equal(timeoutSecondsOf(job(), { ...workerConfig(), jobTimeout: 0 }), 60);
});

test('notificationEnv: service notifications get NAGIOS_SERVICEOUTPUT and NAGIOS_LONGSERVICEOUTPUT', () => {
  assert.deepEqual(notificationEnv(job({ type: 'notification', pluginOutput: 'DISK CRITICAL', longPluginOutput: '/ 99%' })), {
    NAGIOS_SERVICEOUTPUT: 'DISK CRITICAL',
    NAGIOS_LONGSERVICEOUTPUT: '/ 99%',
  });
  assert.deepEqual(notificationEnv(job({ type: 'notification' })), { NAGIOS_SERVICEOUTPUT: '', NAGIOS_LONGSERVICEOUTPUT: '' });
});

test('notificationEnv: host notifications (no or empty service) get NAGIOS_HOSTOUTPUT and NAGIOS_LONGHOSTOUTPUT', () => {
  const { serviceDescription: _s, ...host } = job({ type: 'notification', pluginOutput: 'PING DOWN', longPluginOutput: 'loss 100%' });
  assert.deepEqual(notificationEnv(host), { NAGIOS_HOSTOUTPUT: 'PING DOWN', NAGIOS_LONGHOSTOUTPUT: 'loss 100%' });
  assert.deepEqual(notificationEnv(job({ type: 'notification', serviceDescription: '', pluginOutput: 'x' })), {
    NAGIOS_HOSTOUTPUT: 'x',
    NAGIOS_LONGHOSTOUTPUT: '',
  });
});

test('notificationEnv: undefined for other job types', () => {
  for (const type of ['host', 'service', 'eventhandler']) assert.equal(notificationEnv(job({ type, pluginOutput: 'x' })), undefined);
});

test('runCheck with a real NodeSpawner: /bin/echo hi', async () => {
  const spawner = new NodeSpawner();
  const before = Date.now() / 1000;
  const run = await runCheck(job({ commandLine: '/bin/echo hi' }), { config: workerConfig(), spawner });
  const after = Date.now() / 1000;
  await spawner.close();
  assert.deepEqual([run.returnCode, run.stdout, run.stderr], [0, 'hi\n', '']);
  assert.equal(run.outcome.via, 'exec');
  assert.equal(run.outcome.exitCode, 0);
  assert.ok(run.startTime >= before - 0.01 && run.startTime <= after, `start ${run.startTime} not in [${before}, ${after}]`);
  assert.ok(Math.abs(run.finishTime - run.startTime - run.outcome.durationMs / 1000) < 1e-6);
  assert.ok(run.finishTime <= after + 0.01);
});

test('runCheck: an internal check_dummy is answered without a process', async () => {
  const spawner = new FakeSpawner(() => assert.fail('no process may be started'));
  const run = await runCheck(job({ commandLine: '/usr/lib/nagios/plugins/check_dummy 1 "disk almost full"' }), { config: workerConfig(), spawner });
  assert.deepEqual([run.returnCode, run.stdout, run.stderr], [1, 'WARNING: disk almost full\n', '']);
  assert.equal(run.outcome.via, 'internal');
  assert.equal(spawner.calls.length, 0);
});

test('runCheck: with internal_check_dummy=no the real path is run (and here does not exist)', async () => {
  const spawner = new NodeSpawner();
  const run = await runCheck(job({ commandLine: '/nonexistent-mg-test/check_dummy 0' }), { config: workerConfig(['internal_check_dummy=no']), spawner });
  await spawner.close();
  assert.equal(run.returnCode, 2);
  assert.equal(run.stdout, "CRITICAL: Return code of 127 is out of bounds. Make sure the plugin you're trying to run actually exists. (worker: box)");
  assert.equal(run.outcome.spawnError?.code, 'ENOENT');
});

test('runCheck: passes timeout, kill grace, output cap, notification env and the abort signal to the spawner', async () => {
  const spawner = new FakeSpawner(() => execOutcome(0, 'sent\n'));
  const config = workerConfig(['kill_grace_period=4', 'max_output_size=4096']);
  const signal = new AbortController().signal;
  const notification = job({ type: 'notification', commandLine: '/opt/notify --to ops', timeout: 7, pluginOutput: 'DOWN' });
  const run = await runCheck(notification, { config, spawner, signal });
  assert.equal(run.returnCode, 0);
  assert.equal(spawner.calls.length, 1);
  const call = spawner.calls[0];
  assert.deepEqual(call?.command, { mode: 'exec', argv: ['/opt/notify', '--to', 'ops'] });
  assert.equal(call?.options.timeoutMs, 7000);
  assert.equal(call?.options.killGracePeriodMs, 4000);
  assert.equal(call?.options.maxOutputBytes, 4096);
  assert.deepEqual(call?.options.env, { NAGIOS_SERVICEOUTPUT: 'DOWN', NAGIOS_LONGSERVICEOUTPUT: '' });
  assert.equal(call?.options.signal, signal);
});

test('runCheck: times are the outcome\'s, in epoch seconds', async () => {
  const spawner = new FakeSpawner(() => execOutcome(2, 'CRITICAL\n', { startedAt: 1_700_000_100_000, durationMs: 1_500 }));
  const run = await runCheck(job(), { config: workerConfig(), spawner });
  assert.deepEqual([run.returnCode, run.startTime, run.finishTime], [2, 1_700_000_100, 1_700_000_101.5]);
});

test('runCheck: a timed-out service check gets timeout_return and the worker\'s timeout text', async () => {
  const spawner = new FakeSpawner(() => execOutcome(0, '', { exitCode: null, signal: 'SIGTERM', timedOut: true }));
  const run = await runCheck(job({ timeout: 1 }), { config: workerConfig(['timeout_return=2']), spawner });
  assert.deepEqual([run.returnCode, run.stdout], [2, '(Service Check Timed Out On Worker: box)']);
  const host = await runCheck(job({ type: 'host', timeout: 1 }), { config: workerConfig(), spawner });
  assert.deepEqual([host.returnCode, host.stdout], [3, '(Host Check Timed Out On Worker: box)']);
});

test('runCheck: show_error_output=no drops stderr; worker_name_in_result=on tags the output', async () => {
  const spawner = new FakeSpawner(() => execOutcome(1, 'WARN\n', { stderr: Buffer.from('noise\n') }));
  const shown = await runCheck(job(), { config: workerConfig(), spawner });
  assert.deepEqual([shown.stdout, shown.stderr], ['WARN\n', 'noise\n']);
  const hidden = await runCheck(job(), { config: workerConfig(['show_error_output=no', 'worker_name_in_result=on']), spawner });
  assert.deepEqual([hidden.stdout, hidden.stderr], ['(worker: box) WARN\n', '']);
});

test('runCheck: restrict_path refuses a command outside it with UNKNOWN, nothing spawned', async () => {
  const spawner = new FakeSpawner(() => assert.fail('no process may be started'));
  const run = await runCheck(job({ commandLine: '/etc/evil' }), { config: workerConfig(['restrict_path=/usr/lib/nagios/plugins']), spawner });
  assert.deepEqual([run.returnCode, run.stdout], [3, 'ERROR: /etc/evil is not under restrict_path /usr/lib/nagios/plugins (worker: box)']);
});

test('runCheck stats the plugin once per check, though the pty, persistent and EPN selections all read its header', async () => {
  const plugin = join(tmpDir(), 'check_plain');
  fs.writeFileSync(plugin, '#!/bin/sh\necho ok\n', { mode: 0o755 });
  const spawner = new FakeSpawner(() => execOutcome(0, 'ok\n'));
  const backend = { run: () => Promise.reject(new Error('a shell plugin never reaches the farm')) };
  const ctx = { config: workerConfig(['enable_embedded_perl=yes']), spawner, epn: { backend, fallbacks: new EpnFallbacks(), logger: silentLogger() } };
  // Named imports of node:fs are live bindings: syncBuiltinESMExports() makes src/ see the counting statSync.
  const mutableFs = fs as { statSync: typeof fs.statSync };
  const original = fs.statSync;
  let stats = 0;
  mutableFs.statSync = ((...args: Parameters<typeof original>) => {
    if (args[0] === plugin) stats++;
    return original(...args);
  }) as typeof original;
  syncBuiltinESMExports();
  try {
    const first = await runCheck(job({ commandLine: `${plugin} -w 1` }), ctx);
    assert.equal(stats, 1, 'one stat for the first check');
    // An edited plugin is seen by the next check: the memo lives for one check only.
    fs.writeFileSync(plugin, '#!/bin/sh\n# mg-workhorse: pty\necho ok\n', { mode: 0o755 });
    await runCheck(job({ commandLine: `${plugin} -w 1` }), ctx);
    assert.equal(stats, 2, 'one stat for the second check');
    assert.equal(first.returnCode, 0);
    assert.equal(spawner.calls.length, 1, 'the edited plugin (now with the pty header) ran under a pty, not the spawner');
  } finally {
    mutableFs.statSync = original;
    syncBuiltinESMExports();
  }
});
