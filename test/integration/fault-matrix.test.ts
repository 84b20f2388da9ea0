// The fault matrix (issue 9): each case runs a real gearmand, the real worker CLI and real plugins, and checks
// that every result arrives exactly once, or is counted as dropped for its documented reason.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getWorkers } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { freePort, startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { PLUGINS, serviceJob, submitJob } from '../helpers/jobs.js';
import { scrape, sumOf } from '../helpers/metrics.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.js';

const KEY = 'fault-matrix-key-0123456789abcdef';
const codec = new PayloadCodec({ encryption: true, key: KEY });
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function gearmand(): Promise<Gearmand> {
  const g = await startGearmand();
  cleanups.push(() => g.stop());
  return g;
}
async function worker(args: string[], options: Parameters<typeof startWorker>[1] = {}): Promise<WorkerProcess> {
  const w = await startWorker([`key=${KEY}`, 'services=yes', 'debug=1', 'kill_grace_period=1', ...args], options);
  cleanups.push(() => w.stop('SIGKILL'));
  return w;
}
function collector(...g: Gearmand[]): ResultCollector {
  const c = new ResultCollector(g.map((x) => x.address), { key: KEY });
  cleanups.push(() => c.close());
  return c;
}
function client(g: Gearmand): GearmanClient {
  const c = new GearmanClient({ servers: [g.address] });
  cleanups.push(() => c.close());
  return c;
}
const spoolFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.result'));
const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));
const jobStarts = (w: WorkerProcess): number => w.logLines().filter((l) => l.msg === 'job:start').length;

/** Waits for `n` results, lets stragglers come, and asserts each service arrived exactly once. */
async function exactlyOnce(c: ResultCollector, services: readonly string[], timeoutMs = 30_000): Promise<void> {
  await c.waitFor(services.length, timeoutMs);
  await new Promise((r) => setTimeout(r, 500)); // a duplicate would come right behind
  const got = c.results.map((r) => r.serviceDescription ?? '').sort();
  assert.deepEqual(got, [...services].sort());
}

describe('fault matrix', () => {
  test('gearmand killed under load and restarted: results go to the spool and are replayed, each once', async () => {
    const g = await gearmand();
    const spool = tmp('mg-spool-');
    const metricsPort = await freePort();
    const w = await worker([`server=127.0.0.1:${g.port}`, 'max-worker=20', `spool_dir=${spool}`, `prometheus_server=127.0.0.1:${metricsPort}`]);
    const early = Array.from({ length: 10 }, (_, i) => `early${i}`);
    const c1 = client(g);
    // 4 s checks: still running when gearmand is killed, also on a loaded machine.
    for (const s of early) await submitJob(c1, codec, 'service', serviceJob('h', s, `${PLUGINS}slow-ok.sh 4`));
    await waitFor(() => jobStarts(w) === 10, { timeoutMs: 15_000, message: '10 checks running' });
    await g.kill('SIGKILL');
    await waitFor(() => spoolFiles(spool).length === 10, { timeoutMs: 20_000, message: '10 results spooled' });
    await g.restart();
    const c = collector(g);
    const late = Array.from({ length: 10 }, (_, i) => `late${i}`);
    const c2 = client(g);
    for (const s of late) await submitJob(c2, codec, 'service', serviceJob('h', s, `${PLUGINS}ok.sh`));
    await exactlyOnce(c, [...early, ...late]);
    await waitFor(() => spoolFiles(spool).length === 0, { message: 'spool empty' });
    assert.ok(w.logLines().some((l) => l.msg === 'result:spool:replay spool is empty again'));
    // Every result is accounted for: sent directly, or spooled and replayed; none dropped.
    const m = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    const spooled = sumOf(m, 'mgworkhorse_results_spooled_total');
    assert.ok(spooled >= 10, `spooled ${spooled}`);
    assert.equal(sumOf(m, 'mgworkhorse_results_replayed_total'), spooled);
    assert.equal(sumOf(m, 'mgworkhorse_results_sent_total') + spooled, 20);
    assert.equal(sumOf(m, 'mgworkhorse_results_dropped_total'), 0);
    assert.equal(sumOf(m, 'mgworkhorse_spool_results'), 0);
  });

  test('a spooled result older than spool_max_age is dropped at start: logged at error level, counted, never sent', async () => {
    const g = await gearmand();
    const spool = tmp('mg-spool-');
    const old = Date.now() - 2 * 3600_000;
    const payload = codec.encode('host_name=h\nservice_description=stale\nreturn_code=0\noutput=old news\n');
    writeFileSync(join(spool, `${String(old).padStart(15, '0')}-000000000.result`), `${JSON.stringify({ v: 1, queue: 'check_results', payload, spooledAt: old })}\n`);
    const c = collector(g);
    const metricsPort = await freePort();
    const w = await worker([`server=127.0.0.1:${g.port}`, `spool_dir=${spool}`, 'spool_max_age=3600', `prometheus_server=127.0.0.1:${metricsPort}`]);
    const drop = await w.waitForLog('result:spool:drop');
    assert.equal(drop.level, 50);
    assert.equal(drop.reason, 'age');
    await submitJob(client(g), codec, 'service', serviceJob('h', 'fresh', `${PLUGINS}ok.sh`));
    await exactlyOnce(c, ['fresh']);
    const m = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(sumOf(m, 'mgworkhorse_results_dropped_total', { reason: 'age' }), 1);
    assert.deepEqual(spoolFiles(spool), []);
  });

  test('worker SIGKILLed with a non-empty spool: the next start replays it', async () => {
    const g = await gearmand();
    const spool = tmp('mg-spool-');
    const args = [`server=127.0.0.1:${g.port}`, 'max-worker=10', `spool_dir=${spool}`];
    const w1 = await worker(args);
    const names = Array.from({ length: 5 }, (_, i) => `kept${i}`);
    const c1 = client(g);
    for (const s of names) await submitJob(c1, codec, 'service', serviceJob('h', s, `${PLUGINS}slow-ok.sh 3`));
    await waitFor(() => jobStarts(w1) === 5, { timeoutMs: 15_000, message: '5 checks running' });
    await g.kill('SIGKILL');
    await waitFor(() => spoolFiles(spool).length === 5, { timeoutMs: 20_000, message: '5 results spooled' });
    await w1.stop('SIGKILL');
    await g.restart();
    const c = collector(g);
    const w2 = await worker(args);
    await w2.waitForLog('result:spool found results of an earlier run');
    await exactlyOnce(c, names);
    await waitFor(() => spoolFiles(spool).length === 0, { message: 'spool empty' });
  });

  test('two servers, one down: every result arrives through the live one', async () => {
    const g = await gearmand();
    const deadPort = await freePort();
    const c = collector(g);
    const metricsPort = await freePort();
    const w = await worker([`server=127.0.0.1:${deadPort},127.0.0.1:${g.port}`, 'max-worker=5', `prometheus_server=127.0.0.1:${metricsPort}`]);
    const names = Array.from({ length: 8 }, (_, i) => `two${i}`);
    const c1 = client(g);
    for (const s of names) await submitJob(c1, codec, 'service', serviceJob('h', s, `${PLUGINS}ok.sh`));
    await exactlyOnce(c, names);
    assert.ok(w.logLines().some((l) => String(l.msg).startsWith('gearman:down') && String(l.server).endsWith(`:${deadPort}`)));
    const m = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(sumOf(m, 'mgworkhorse_gearman_connection_up', { server: `127.0.0.1:${g.port}`, role: 'worker' }), 1);
    assert.equal(sumOf(m, 'mgworkhorse_gearman_connection_up', { server: `127.0.0.1:${deadPort}`, role: 'worker' }), 0);
    assert.equal(sumOf(m, 'mgworkhorse_gearman_connection_up', { server: `127.0.0.1:${deadPort}`, role: 'result' }), 0);
    assert.equal(m.filter((x) => x.name === 'mgworkhorse_gearman_connection_up').length, 6, 'worker, status and result role per server');
  });

  test('wrong key on one server only: its jobs are counted and logged once naming that server; the other is served', async () => {
    const good = await gearmand();
    const bad = await gearmand();
    // Results go to any server of the server= list, so both are read.
    const c = collector(good, bad);
    const w = await worker([`server=127.0.0.1:${good.port},127.0.0.1:${bad.port}`, 'max-worker=5']);
    const wrong = new PayloadCodec({ encryption: true, key: 'the-neb-on-bad-has-another-key' });
    const cb = client(bad);
    for (let i = 0; i < 4; i++) await submitJob(cb, wrong, 'service', serviceJob('h', `wrong${i}`, `${PLUGINS}ok.sh`));
    const names = Array.from({ length: 4 }, (_, i) => `right${i}`);
    const cg = client(good);
    for (const s of names) await submitJob(cg, codec, 'service', serviceJob('h', s, `${PLUGINS}ok.sh`));
    await exactlyOnce(c, names);
    const logged = await waitFor(() => {
      const lines = w.logLines().filter((l) => l.code === 'MG_ERR_JOB_DECRYPT');
      return lines.length > 0 ? lines : undefined;
    });
    assert.equal(logged.length, 1, 'logged once per interval');
    assert.equal(logged[0]?.server, `127.0.0.1:${bad.port}`);
  });

  test('malformed and 1 MB jobs: each is answered or discarded, and the worker goes on', async () => {
    const g = await gearmand();
    const c = collector(g);
    const w = await worker([`server=127.0.0.1:${g.port}`, 'max-worker=5']);
    const cl = client(g);
    await cl.submitBackground('service', 'not base64 at all !!!');
    await cl.submitBackground('service', Buffer.from([0, 1, 2, 255, 254]));
    await cl.submitBackground('service', '');
    // 1 MB in one argument: over Linux's 128 KiB per argument, so exec fails with E2BIG and says so.
    await submitJob(cl, codec, 'service', serviceJob('h', 'huge-arg', `${PLUGINS}ok.sh ${'x'.repeat(1024 * 1024)}`));
    // 1 MB of job text the plugin never sees: runs normally.
    await submitJob(cl, codec, 'service', serviceJob('h', 'huge-job', `${PLUGINS}ok.sh`, { longPluginOutput: 'y'.repeat(1024 * 1024) }));
    await submitJob(cl, codec, 'service', serviceJob('h', 'after', `${PLUGINS}ok.sh`));
    await exactlyOnce(c, ['huge-arg', 'huge-job', 'after']);
    const huge = c.find('h', 'huge-arg');
    assert.equal(huge?.returnCode, 3);
    assert.match(huge?.output ?? '', /E2BIG|too long/i);
    assert.equal(c.find('h', 'huge-job')?.returnCode, 0);
    const discarded = w.logLines().filter((l) => String(l.msg).startsWith('job:discard'));
    assert.deepEqual(new Set(discarded.map((l) => l.code)), new Set(['MG_ERR_JOB_BASE64', 'MG_ERR_JOB_EMPTY']));
    assert.equal(w.proc.exitCode, null);
  });

  test('open files limited to 64 with max-worker 50: a warning with the fix, EMFILE checks answered UNKNOWN, all 50 arrive', async () => {
    const g = await gearmand();
    const c = collector(g);
    const w = await worker([`server=127.0.0.1:${g.port}`, 'max-worker=50'], { wrap: ['prlimit', '--nofile=64:64', '--'] });
    const warning = await w.waitForLog('worker:fd-limit');
    assert.match(String(warning.msg), /open files limit 64 is below .* LimitNOFILE=\d+/);
    const names = Array.from({ length: 50 }, (_, i) => `fd${i}`);
    const cl = client(g);
    // 3 s checks so that many run at once and meet the limit, also when grabbing is slow on a loaded machine.
    for (const s of names) await submitJob(cl, codec, 'service', serviceJob('h', s, `${PLUGINS}slow-ok.sh 3`));
    await exactlyOnce(c, names, 60_000);
    const byRc = new Map<number, number>();
    for (const r of c.results) byRc.set(r.returnCode, (byRc.get(r.returnCode) ?? 0) + 1);
    const unknown = c.results.filter((r) => r.returnCode === 3);
    assert.ok(unknown.length > 0, `some checks must meet EMFILE: ${JSON.stringify([...byRc])}`);
    for (const r of unknown) assert.match(r.output, /EMFILE|open files/i);
    assert.equal((byRc.get(0) ?? 0) + unknown.length, 50);
    assert.equal(w.proc.exitCode, null);
  });

  test('max-worker 50 over two servers: three connections per server (checks, status, results), also with 50 checks running', async () => {
    const a = await gearmand();
    const b = await gearmand();
    const c = collector(a, b);
    const cl = client(a);
    const before = await Promise.all([getWorkers(a.address), getWorkers(b.address)]);
    const w = await worker([`server=127.0.0.1:${a.port},127.0.0.1:${b.port}`, 'max-worker=50', 'identifier=conn-w']);
    const names = Array.from({ length: 50 }, (_, i) => `conn${i}`);
    for (const s of names) await submitJob(cl, codec, 'service', serviceJob('h', s, `${PLUGINS}slow-ok.sh 2`));
    await waitFor(() => jobStarts(w) === 50, { timeoutMs: 20_000, message: '50 checks running' });
    const during = await Promise.all([getWorkers(a.address), getWorkers(b.address)]);
    for (const i of [0, 1]) {
      const list = during[i] ?? [];
      assert.equal(list.length - (before[i] ?? []).length, 3, `server ${i}: ${JSON.stringify(list)}`);
      assert.equal(list.filter((x) => x.clientId === 'conn-w').length, 1);
      assert.equal(list.filter((x) => x.clientId === 'conn-w-status').length, 1);
    }
    await exactlyOnce(c, names);
  });

  test('a plugin that closes stdout early and runs on: its output and exit code still arrive', async () => {
    const g = await gearmand();
    const c = collector(g);
    await worker([`server=127.0.0.1:${g.port}`, 'max-worker=2']);
    await submitJob(client(g), codec, 'service', serviceJob('h', 'closer', `${PLUGINS}closes-stdout.sh 2`));
    await exactlyOnce(c, ['closer']);
    const r = c.find('h', 'closer');
    assert.equal(r?.returnCode, 1);
    assert.match(r?.output ?? '', /^WARNING - said my piece/);
  });

  test('a plugin that leaves a daemonised grandchild: the result arrives, the grandchild does not hold it up', async () => {
    const g = await gearmand();
    const c = collector(g);
    await worker([`server=127.0.0.1:${g.port}`, 'max-worker=2']);
    const pidFile = join(tmp('mg-daemon-'), 'pid');
    await submitJob(client(g), codec, 'service', serviceJob('h', 'daemon', `${PLUGINS}daemonizes.sh ${pidFile}`, { timeout: 20 }));
    await exactlyOnce(c, ['daemon'], 20_000);
    const r = c.find('h', 'daemon');
    assert.equal(r?.returnCode, 0);
    assert.match(r?.output ?? '', /^OK - daemon started/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });

  test('three workers share a queue; one SIGKILLed mid-check; gearmand hands its jobs to the others; every result arrives', async () => {
    const g = await gearmand();
    const c = collector(g);
    const args = [`server=127.0.0.1:${g.port}`, 'max-worker=3'];
    const workers = [await worker([...args, 'identifier=w1']), await worker([...args, 'identifier=w2']), await worker([...args, 'identifier=w3'])];
    const names = Array.from({ length: 24 }, (_, i) => `shared${i}`);
    const cl = client(g);
    for (const s of names) await submitJob(cl, codec, 'service', serviceJob('h', s, `${PLUGINS}slow-ok.sh 1`));
    const victim = workers[2] as WorkerProcess;
    await waitFor(() => jobStarts(victim) >= 1 && workers.every((w) => jobStarts(w) > 0), { timeoutMs: 15_000, message: 'all three workers busy' });
    await victim.stop('SIGKILL');
    await exactlyOnce(c, names, 60_000);
    for (const w of workers.slice(0, 2)) assert.ok(jobStarts(w) >= 3, `each survivor took a share: ${workers.map(jobStarts).join(', ')}`);
  });
});
