// A job gearmand hands out again while this worker still runs it (its connection dropped, the worker
// reconnected) is not run twice, and its result is sent once. A TCP relay between worker and gearmand cuts the
// connection mid-check; a real gearmand requeues the job and gives it back to the same worker.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { getStatus } from '../../src/gearman/admin.js';
import { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { buildJobText } from '../../src/job/job-text.js';
import { startGearmand } from '../helpers/gearmand.js';
import { PLUGINS, serviceJob } from '../helpers/jobs.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait-for.js';
import { startWorker } from '../helpers/worker-process.js';

const KEY = 'duplicates-test-key-0123456789ab';

test('a job requeued by gearmand while it runs here is not run twice; one result', async () => {
  const g = await startGearmand();
  const proxy = await startTcpProxy(g.address);
  const results = new ResultCollector([g.address], { key: KEY });
  const client = new GearmanClient({ servers: [g.address] });
  const w = await startWorker([`server=127.0.0.1:${proxy.port}`, `key=${KEY}`, 'services=yes', 'max-worker=4', 'debug=1']);
  after(() => Promise.allSettled([w.stop('SIGKILL'), results.close(), client.close(), proxy.close()]).then(() => g.stop()));

  const codec = new PayloadCodec({ encryption: true, key: KEY });
  // The NEB submits with a unique id per check; gearmand hands the same id out again.
  const job = buildJobText(serviceJob('h', 'requeued', `${PLUGINS}slow-ok.sh 4`));
  await client.submitBackground('service', codec.encode(job), { unique: 'h-requeued' });
  const starts = (): Record<string, unknown>[] => w.logLines().filter((l) => l.msg === 'job:start');
  await waitFor(() => starts().length === 1, { timeoutMs: 15_000, message: 'the check started' });
  assert.equal(starts()[0]?.unique, 'h-requeued', 'the GRAB_JOB_UNIQ id is logged');

  proxy.cut();
  const dup = await w.waitForLog('job:duplicate', 15_000);
  assert.equal(dup.unique, 'h-requeued');
  await results.waitFor(1, 20_000);
  // Give a second run's result time to show up, if there were one.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(results.results.length, 1);
  assert.equal(results.results[0]?.serviceDescription, 'requeued');
  assert.equal(starts().length, 1, 'the check ran once');
  // gearmand has nothing left: the requeued copy was completed.
  await waitFor(async () => {
    const q = (await getStatus(g.address)).find((s) => s.name === 'service');
    return q !== undefined && q.total === 0 && q.running === 0;
  }, { timeoutMs: 10_000, message: 'service queue empty' });
});
