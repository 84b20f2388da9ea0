import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeXml, parseMultiReport } from '../../../../src/tools/send-multi/multi-xml.js';

const REPORT = readFileSync(new URL('../../../fixtures/tools/check_multi_report.xml', import.meta.url), 'utf8');

test('children of a check_multi report: parent skipped, stderr appended, perfdata prefixed, entities decoded', () => {
  const report = parseMultiReport(REPORT);
  assert.equal(report.noChildren, false);
  assert.deepEqual(report.blocks, [
    { ok: true, child: { no: '1', name: 'load', returnCode: 0, runtime: 0.05, output: 'OK - load average: 0.10, 0.20, 0.30|load::check_load::load1=0.100;5.000;10.000;0; load5=0.200;4.000;8.000;0;' } },
    {
      ok: true,
      child: {
        no: '2',
        name: 'disk',
        returnCode: 2,
        runtime: 0.125,
        output: "DISK CRITICAL - /var is 97% full & growing > limit | see docs [df: /mnt/stale: Stale file handle]|'disk::check_disk::/var'=970MB;800;900;0;1000",
      },
    },
    { ok: false, no: '3', reason: 'missing <error>' },
    { ok: true, child: { no: '4', name: 'users', returnCode: 1, runtime: 0.02, output: 'USERS WARNING - 12 users currently logged in' } },
  ]);
});

test('input without children; an unclosed child; performance without pplugin', () => {
  assert.deepEqual(parseMultiReport('check_multi: no such file'), { blocks: [], noChildren: true });
  assert.deepEqual(parseMultiReport('<CHILD><no>1</no>'), { blocks: [{ ok: false, no: undefined, reason: 'no closing tag </CHILD>' }], noChildren: false });
  const child = '<CHILD><no>5</no><name>x</name><rc>0</rc><runtime>1</runtime><output>o</output><error></error><performance>a=1</performance></CHILD>';
  assert.deepEqual(parseMultiReport(child).blocks, [{ ok: false, no: '5', reason: 'missing <pplugin> next to <performance>' }]);
  assert.deepEqual(parseMultiReport(child.replace('<name>x', '<name>')).blocks, [{ ok: false, no: '5', reason: 'empty <name>: no service to send the result for' }]);
  assert.deepEqual(parseMultiReport(child.replace('<output>o', '<output>o\0')).blocks, [{ ok: false, no: '5', reason: 'a NUL byte cannot be sent in a result' }]);
  assert.deepEqual(parseMultiReport(child.replace('<rc>0', '<rc>x')).blocks, [{ ok: false, no: '5', reason: '<rc> is not a return code: "x"' }]);
});

test('decodeXml knows the five entities check_multi writes, once each', () => {
  assert.equal(decodeXml('&lt;b&gt; &amp;amp; &#039;q&#039; &#124; &quot;'), "<b> &amp; 'q' | &quot;");
});
