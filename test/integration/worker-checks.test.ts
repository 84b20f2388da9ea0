// The worker end to end: real gearmand, the real worker CLI, real plugins; encrypted jobs in, results read back
// from check_results with our own result reader.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { startCheckStack, type CheckStack } from '../helpers/check-stack.js';
import { hostJob, PLUGINS, serviceJob, submitJob } from '../helpers/jobs.js';
import type { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WorkerProcess } from '../helpers/worker-process.js';

/** True while `pid` exists and is not a zombie. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const KEY = 'integration-test-key-0123456789';
const ID = 'itest-worker';

describe('worker: checks end to end', () => {
  let stack: CheckStack;
  let worker: WorkerProcess;
  let client: GearmanClient;
  let results: ResultCollector;
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const tmp = mkdtempSync(join(tmpdir(), 'mg-worker-'));

  before(async () => {
    stack = await startCheckStack(KEY, [
      `identifier=${ID}`,
      'hosts=yes',
      'services=yes',
      'eventhandler=yes',
      'notifications=yes',
      'hostgroups=hg1',
      'servicegroups=sg1',
      'queue=special_queue',
      'max-worker=20',
      'max-age=300',
      'kill_grace_period=1',
      'debug=1',
    ]);
    ({ worker, client, results } = stack);
  });

  after(() => stack?.stop());

  test('every return code, stderr, shell, signals, missing and non-executable plugins', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['ok', `${PLUGINS}ok.sh`, 0, /^OK - all fine\|time=0\.01s\n$/],
      ['warning', `${PLUGINS}warning.sh`, 1, /^WARNING/],
      ['critical', `${PLUGINS}critical.sh`, 2, /^CRITICAL - broken\n$/],
      ['unknown', `${PLUGINS}unknown.sh`, 3, /^UNKNOWN/],
      ['rc4', `${PLUGINS}rc4.sh`, 2, new RegExp(`^CRITICAL: Return code of 4 is out of bounds\\. \\(worker: ${ID}\\)\\n`)],
      ['not-exec', `${PLUGINS}not-executable.sh`, 2, /^CRITICAL: Return code of 126 is out of bounds\. Make sure the plugin you're trying to run is executable\./],
      ['missing', '/nonexistent/check_missing -w 1', 2, /^CRITICAL: Return code of 127 is out of bounds\. Make sure the plugin you're trying to run actually exists\./],
      ['killed', `${PLUGINS}self-kill.sh KILL`, 2, /^CRITICAL: Return code of 137 is out of bounds\. Plugin exited by signal SIGKILL\./],
      ['stderr', `${PLUGINS}stderr.sh 2`, 2, /^stdout line\n\n\[stderr line\] $/],
      ['pipe', `${PLUGINS}critical.sh | /bin/cat`, 0, /^CRITICAL - broken\n$/],
      ['internal-dummy', '/usr/lib/nagios/plugins/check_dummy 1 "dummy text"', 1, /^WARNING: dummy text/],
    ];
    for (const [svc, cmd, , ] of cases) await submitJob(client, codec, 'service', serviceJob('h1', svc, cmd));
    await results.waitFor(cases.length);
    for (const [svc, , rc, re] of cases) {
      const r = results.find('h1', svc);
      assert.ok(r, `result for ${svc}`);
      assert.equal(r.returnCode, rc, `${svc}: ${r.output}`);
      assert.match(r.output, re, svc);
      assert.equal(r.source, `Mod-Gearman Worker @ ${ID}`);
    }
  });

  test('host checks, group queues and a custom WORKER queue are served', async () => {
    const before = results.results.length;
    await submitJob(client, codec, 'host', hostJob('hostA', `${PLUGINS}ok.sh`));
    await submitJob(client, codec, 'hostgroup_hg1', hostJob('hostB', `${PLUGINS}ok.sh`));
    await submitJob(client, codec, 'servicegroup_sg1', serviceJob('h2', 'sg', `${PLUGINS}warning.sh`));
    await submitJob(client, codec, 'special_queue', serviceJob('h2', 'custom', `${PLUGINS}critical.sh`));
    await results.waitFor(before + 4);
    assert.equal(results.find('hostA')?.returnCode, 0);
    assert.equal(results.find('hostA')?.serviceDescription, undefined);
    assert.equal(results.find('hostB')?.returnCode, 0);
    assert.equal(results.find('h2', 'sg')?.returnCode, 1);
    assert.equal(results.find('h2', 'custom')?.returnCode, 2);
  });

  test('event handlers and notifications run and send no result; notifications see NAGIOS_* output', async () => {
    const before = results.results.length;
    const eh = join(tmp, 'eventhandler.out');
    const nf = join(tmp, 'notification.out');
    await submitJob(client, codec, 'eventhandler', { type: 'eventhandler', coreTime: Date.now() / 1000, commandLine: `/bin/sh -c 'echo handled > ${eh}'` });
    await submitJob(client, codec, 'notification', {
      type: 'notification',
      coreTime: Date.now() / 1000,
      contact: 'admin',
      hostName: 'h1',
      serviceDescription: 'svc',
      pluginOutput: 'DISK CRITICAL',
      longPluginOutput: 'more',
      commandLine: `/bin/sh -c 'echo "$NAGIOS_SERVICEOUTPUT" > ${nf}'`,
    });
    await waitFor(() => existsSync(eh) && existsSync(nf), { timeoutMs: 10_000, message: 'event handler and notification output files' });
    // The shell creates each file before it writes the line: wait for both whole lines, not just the files.
    await waitFor(() => readFileSync(eh, 'utf8').endsWith('\n') && readFileSync(nf, 'utf8').endsWith('\n'), { message: 'event handler and notification lines written' });
    assert.equal(readFileSync(eh, 'utf8'), 'handled\n');
    assert.equal(readFileSync(nf, 'utf8'), 'DISK CRITICAL\n');
    // Give a wrongly sent result time to arrive before asserting there is none.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(results.results.length, before);
  });

  test('a wrong key and malformed base64 are logged clearly and the worker goes on', async () => {
    const before = results.results.length;
    const wrong = new PayloadCodec({ encryption: true, key: 'some-other-key' });
    await submitJob(client, wrong, 'service', serviceJob('h1', 'wrong-key', `${PLUGINS}ok.sh`));
    await client.submitBackground('service', '!!!this is not base64!!!');
    await worker.waitForLog('job:discard');
    await waitFor(() => worker.logLines().some((l) => l.code === 'MG_ERR_JOB_BASE64'), { message: 'base64 error logged' });
    const decryptLine = worker.logLines().find((l) => l.code === 'MG_ERR_JOB_DECRYPT');
    assert.ok(decryptLine, 'decrypt error logged');
    assert.equal(decryptLine.queue, 'service');
    assert.match(String(decryptLine.msg), /key/);
    await submitJob(client, codec, 'service', serviceJob('h1', 'after-bad', `${PLUGINS}ok.sh`));
    await results.waitFor(before + 1);
    assert.equal(results.find('h1', 'after-bad')?.returnCode, 0);
    assert.equal(results.find('h1', 'wrong-key'), undefined);
  });

  test('a timeout kills the plugin and the child it forked, keeps the partial output and names the worker', async () => {
    const before = results.results.length;
    await submitJob(client, codec, 'service', serviceJob('h1', 'timeout', `${PLUGINS}forks-hanging-child.sh ignore-term`, { timeout: 1 }));
    const [r] = (await results.waitFor(before + 1, 20_000)).slice(before);
    assert.ok(r);
    assert.equal(r.serviceDescription, 'timeout');
    assert.equal(r.returnCode, 3);
    const m = /^\(Service Check Timed Out On Worker: itest-worker\)\nparent=(\d+) child=(\d+)/.exec(r.output);
    assert.ok(m, r.output);
    // SIGKILL was sent to the group before the result; the kernel and init reap them a moment later.
    for (const pid of [Number(m[1]), Number(m[2])]) {
      await waitFor(() => !isAlive(pid), { timeoutMs: 3000, message: `pid ${pid} is gone` });
    }
  });

  test('max-age: a job older than max-age is answered UNKNOWN without running, service kept', async () => {
    const before = results.results.length;
    await submitJob(client, codec, 'service', serviceJob('h1', 'stale', `${PLUGINS}ok.sh`, { coreTime: Date.now() / 1000 - 3600 }));
    await results.waitFor(before + 1);
    const r = results.find('h1', 'stale');
    assert.equal(r?.returnCode, 3);
    assert.equal(r?.output, '(Could Not Start Check In Time)');
  });

  test('the status queue worker_<identifier> answers in the C format', async () => {
    const job = client.submit(`worker_${ID}`, 'check', { priority: 'high' });
    const answer = (await job.result).toString();
    assert.match(answer, new RegExp(`^${ID} has 20 worker and is working on \\d+ jobs\\. Version: \\d+\\.\\d+\\.\\d+\\|worker=20;;;\\d+;20 jobs=\\d+c$`));
  });
});
