// send_multi against a real gearmand: a check_multi report becomes one passive result per child, read back
// with our own result reader and compared with the C tool's result text; an invalid child is reported.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGearmand, type Gearmand } from '../helpers/gearmand.js';
import { ResultCollector } from '../helpers/result-collector.js';
import { runToolProcess } from '../helpers/run-tool.js';

const REPORT = readFileSync(new URL('../fixtures/tools/check_multi_report.xml', import.meta.url), 'utf8');
const KEY = 'send-multi-key';

describe('send_multi against gearmand', () => {
  let gearmand: Gearmand;
  let results: ResultCollector;

  before(async () => {
    gearmand = await startGearmand();
    results = new ResultCollector([gearmand.address], { key: KEY });
  });
  after(async () => {
    await results?.close();
    await gearmand?.stop();
  });

  test('every valid child is submitted as the C result text; the invalid one is reported', async () => {
    const r = await runToolProcess('send-multi', [`--server=127.0.0.1:${gearmand.port}`, `--key=${KEY}`, '--host=multi-host'], { stdin: REPORT });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'send_multi WARNING: 3 check_multi child checks submitted, 1 skipped\n');
    assert.equal(r.stderr, 'send_multi: child 3 skipped: missing <error>\n');
    await results.waitFor(3);
    const expected: [string, number, string, number][] = [
      ['load', 0, 'OK - load average: 0.10, 0.20, 0.30|load::check_load::load1=0.100;5.000;10.000;0; load5=0.200;4.000;8.000;0;', 0.05],
      ['disk', 2, "DISK CRITICAL - /var is 97% full & growing > limit | see docs [df: /mnt/stale: Stale file handle]|'disk::check_disk::/var'=970MB;800;900;0;1000", 0.125],
      ['users', 1, 'USERS WARNING - 12 users currently logged in', 0.02],
    ];
    for (const [service, rc, output, runtime] of expected) {
      const got = results.find('multi-host', service);
      assert.ok(got !== undefined, `result for ${service}`);
      const start = got.raw.start_time ?? '';
      const finish = got.raw.finish_time ?? '';
      assert.equal(
        got.text,
        `type=passive\nhost_name=multi-host\nstart_time=${start}\nfinish_time=${finish}\nreturn_code=${rc}\nsource=send_multi\nservice_description=${service}\noutput=${output}\n\n`,
      );
      assert.equal(got.output, output);
      assert.ok(Math.abs((got.finishTime ?? 0) - (got.startTime ?? 0) - runtime) < 1e-5, `start = finish - runtime for ${service}`);
    }
  });

  test('OK when all children are fine; UNKNOWN for an error message instead of XML; no --host', async () => {
    const onlyGood = REPORT.replace(/<CHILD>\s*<no>3<\/no>[\s\S]*?<\/CHILD>/, '');
    const ok = await runToolProcess('send-multi', [`--server=127.0.0.1:${gearmand.port}`, `--key=${KEY}`, '--host=h2'], { stdin: onlyGood });
    assert.deepEqual([ok.code, ok.stdout], [0, 'send_multi OK: 3 check_multi child checks submitted\n']);
    const msg = await runToolProcess('send-multi', [`--server=127.0.0.1:${gearmand.port}`, '--host=h3'], { stdin: 'check_multi: cannot read config\n' });
    assert.deepEqual([msg.code, msg.stdout], [3, 'send_multi UNKNOWN: error msg in input buffer: check_multi: cannot read config\n']);
    const noHost = await runToolProcess('send-multi', [`--server=127.0.0.1:${gearmand.port}`], { stdin: REPORT });
    assert.deepEqual([noHost.code, noHost.stdout], [3, 'got no hostname, please use --host=...\n']);
    await results.waitFor(6);
  });
});
