// send_gearman against a real gearmand: the C tool's golden captures reproduced byte for byte (clear and
// encrypted), results read back with our own result reader, batch input with bad lines, a dead server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PayloadCodec } from '../../src/job/crypto.js';
import { parseResultText } from '../../src/job/result-text.js';
import { freePort, startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { loadGoldenCaptures } from '../helpers/golden.js';
import { PayloadCatcher } from '../helpers/payload-catcher.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { runToolProcess } from '../helpers/run-tool.js';
import { tmpConfig } from '../unit/config/tmp-config.js';

const KEY = 'send-gearman-test-key-0123456789';

describe('send_gearman against gearmand', () => {
  let gearmand: Gearmand;
  let server: string;

  before(async () => {
    gearmand = await startGearmand();
    server = `127.0.0.1:${gearmand.port}`;
  });
  after(() => gearmand?.stop());

  for (const capture of loadGoldenCaptures().filter((c) => c.kind === 'passive')) {
    test(`reproduces the C capture ${capture.file} byte for byte`, async () => {
      const text = capture.plaintext.toString('utf8');
      const time = /^start_time=(\S+)$/m.exec(text)?.[1] ?? '';
      const queue = `golden_${capture.encrypted ? 'enc' : 'clear'}`;
      const catcher = new PayloadCatcher([gearmand.address], queue);
      try {
        const r = await runToolProcess('send-gearman', [
          `--server=${server}`, `--encryption=${capture.encrypted ? 'yes' : 'no'}`, `--key=${capture.key}`, '--host=h1', '--service=s1',
          '--message=OK passive test|v=1', '--returncode=1', `--result_queue=${queue}`, `--starttime=${time}`, `--finishtime=${time}`,
        ]);
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
        const [payload] = await catcher.waitFor(1);
        assert.equal(payload, capture.base64, 'the workload is the C tool\'s, byte for byte');
        const decoded = new PayloadCodec({ encryption: capture.encrypted, key: capture.key }).decode(payload as string);
        assert.equal(decoded, text);
        const parsed = parseResultText(decoded);
        assert.deepEqual([parsed.hostName, parsed.serviceDescription, parsed.returnCode, parsed.output, parsed.passive, parsed.source], ['h1', 's1', 1, 'OK passive test|v=1', true, 'send_gearman']);
      } finally {
        await catcher.close();
      }
    });
  }

  test('batch: every good line is sent, bad lines are reported with their number, exit 3', async () => {
    const results = new ResultCollector([gearmand.address], { queue: 'batch_results', key: KEY });
    try {
      const input = ['web1\tbackup\t2\tCRITICAL - disk full', 'no return code here', 'web2\t0\tUP - host ok\twith a tab', '', 'web3\tsvc\t9\tbad rc', 'web1\thttp\t1\tWARNING - slow\\nsecond line'].join('\n');
      const r = await runToolProcess('send-gearman', [`--server=${server}`, `--key=${KEY}`, '--result_queue=batch_results'], { stdin: `${input}\n` });
      assert.equal(r.code, 3);
      assert.equal(r.stdout, '3 data packet(s) sent to host successfully.\n');
      assert.match(r.stderr, /^send_gearman: line 2: expected host<TAB>\[service<TAB>\]returncode<TAB>output, got 1 field: "no return code here"$/m);
      assert.match(r.stderr, /^send_gearman: line 5: .*got no return code 0-3: "web3\\tsvc\\t9\\tbad rc"$/m);
      await results.waitFor(3);
      const crit = results.find('web1', 'backup');
      assert.deepEqual([crit?.returnCode, crit?.output, crit?.passive, crit?.latency], [2, 'CRITICAL - disk full', true, 0]);
      assert.deepEqual([results.find('web2')?.returnCode, results.find('web2')?.output], [0, 'UP - host ok\twith a tab']);
      assert.equal(results.find('web1', 'http')?.output, 'WARNING - slow\\nsecond line', 'a backslash travels as it was written');
    } finally {
      await results.close();
    }
  });

  test('--host without --message reads the output from stdin; --active, --latency, -r and a config file', async () => {
    const dir = tmpConfig({ 'send.cfg': `server=${server}\nkey=${KEY}\nresult_queue=stdin_results\n` });
    const results = new ResultCollector([gearmand.address], { queue: 'stdin_results', key: KEY });
    try {
      const r = await runToolProcess('send-gearman', [`--config=${join(dir, 'send.cfg')}`, '--host=db1', '--active', '--latency=1.5', '-r=2'], { stdin: 'line one\nline two\n' });
      assert.deepEqual([r.code, r.stderr], [0, '']);
      const [got] = await results.waitFor(1);
      assert.deepEqual([got?.hostName, got?.serviceDescription, got?.output, got?.returnCode, got?.passive, got?.type, got?.latency], ['db1', undefined, 'line one\nline two', 2, false, 'active', 1.5]);
      assert.match(got?.text ?? '', /\nlatency=1\.500000\n/);
    } finally {
      await results.close();
    }
  });

  test('a dead job server: "sending job to gearmand failed", exit 3; no input: exit 3', async () => {
    const port = await freePort();
    const dead = await runToolProcess('send-gearman', [`--server=127.0.0.1:${port}`, '--host=h', '--message=m', '-t', '2']);
    assert.equal(dead.code, 3);
    assert.match(dead.stdout, /^sending job to gearmand failed: .*127\.0\.0\.1:\d+/);
    const quiet = await runToolProcess('send-gearman', [`--server=${server}`, '--host=h', '-t', '0.5'], { stdin: '' });
    assert.deepEqual([quiet.code, quiet.stdout], [3, 'got no input! Either send plugin output to stdin or use --message=...\n']);
  });

  test('--retries: a result survives a job server restart that ends within the retries', async () => {
    const results = new ResultCollector([gearmand.address], { queue: 'retry_results', key: KEY });
    try {
      await gearmand.stop();
      const running = runToolProcess('send-gearman', [`--server=${server}`, `--key=${KEY}`, '--result_queue=retry_results', '--host=r', '--message=late', '--retries=20', '--retry-interval=0.5', '-t', '2']);
      await new Promise((r) => setTimeout(r, 1_500));
      await gearmand.restart();
      const r = await running;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal((await results.waitFor(1))[0]?.output, 'late');
    } finally {
      await results.close();
    }
  });

  test('a keyfile is read the C way (first line, trimmed)', async () => {
    const dir = tmpConfig({});
    const keyfile = join(dir, 'key');
    writeFileSync(keyfile, `${KEY}  \nsecond line ignored\n`);
    const results = new ResultCollector([gearmand.address], { queue: 'keyfile_results', key: KEY });
    try {
      const r = await runToolProcess('send-gearman', [`--server=${server}`, `--keyfile=${keyfile}`, '--result_queue=keyfile_results', '--host=k', '--message=ok']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal((await results.waitFor(1))[0]?.output, 'ok');
    } finally {
      await results.close();
    }
  });
});
