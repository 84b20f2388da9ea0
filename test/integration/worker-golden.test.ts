// Golden end-to-end: every job the Nagios 4 NEB module put into gearmand (fixtures/golden) is submitted, exactly
// as captured apart from two rewrites, to a real gearmand; our worker runs it and its result must read like the
// C worker's result for the same job: the same keys, host, service, core_start_time, return code and output.
// Rewrites: the plugins' folder /opt/mg-e2e/plugins → a temp copy of fixtures/golden/plugins, and the timeout
// job's timeout 5 → 1 (to keep the suite fast). Differences the fixture README names are masked: times, pids,
// file ages, and the C quirks (no-break space in source, `source=(null)` on timeouts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { parseJobText } from '../../src/job/job-text.js';
import { parseResultText, type ParsedResult } from '../../src/job/result-text.js';
import { startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { GOLDEN_DIR, loadGoldenCaptures, type GoldenCapture } from '../helpers/golden.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.js';

const ID = 'vm';

/** Masks what legitimately differs between two runs of the same check. */
function normalise(output: string): string {
  return output
    .replace(/\(pid \d+\)/g, '(pid N)')
    .replace(/is \d+ seconds old/g, 'is N seconds old')
    .replace(/age=\d+s/g, 'age=Ns');
}

for (const keyTag of ['longkey', 'shortkey']) {
  describe(`golden jobs (${keyTag})`, () => {
    const captures = loadGoldenCaptures().filter((c) => c.keyTag === keyTag);
    const jobs = captures.filter((c) => c.kind === 'job');
    const cResults = captures.filter((c) => c.kind === 'result').map((c) => parseResultText(c.plaintext.toString('utf8')));
    const key = (jobs[0] as GoldenCapture).key;
    const tmp = mkdtempSync(join(tmpdir(), 'mg-golden-'));
    const pluginDir = join(tmp, 'plugins');
    let gearmand: Gearmand;
    let worker: WorkerProcess;
    let client: GearmanClient;
    let results: ResultCollector;

    before(async () => {
      cpSync(join(GOLDEN_DIR, 'plugins'), pluginDir, { recursive: true });
      mkdirSync(join(tmp, 'run'));
      gearmand = await startGearmand();
      worker = await startWorker([
        `server=127.0.0.1:${gearmand.port}`,
        `key=${key}`,
        `identifier=${ID}`,
        'hosts=yes',
        'services=yes',
        'eventhandler=yes',
        'hostgroups=hg_queue,special',
        'servicegroups=sg_queue',
        'timeout_return=2', // the C worker's default, which produced the captures
        'kill_grace_period=1',
      ]);
      client = new GearmanClient({ servers: [gearmand.address] });
      results = new ResultCollector([gearmand.address], { key });
      const codec = new PayloadCodec({ encryption: true, key });
      for (const job of jobs) {
        const text = job.plaintext
          .toString('utf8')
          .replaceAll('/opt/mg-e2e/plugins', pluginDir)
          .replace(/^timeout=5$/m, job.file.includes('timeout_plugin') ? 'timeout=1' : 'timeout=5');
        await client.submitBackground(job.queue, codec.encode(text));
      }
    });

    after(async () => {
      await worker?.stop('SIGTERM');
      await results?.close();
      await client?.close();
      await gearmand?.stop();
    });

    test(`every ${keyTag} job is answered like the C worker answered it`, async () => {
      const expected = jobs.filter((j) => parseJobText(j.plaintext.toString('utf8')).resultQueue !== undefined).length;
      assert.equal(expected, cResults.length, 'one C result per check job');
      await results.waitFor(expected, 20_000);
      for (const c of cResults) {
        const ours = results.find(c.hostName, c.serviceDescription);
        assert.ok(ours, `result for ${c.hostName}/${c.serviceDescription ?? '(host)'}`);
        const what = `${c.hostName}/${c.serviceDescription ?? '(host)'}`;
        assert.deepEqual(keysOf(ours), keysOf(c), `${what}: keys`);
        assert.equal(ours.coreStartTime, c.coreStartTime, `${what}: core_start_time`);
        assert.equal(ours.returnCode, c.returnCode, `${what}: return_code`);
        assert.equal(ours.exitedOk, 1);
        assert.equal(ours.source, `Mod-Gearman Worker @ ${ID}`);
        if (c.source === '(null)') {
          // The C timeout result: our text is the same message, plus the partial output C threw away.
          assert.match(ours.output, /^\(Service Check Timed Out On Worker: vm\)/, what);
          assert.match(c.output, /^\(Service Check Timed Out On Worker: vm\)/);
        } else {
          assert.equal(normalise(ours.output), normalise(c.output), `${what}: output`);
        }
      }
    });

    test(`the ${keyTag} event handler ran and sent no result`, async () => {
      const log = join(tmp, 'run', 'eventhandler.log');
      await waitFor(() => existsSync(log), { message: 'event handler log written' });
      assert.match(readFileSync(log, 'utf8'), /eventhandler host=h1 service=eventhandler_trigger state=CRITICAL type=SOFT attempt=1 pid=\d+/);
      await new Promise((r) => setTimeout(r, 300)); // room for a wrongly sent result to arrive
      assert.equal(results.results.length, cResults.length, 'exactly one result per check job, none for the event handler');
    });
  });
}

function keysOf(r: ParsedResult): string[] {
  return Object.keys(r.raw).sort();
}
