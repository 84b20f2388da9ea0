// The proxy's status queue answered over a real gearmand the way check_gearman asks (`-q proxy_status -s check`:
// a foreground job, unique id "check"): OK first, then WARNING naming every failed destination and the backlog;
// the Prometheus endpoint shows the same numbers per route.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GearmanClient } from '../../src/gearman/client.js';
import { freePort, startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { waitFor } from '../helpers/wait-for.js';
import { runToolProcess } from '../helpers/run-tool.js';
import type { ProxyDaemon } from '../../src/proxy/daemon.js';
import { FAST_RETRY, JobSink, startProxy } from './proxy-harness.js';

describe('proxy: status queue and metrics', () => {
  let a: Gearmand;
  let b: Gearmand;
  let daemon: ProxyDaemon;
  let client: GearmanClient;
  let deadPort: number;
  let metricsPort: number;
  const status = async (request = 'check'): Promise<string> => (await client.submit('proxy_status', request, { unique: 'check' }).result).toString();
  // Our check_gearman as a Nagios service definition calls it against the proxy.
  const checkGearman = () => runToolProcess('check-gearman', ['-H', `127.0.0.1:${a.port}`, '-q', 'proxy_status', '-s', 'check', '-t', '20']);

  before(async () => {
    [a, b] = await Promise.all([startGearmand(), startGearmand()]);
    deadPort = await freePort(); // nothing listens there: a destination that never answers
    metricsPort = await freePort();
    ({ daemon } = await startProxy({
      statusQueue: `127.0.0.1:${a.port}/proxy_status`,
      metricsListen: `127.0.0.1:${metricsPort}`,
      routes: [
        { from: `127.0.0.1:${a.port}/to_b`, to: `127.0.0.1:${b.port}/to_b`, retry: FAST_RETRY },
        { from: `127.0.0.1:${a.port}/to_dead`, to: `127.0.0.1:${deadPort}/to_dead`, retry: FAST_RETRY },
      ],
    }));
    client = new GearmanClient({ servers: [a.address] });
  });

  after(async () => {
    await daemon?.close();
    await client?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test('OK with the Perl proxy\'s metric names, and perfdatafilter= limits the perfdata', async () => {
    const text = await status();
    assert.match(text, /^0:OK - mg-gearman-proxy version v\S+ running\.\|/);
    const perf = text.slice(text.indexOf('|') + 1);
    for (const m of ["'backlog'=0;;;", "'bytes_in'=0c;;;", "'bytes_out'=0c;;;", "'queues'=2;;;", "'server'=1;;;", "'total_errors'=0c;;;", "'total_jobs'=0c;;;", "'to_b::jobs'=0c;;;", "'to_dead::bytes_out'=0c;;;"]) {
      assert.ok(perf.includes(m), `${m} in ${perf}`);
    }
    const run = await checkGearman();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^OK - mg-gearman-proxy version v\S+ running\.\|'backlog'=0;;;/);
    const filtered = await status('check perfdatafilter=^(server|queues|total_)');
    assert.equal(filtered.slice(filtered.indexOf('|') + 1), "'queues'=2;;; 'server'=1;;; 'total_errors'=0c;;; 'total_jobs'=0c;;;");
  });

  test('WARNING names every failed server and the oldest backlog age; a server that answers again leaves the list', async () => {
    await b.stop();
    await client.submitBackground('to_b', 'job-for-b');
    await client.submitBackground('to_dead', 'job-for-dead');
    await waitFor(() => daemon.stats.every((s) => s.destination.up === false), { timeoutMs: 10_000, message: 'both destinations down' });
    const text = await status();
    const failed = [`127.0.0.1:${b.port}`, `127.0.0.1:${deadPort}`].sort().join(', ').replaceAll('.', '\\.');
    assert.match(
      text,
      new RegExp(`^1:WARNING - mg-gearman-proxy version v\\S+ running\\. 2 servers failed: ${failed}\\. backlog contains 2 jobs, oldest \\d+s\\.\\|`),
    );
    assert.match(text, /'failed_servers'=2;;;/);
    const run = await checkGearman();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`^WARNING - mg-gearman-proxy version v\\S+ running\\. 2 servers failed: ${failed}\\.`));
    assert.match(text, /'backlog_oldest_age'=[\d.]+s;;;/);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, new RegExp(`mg_proxy_destination_up\\{route="127\\.0\\.0\\.1:${a.port}/to_b",server="127\\.0\\.0\\.1:${b.port}"\\} 0`));
    assert.match(metrics, new RegExp(`mg_proxy_backlog_jobs\\{route="127\\.0\\.0\\.1:${a.port}/to_dead"\\} 1`));
    assert.match(metrics, /mg_proxy_jobs_dropped_total\{route="[^"]+"\} 0/);

    await b.restart();
    const sink = new JobSink([b.address], 'to_b');
    try {
      await sink.waitForAll(['job-for-b']);
      await waitFor(() => daemon.stats[0]?.destination.up === true, { message: 'b up again' });
      const after = await status();
      assert.match(after, new RegExp(`^1:WARNING - .* 1 server failed: 127\\.0\\.0\\.1:${deadPort}\\. backlog contains 1 job, oldest \\d+s\\.\\|`));
      const m2 = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.match(m2, new RegExp(`mg_proxy_jobs_out_total\\{route="127\\.0\\.0\\.1:${a.port}/to_b"\\} 1`));
      assert.match(m2, /mg_proxy_forward_latency_seconds_count\{route="[^"]+to_b"\} 1/);
    } finally {
      await sink.close();
    }
  });
});
