// The mg-gearman-proxy CLI as a child process (under tsx): SIGKILL during an outage and a restart, SIGHUP under
// load restarting only the changed route, SIGTERM draining, and `migrate`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getStatus } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { sleep, waitFor } from '../helpers/wait-for.js';
import { FAST_RETRY, JobSink, names, PROXY_CLI, PROXY_FIXTURES, startProxyProcess, submitAll, writeYaml } from './proxy-harness.js';

describe('proxy CLI: signals and restarts', () => {
  let a: Gearmand;
  let b: Gearmand;
  let clientA: GearmanClient;
  const dir = mkdtempSync(join(tmpdir(), 'mg-proxy-cli-'));
  const A = (q: string): string => `127.0.0.1:${a.port}/${q}`;
  const B = (q: string): string => `127.0.0.1:${b.port}/${q}`;

  before(async () => {
    [a, b] = await Promise.all([startGearmand(), startGearmand()]);
    clientA = new GearmanClient({ servers: [a.address] });
  });

  after(async () => {
    await clientA?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test('SIGKILL during a destination outage, then a restart: every job arrives once', async () => {
    const file = join(dir, 'kill.yaml');
    writeYaml(file, { routes: [{ from: A('kill_in'), to: B('kill_out'), inflight: 8, retry: FAST_RETRY }] });
    await b.stop();
    let proxy = await startProxyProcess([`--config=${file}`]);
    const payloads = names('kill', 40);
    await submitAll(clientA, 'kill_in', payloads);
    await proxy.waitForLog('proxy:destination:down');
    const killed = await proxy.stop('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    proxy = await startProxyProcess([`--config=${file}`]);
    await b.restart();
    const sink = new JobSink([b.address], 'kill_out');
    try {
      await sink.waitForAll(payloads);
      assert.equal(sink.duplicates(), 0);
    } finally {
      await sink.close();
      const stopped = await proxy.stop('SIGTERM');
      assert.equal(stopped.code, 0);
      assert.equal(proxy.count('proxy:stop draining'), 1);
    }
  });

  test('SIGTERM during an outage drains up to drainTimeoutMs, hands held jobs back and exits 0', async () => {
    const file = join(dir, 'term.yaml');
    writeYaml(file, { drainTimeoutMs: 500, routes: [{ from: A('term_in'), to: B('term_out'), inflight: 4, retry: FAST_RETRY }] });
    await b.stop();
    const proxy = await startProxyProcess([`--config=${file}`]);
    const payloads = names('term', 10);
    await submitAll(clientA, 'term_in', payloads);
    await proxy.waitForLog('proxy:destination:down');
    assert.equal((await proxy.stop('SIGTERM')).code, 0);
    assert.equal(proxy.count('proxy:route:close handing held jobs back'), 1);
    // Everything is back in the source queue, none running: the next proxy (or a restart) forwards it.
    const status = (await getStatus(a.address)).find((f) => f.name === 'term_in');
    assert.deepEqual([status?.total, status?.running], [10, 0]);
    await b.restart();
    const next = await startProxyProcess([`--config=${file}`]);
    const sink = new JobSink([b.address], 'term_out');
    try {
      await sink.waitForAll(payloads);
      assert.equal(sink.duplicates(), 0);
    } finally {
      await sink.close();
      await next.stop('SIGTERM');
    }
  });

  test('SIGHUP under load restarts the changed route only, and no job is lost', async () => {
    const file = join(dir, 'hup.yaml');
    const config = (priority: string): Record<string, unknown> => ({
      routes: [
        { from: A('hup_in'), to: B('hup_out'), priority, retry: FAST_RETRY },
        { from: A('hup_still'), to: B('hup_still_out'), retry: FAST_RETRY },
      ],
    });
    writeYaml(file, config('normal'));
    const proxy = await startProxyProcess([`--config=${file}`]);
    const sink = new JobSink([b.address], 'hup_out');
    try {
      const payloads = names('hup', 1000);
      // Paced (batches of 10, 25 ms apart: 2.5 s at least), so the reloads meet a steady stream of jobs.
      let submitted = false;
      const submitting = (async () => {
        for (let i = 0; i < payloads.length; i += 10) {
          await submitAll(clientA, 'hup_in', payloads.slice(i, i + 10));
          await sleep(25);
        }
        submitted = true;
      })();
      for (const [i, priority] of ['high', 'low'].entries()) {
        await waitFor(() => sink.jobs.length >= (i + 1) * 150, { timeoutMs: 30_000, message: 'jobs flowing before SIGHUP' });
        writeYaml(file, config(priority));
        proxy.proc.kill('SIGHUP');
        await waitFor(() => proxy.count('proxy:reload') === i + 1, { timeoutMs: 10_000, message: `reload ${i + 1} logged` });
        assert.equal(submitted, false, 'the reload happened while jobs were still coming in');
      }
      await submitting;
      await sink.waitForAll(payloads, 60_000);
      // Jobs held by the old runner go back to gearmand and come out again: at-least-once, a handful at most.
      assert.ok(sink.duplicates() <= 32, `duplicates ${sink.duplicates()}`);
      assert.equal(proxy.count('proxy:route:start', { route: A('hup_in') }), 3);
      assert.equal(proxy.count('proxy:route:start', { route: A('hup_still') }), 1);
    } finally {
      await sink.close();
      assert.equal((await proxy.stop('SIGTERM')).code, 0);
    }
  });

  test('a config error names the route and exits 3', () => {
    const file = join(dir, 'bad.yaml');
    writeYaml(file, { routes: [{ from: A('ok'), to: B('ok') }, { from: A('bad'), to: 'no-queue-here' }] });
    const r = spawnSync(process.execPath, ['--import', 'tsx', PROXY_CLI, `--config=${file}`], { encoding: 'utf8' });
    assert.equal(r.status, 3);
    assert.match(r.stderr, new RegExp(`routes\\[1\\] "${A('bad')}": \`to\`: expected host:port/queue, got "no-queue-here" \\(MG_ERR_PROXY_CONFIG\\)`));
  });
});

describe('proxy CLI: migrate', () => {
  const migrate = (file: string): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, ['--import', 'tsx', PROXY_CLI, 'migrate', join(PROXY_FIXTURES, file)], { encoding: 'utf8' });

  test('converts a Perl gearman_proxy.cfg with simple and complex forwards into YAML', () => {
    const r = migrate('gearman_proxy.cfg');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(parse(r.stdout), {
      statusQueue: '127.0.0.1:4730/proxy_status',
      debug: 1,
      routes: [
        { from: '127.0.0.1:4730/hostgroup_remote', to: '192.0.2.10:4730/hostgroup_remote' },
        { from: '127.0.0.1:4730/servicegroup_dmz', to: '192.0.2.10:4730/servicegroup_dmz' },
        { from: '192.0.2.10:4730/check_results', to: '127.0.0.1:4730/check_results', decrypt: 'remote-secret', encrypt: 'file:/etc/mod-gearman/secret.key' },
        { from: '127.0.0.1:4730/worker_remote1', to: '192.0.2.10:4730/worker_remote1', async: false, worker: 2 },
      ],
    });
  });

  test('refuses a sub {...} data_callback and points to the callback module', () => {
    const r = migrate('gearman_proxy_callback.cfg');
    assert.equal(r.status, 3);
    assert.match(r.stderr, /gearman_proxy_callback\.cfg:\d+: queue "192\.0\.2\.10:4730\/check_results": data_callback is Perl code/);
    assert.match(r.stderr, /callback: \.\/file\.mjs#name/);
    assert.match(r.stderr, /MG_ERR_PROXY_MIGRATE/);
    assert.equal(r.stdout, '');
  });
});
