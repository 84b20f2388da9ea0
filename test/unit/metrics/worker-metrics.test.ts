import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { hasCode } from '../../../src/errors.js';
import { metricsDoc } from '../../../src/metrics/metrics-doc.js';
import { startMetricsServer } from '../../../src/metrics/metrics-server.js';
import { WorkerMetrics } from '../../../src/metrics/worker-metrics.js';
import { parseMetrics, sumOf } from '../../helpers/metrics.js';

test('docs/metrics.md is what the registry serves (regenerate: npm run docs)', () => {
  assert.equal(readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8'), metricsDoc());
});

test('checkDone counts by type, queue, path and rc, observes the duration and counts timeouts', async () => {
  const m = new WorkerMetrics('w', { defaultMetrics: false });
  m.checkDone({ type: 'service', queue: 'service', path: 'exec', rc: 0, seconds: 0.02, timedOut: false });
  m.checkDone({ type: 'service', queue: 'service', path: 'exec', rc: 0, seconds: 0.03, timedOut: false });
  m.checkDone({ type: 'host', queue: 'hostgroup_a', path: 'epn', rc: 3, seconds: 61, timedOut: true });
  const s = parseMetrics(await m.text());
  assert.equal(sumOf(s, 'mgworkhorse_checks_total', { type: 'service', path: 'exec', rc: '0' }), 2);
  assert.equal(sumOf(s, 'mgworkhorse_checks_total', { type: 'host', queue: 'hostgroup_a', path: 'epn', rc: '3' }), 1);
  assert.equal(sumOf(s, 'mgworkhorse_check_timeouts_total'), 1);
  assert.equal(sumOf(s, 'mgworkhorse_check_duration_seconds_count'), 3);
  assert.equal(sumOf(s, 'mgworkhorse_check_duration_seconds_bucket', { path: 'exec', le: '0.025' }), 1);
  assert.equal(sumOf(s, 'mgworkhorse_check_duration_seconds_bucket', { path: 'epn', le: '60' }), 0);
});

test('state is read from the sources at scrape time: in flight, connections, spool, farm', async () => {
  const m = new WorkerMetrics('w', { defaultMetrics: false });
  let up = true;
  let compiles = 2;
  m.sources.inFlight = () => 4;
  m.sources.connections = () => [
    { server: 'a:4730', role: 'worker', up },
    { server: 'b:4730', role: 'worker', up: false },
  ];
  m.sources.spool = () => ({ results: 7, bytes: 900 });
  m.sources.farm = () => ({
    processes: { starting: 0, ready: 3, busy: 1, draining: 0, dead: 0 },
    queued: 0,
    inFlight: 1,
    checks: 10,
    compiles,
    compileErrors: 1,
    recycles: 5,
    deaths: 0,
    startFailures: 0,
  });
  let s = parseMetrics(await m.text());
  assert.equal(sumOf(s, 'mgworkhorse_checks_in_flight'), 4);
  assert.equal(sumOf(s, 'mgworkhorse_gearman_connection_up', { server: 'a:4730' }), 1);
  assert.equal(sumOf(s, 'mgworkhorse_gearman_connection_up', { server: 'b:4730' }), 0);
  assert.equal(sumOf(s, 'mgworkhorse_spool_results'), 7);
  assert.equal(sumOf(s, 'mgworkhorse_spool_bytes'), 900);
  assert.equal(sumOf(s, 'mgworkhorse_epn_processes', { state: 'ready' }), 3);
  assert.equal(sumOf(s, 'mgworkhorse_epn_compiles_total'), 2);
  assert.equal(sumOf(s, 'mgworkhorse_epn_recycles_total'), 5);
  up = false;
  compiles = 9;
  s = parseMetrics(await m.text());
  assert.equal(sumOf(s, 'mgworkhorse_gearman_connection_up', { server: 'a:4730' }), 0);
  assert.equal(sumOf(s, 'mgworkhorse_epn_compiles_total'), 9);
});

test('the listener serves GET /metrics, 404 otherwise, and a taken port is MG_ERR_METRICS_LISTEN', async () => {
  const m = new WorkerMetrics('w', { defaultMetrics: false });
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  await assert.rejects(startMetricsServer(`127.0.0.1:${port}`, m), (e: unknown) => hasCode(e, 'MG_ERR_METRICS_LISTEN') && e.message.includes(`127.0.0.1:${port}`));
  await assert.rejects(startMetricsServer('127.0.0.1:notaport', m), (e: unknown) => hasCode(e, 'MG_ERR_METRICS_LISTEN'));
  await new Promise<void>((r) => blocker.close(() => r()));
  const server = await startMetricsServer(`127.0.0.1:${port}`, m);
  try {
    assert.equal(server.url, `http://127.0.0.1:${port}/metrics`);
    const ok = await fetch(server.url);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^# HELP mgworkhorse_info/m);
    const nf = await fetch(`http://127.0.0.1:${port}/other`);
    assert.equal(nf.status, 404);
    await nf.text();
  } finally {
    await server.close();
  }
});
