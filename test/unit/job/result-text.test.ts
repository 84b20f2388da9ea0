import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildPassiveResultText, buildResultText, parseResultText } from '../../../src/job/result-text.js';
import type { CheckResultInput } from '../../../src/job/result-text.js';
import { hasCode, isMgError } from '../../../src/errors.js';
import { loadGoldenCaptures } from '../../helpers/golden.js';
import { randomText, seededRandom } from '../../helpers/prng.js';

const captures = loadGoldenCaptures();
const results = captures.filter((c) => c.kind === 'result');
const passives = captures.filter((c) => c.kind === 'passive');

const BASE: CheckResultInput = {
  hostName: 'h1',
  coreStartTime: 1795347312,
  startTime: 1795347352.772192,
  finishTime: 1795347352.774000,
  returnCode: 0,
  identifier: 'vm',
  output: '',
};

// The C 3.3.3 quirks our worker does not copy (fixtures/golden/README.md): a no-break space after
// `@`, and for a timed-out check `source=(null)` plus one more trailing LF.
function withoutCQuirks(text: string, identifier: string): string {
  return text
    .replace('source=Mod-Gearman Worker @\u00a0', 'source=Mod-Gearman Worker @ ')
    .replace('source=(null)\n', `source=Mod-Gearman Worker @ ${identifier}\n`)
    .replace(/\n\n\n\n\n$/, '\n\n\n\n');
}

describe('golden result captures (C worker 3.3.3)', () => {
  test('there are 30', () => assert.equal(results.length, 30));

  for (const c of results) {
    test(`${c.file}: parses, and our text for the same check is the C text without its quirks`, () => {
      const text = c.plaintext.toString('utf8');
      const r = parseResultText(text);
      assert.ok(r.hostName === 'h1' || r.hostName === 'h3_hg');
      assert.equal(r.exitedOk, 1);
      assert.equal(r.passive, false);
      assert.deepEqual(r.unknown, []);
      assert.ok(r.startTime! <= r.finishTime!);
      assert.ok(r.coreStartTime! < r.startTime!);
      assert.equal(r.serviceDescription === undefined, c.file.endsWith('-h1.txt') || c.file.endsWith('-h3_hg.txt'));
      assert.match(r.source ?? '', /^(Mod-Gearman Worker @\u00a0vm|\(null\))$/);
      if (c.file.includes('stderr_plugin')) {
        assert.equal(r.output, 'CRITICAL - stdout part of stderr plugin\n\n[this goes to stderr] ');
      }
      if (c.file.includes('perfdata_multiline')) assert.equal(r.output.split('\n').length, 5);

      const ours = buildResultText({
        hostName: r.hostName,
        serviceDescription: r.serviceDescription,
        coreStartTime: r.coreStartTime!,
        startTime: r.startTime!,
        finishTime: r.finishTime!,
        returnCode: r.returnCode,
        identifier: 'vm',
        output: r.output,
      });
      assert.equal(ours, withoutCQuirks(text, 'vm'));
      // Keys and values compare equal too (source aside), as the NEB reads them.
      const back = parseResultText(ours);
      assert.deepEqual({ ...back.raw, source: undefined }, { ...r.raw, source: undefined });
    });
  }

  test('the stderr capture is rebuilt from stdout and stderr separately', () => {
    const c = results.find((x) => x.file.includes('longkey-result-h1-stderr_plugin'))!;
    const r = parseResultText(c.plaintext.toString('utf8'));
    const ours = buildResultText({
      ...BASE,
      serviceDescription: 'stderr_plugin',
      coreStartTime: r.coreStartTime!,
      startTime: r.startTime!,
      finishTime: r.finishTime!,
      returnCode: 2,
      output: 'CRITICAL - stdout part of stderr plugin\n',
      stderr: '\nthis goes to stderr\n\n',
    });
    assert.equal(ours, withoutCQuirks(c.plaintext.toString('utf8'), 'vm'));
  });
});

describe('buildResultText', () => {
  test('the C layout, with 6-decimal times and a plain space in source', () => {
    assert.equal(
      buildResultText({ ...BASE, serviceDescription: 'svc', output: 'OK: fine\n', returnCode: 1 }),
      'host_name=h1\ncore_start_time=1795347312.000000\nstart_time=1795347352.772192\nfinish_time=1795347352.774000\n' +
        'return_code=1\nexited_ok=1\nsource=Mod-Gearman Worker @ vm\nservice_description=svc\noutput=OK: fine\\n\n\n\n\n',
    );
  });

  test('host results have no service_description; passive copies start with type=passive', () => {
    const host = buildResultText({ ...BASE, output: 'UP' });
    assert.ok(!host.includes('service_description'));
    const passive = buildResultText({ ...BASE, output: 'UP', passive: true });
    assert.equal(passive, `type=passive\n${host}`);
    assert.equal(parseResultText(passive).passive, true);
    assert.equal(buildResultText({ ...BASE, serviceDescription: '', output: 'x' }), buildResultText({ ...BASE, output: 'x' }));
  });

  test('escapes backslashes and newlines, keeps CR; parse gives the output back', () => {
    const outputs = ['a\\b', 'line1\nline2\n', 'C:\\new\\n', 'win\r\nline\r\n', '\\\\n', 'tab\there', 'ünï©ødé', ''];
    for (const output of outputs) {
      const text = buildResultText({ ...BASE, output });
      assert.equal(text.split('\n').length, 12, JSON.stringify(output));
      assert.equal(parseResultText(text).output, output);
    }
    assert.match(buildResultText({ ...BASE, output: 'a\\b\nc\rd' }), /^output=a\\\\b\\nc\rd\n\n\n\n$/m);
  });

  test('stderr: trimmed, appended as \\n[<stderr>] only when non-empty', () => {
    const out = (stderr: string | undefined) => parseResultText(buildResultText({ ...BASE, output: 'OK\n', stderr })).output;
    assert.equal(out(undefined), 'OK\n');
    assert.equal(out(''), 'OK\n');
    assert.equal(out(' \n\t\r\n'), 'OK\n');
    assert.equal(out('  oops\n'), 'OK\n\n[oops] ');
    assert.equal(out('two\nlines\\x\n'), 'OK\n\n[two\nlines\\x] ');
    assert.match(buildResultText({ ...BASE, output: 'OK\n', stderr: 'e' }), /^output=OK\\n\\n\[e\] \n\n\n\n$/m);
  });

  test('times render with exactly six decimals, without float drift', () => {
    const text = buildResultText({ ...BASE, coreStartTime: 0, startTime: 1795347352.1, finishTime: 1795347352.999999 });
    assert.match(text, /^core_start_time=0\.000000$/m);
    assert.match(text, /^start_time=1795347352\.100000$/m);
    assert.match(text, /^finish_time=1795347352\.999999$/m);
  });

  test('refuses values that would break the text', () => {
    const bad = (patch: Partial<CheckResultInput>) =>
      assert.throws(() => buildResultText({ ...BASE, ...patch }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
    bad({ hostName: '' });
    bad({ hostName: 'a\nb' });
    bad({ serviceDescription: 'a\0b' });
    bad({ identifier: 'x\ny' });
    bad({ returnCode: 1.5 });
    bad({ startTime: Number.POSITIVE_INFINITY });
  });
});

describe('buildPassiveResultText (send_gearman / send_multi)', () => {
  test('rebuilds both send_gearman captures byte for byte', () => {
    assert.equal(passives.length, 2);
    for (const c of passives) {
      const text = c.plaintext.toString('utf8');
      const r = parseResultText(text);
      assert.equal(r.passive, true);
      assert.equal(r.source, 'send_gearman');
      assert.equal(r.returnCode, 1);
      assert.equal(r.output, 'OK passive test|v=1');
      const ours = buildPassiveResultText({
        hostName: r.hostName,
        serviceDescription: r.serviceDescription,
        startTime: r.startTime!,
        finishTime: r.finishTime!,
        latency: r.latency,
        returnCode: r.returnCode,
        output: r.output,
      });
      assert.equal(ours, text, c.file);
    }
  });

  test('send_multi: no latency, its own source; --active; multi-line output escaped', () => {
    const text = buildPassiveResultText({
      hostName: 'h', serviceDescription: 'child', startTime: 10, finishTime: 10.5, returnCode: 2,
      source: 'send_multi', output: 'CRIT\nmore', active: true,
    });
    assert.equal(
      text,
      'type=active\nhost_name=h\nstart_time=10.000000\nfinish_time=10.500000\nreturn_code=2\nsource=send_multi\n' +
        'service_description=child\noutput=CRIT\\nmore\n\n',
    );
    assert.equal(parseResultText(text).passive, false);
  });
});

describe('parseResultText', () => {
  const invalid = (text: string, what: RegExp) =>
    assert.throws(() => parseResultText(text), (e: unknown) => hasCode(e, 'MG_ERR_JOB_INVALID') && what.test(e.message));

  test('requires host_name and output', () => {
    invalid('', /no host_name/);
    invalid('output=x\n', /no host_name/);
    invalid('host_name=h\nreturn_code=0\n', /no output/);
  });

  test('stops at the first empty value, but an empty output is read', () => {
    invalid('host_name=h\nreturn_code=\noutput=x\n', /no output/);
    invalid('host_name=h\nbroken line\noutput=x\n', /no output/);
    const r = parseResultText('host_name=h\noutput=\nreturn_code=2\n\n');
    assert.equal(r.output, '');
    assert.equal(r.returnCode, 2);
  });

  test('no trimming, unknown keys collected, defaults', () => {
    const r = parseResultText('host_name= h \nfoo=1\noutput=a=b \n\n');
    assert.equal(r.hostName, ' h ');
    assert.equal(r.output, 'a=b ');
    assert.deepEqual(r.unknown, ['foo']);
    assert.equal(r.returnCode, 0);
    assert.equal(r.passive, false);
  });

  test('reads every key the NEB reads', () => {
    const r = parseResultText(
      'type=passive\nhost_name=h\nservice_description=s\ncore_start_time=1.5\nstart_time=2.25\nfinish_time=3\n' +
        'latency=0.1\nreturn_code=3\nexited_ok=1\nearly_timeout=1\ncheck_options=4\nscheduled_check=1\n' +
        'reschedule_check=1\nsource=me\noutput=x\\ny\n\n',
    );
    assert.deepEqual(
      { ...r, raw: undefined },
      {
        raw: undefined, unknown: [], type: 'passive', passive: true, hostName: 'h', serviceDescription: 's',
        coreStartTime: 1.5, startTime: 2.25, finishTime: 3, latency: 0.1, returnCode: 3, exitedOk: 1,
        earlyTimeout: 1, checkOptions: 4, scheduledCheck: 1, rescheduleCheck: 1, source: 'me', output: 'x\ny',
      },
    );
    assert.equal(r.raw.output, 'x\\ny');
  });
});

test('parseResultText throws only MgError for random text (seeded)', () => {
  const random = seededRandom(7);
  const alphabet = 'host_name=output\n=\\n\0\r x';
  for (let i = 0; i < 500; i++) {
    const text = randomText(random, alphabet, 120);
    try {
      parseResultText(text);
    } catch (e) {
      assert.ok(isMgError(e) && e.code === 'MG_ERR_JOB_INVALID', String(e));
    }
  }
});
