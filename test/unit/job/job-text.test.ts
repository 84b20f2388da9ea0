import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { buildJobText, coreStartTimeOf, parseJobText, validateJob } from '../../../src/job/job-text.js';
import type { JobTextInput, ParsedJob } from '../../../src/job/job-text.js';
import { formatSeconds6 } from '../../../src/job/numbers.js';
import { hasCode, isMgError } from '../../../src/errors.js';
import { loadGoldenCaptures } from '../../helpers/golden.js';
import { randomText, seededRandom } from '../../helpers/prng.js';

const jobs = loadGoldenCaptures().filter((c) => c.kind === 'job');

// Rebuilds a JobTextInput from what was parsed, keeping times as their raw strings.
function inputFromParsed(job: ParsedJob): JobTextInput {
  const v = validateJob(job);
  return {
    type: v.type,
    commandLine: v.commandLine,
    hostName: v.hostName,
    serviceDescription: v.serviceDescription,
    resultQueue: v.resultQueue,
    targetQueue: v.targetQueue,
    startTime: job.raw.start_time,
    nextCheck: job.raw.next_check,
    coreTime: job.raw.core_time,
    timeout: v.timeout,
    contact: v.contact,
    pluginOutput: v.pluginOutput,
    longPluginOutput: v.longPluginOutput,
  };
}

describe('golden job captures', () => {
  test('there are 32', () => assert.equal(jobs.length, 32));

  for (const c of jobs) {
    test(`${c.file}: parses, validates and rebuilds byte for byte`, () => {
      const text = c.plaintext.toString('utf8');
      const job = validateJob(parseJobText(text));
      // The file name says the type: NN-keytag-TYPE-...
      assert.equal(job.type, c.file.split('-')[2]);
      assert.deepEqual(job.unknown, []);
      // Every line up to the blank terminator was recognised.
      assert.equal(job.recognised, text.split('\n\n')[0]!.split('\n').length);
      assert.match(job.commandLine, /^\//);
      assert.ok(job.coreTime !== undefined && job.coreTime > 1.7e9);
      assert.equal(formatSeconds6(job.coreTime), job.raw.core_time);
      if (job.type === 'host' || job.type === 'service') {
        assert.equal(job.resultQueue, 'check_results');
        assert.ok(job.hostName === 'h1' || job.hostName === 'h3_hg');
        assert.equal(job.timeout, 5);
        assert.equal(job.nextCheck, Number(job.raw.next_check));
        assert.equal(coreStartTimeOf(job), job.nextCheck);
      } else {
        assert.equal(job.resultQueue, undefined);
        // Event handlers carry start_time only: it stands in for next_check (legacy rule).
        assert.equal(job.nextCheck, job.startTime);
      }
      if (job.type === 'service') assert.ok(job.serviceDescription);
      assert.equal(buildJobText(inputFromParsed(job)), text);
    });
  }
});

describe('parseJobText', () => {
  test('reads every key with its type', () => {
    const job = parseJobText(
      [
        'type=notification', 'result_queue=rq', 'target_queue=service', 'host_name=h', 'service_description=s d',
        'check_options=16', 'scheduled_check=1', 'reschedule_check=1', 'latency=0.25', 'next_check=1700000000.5',
        'core_time=1700000001.000001', 'timeout=60', 'contact=admin', 'command_line=/bin/x "a b"',
        'plugin_output=OK: out', 'long_plugin_output=line1\\nline2', '', '',
      ].join('\n'),
    );
    assert.deepEqual(
      { ...job, raw: undefined },
      {
        raw: undefined, unknown: [], recognised: 16,
        type: 'notification', resultQueue: 'rq', targetQueue: 'service', hostName: 'h', serviceDescription: 's d',
        checkOptions: 16, scheduledCheck: 1, rescheduleCheck: 1, latency: 0.25, nextCheck: 1700000000.5,
        coreTime: 1700000001.000001, timeout: 60, contact: 'admin', commandLine: '/bin/x "a b"',
        pluginOutput: 'OK: out', longPluginOutput: 'line1\\nline2',
      },
    );
    assert.equal(job.raw.core_time, '1700000001.000001');
  });

  test('stops at the first empty value (C rule), so the terminator and anything after it is ignored', () => {
    const job = parseJobText('type=host\nhost_name=\ncommand_line=/bin/true\n');
    assert.equal(job.type, 'host');
    assert.equal(job.commandLine, undefined);
    const after = parseJobText('type=host\ncommand_line=/bin/true\n\n\nhost_name=late\n');
    assert.equal(after.hostName, undefined);
    assert.equal(after.recognised, 2);
  });

  test('stops at a line without "=" (C strsep gives no value there; Go would skip it)', () => {
    const job = parseJobText('type=host\ngarbage line\ncommand_line=/bin/true\n');
    assert.equal(job.type, 'host');
    assert.equal(job.commandLine, undefined);
  });

  test('value keeps later "=" signs; key and value are trimmed of spaces only', () => {
    const job = parseJobText(' command_line = /bin/check --x=1 a=b \ntype=\tservice\n');
    assert.equal(job.commandLine, '/bin/check --x=1 a=b');
    assert.equal(job.type, '\tservice');
  });

  test('unknown keys are ignored but collected; a repeated key: last wins', () => {
    const job = parseJobText('type=service\nfoo=1\n__proto__=x\nhost_name=a\nhost_name=b\ncommand_line=c\n');
    assert.deepEqual(job.unknown, ['foo', '__proto__']);
    assert.equal(job.hostName, 'b');
    assert.equal(job.recognised, 4);
    assert.equal(Object.getPrototypeOf(job.raw), Object.prototype);
  });

  test('start_time (legacy) fills next_check and core_time when they are absent', () => {
    const only = parseJobText('type=service\nstart_time=1700000000.0\ncommand_line=x\n');
    assert.equal(only.nextCheck, 1700000000);
    assert.equal(only.coreTime, 1700000000);
    // Explicit keys win whatever their order.
    const both = parseJobText('type=service\nnext_check=5.0\ncore_time=6.5\nstart_time=1.0\ncommand_line=x\n');
    assert.equal(both.nextCheck, 5);
    assert.equal(both.coreTime, 6.5);
    assert.equal(both.startTime, 1);
    assert.equal(coreStartTimeOf(parseJobText('core_time=7.25\n')), 7.25);
    assert.equal(coreStartTimeOf(parseJobText('type=x\n')), 0);
  });

  test('numbers read like atoi/atof: bad → 0, ints truncate', () => {
    const job = parseJobText('timeout=5.7\ncheck_options=abc\nlatency=x\nnext_check=-3\nscheduled_check= 12x\n');
    assert.equal(job.timeout, 5);
    assert.equal(job.checkOptions, 0);
    assert.equal(job.latency, 0);
    assert.equal(job.nextCheck, -3);
    assert.equal(job.scheduledCheck, 12);
  });

  test('CR is kept (neither C nor Go strips it); a text without final LF is read', () => {
    assert.equal(parseJobText('type=host\r\ncommand_line=/bin/x').type, 'host\r');
    assert.equal(parseJobText('type=host\r\ncommand_line=/bin/x').commandLine, '/bin/x');
  });
});

describe('validateJob', () => {
  const invalid = (text: string, wording: RegExp) =>
    assert.throws(() => validateJob(parseJobText(text)), (e: unknown) => hasCode(e, 'MG_ERR_JOB_INVALID') && wording.test(e.message));

  test('no recognised key: the C wording that points at the encryption settings', () => {
    invalid('', /^discarded invalid job, check your encryption settings$/);
    invalid('foo=bar\nbaz=1\n', /check your encryption settings/);
    invalid('\n\ntype=host\n', /check your encryption settings/);
  });

  test('no type or no command line', () => {
    invalid('host_name=h\ncommand_line=/bin/true\n', /no type given/);
    invalid('type=host\nhost_name=h\n', /no command line given/);
  });

  test('returns the job, typed', () => {
    const job = validateJob(parseJobText('type=eventhandler\ncommand_line=/bin/true\n\n\n'));
    assert.equal(job.commandLine.length, 9);
  });
});

describe('buildJobText', () => {
  test('writes the NEB order (v5: target_queue after result_queue) and ends with \\n\\n\\n', () => {
    const text = buildJobText({
      type: 'service', resultQueue: 'check_results', targetQueue: 'service', hostName: 'h1',
      serviceDescription: 'svc', coreTime: 1795347312.335977, timeout: 60, commandLine: '/bin/true',
    });
    assert.equal(
      text,
      'type=service\nresult_queue=check_results\ntarget_queue=service\nhost_name=h1\nservice_description=svc\n' +
        'core_time=1795347312.335977\ntimeout=60\ncommand_line=/bin/true\n\n\n',
    );
    const v5host = buildJobText({ type: 'host', hostName: 'h', coreTime: 1, timeout: 5, commandLine: 'c' });
    assert.equal(v5host, 'type=host\nhost_name=h\ncore_time=1.000000\ntimeout=5\ncommand_line=c\n\n\n');
  });

  test('a notification job in the v3.3.3 order', () => {
    const text = buildJobText({
      type: 'notification', startTime: 1, coreTime: 2, contact: 'admin', commandLine: '/bin/notify',
      pluginOutput: 'CRITICAL', longPluginOutput: 'more\\nlines',
    });
    assert.equal(
      text,
      'type=notification\nstart_time=1.000000\ncore_time=2.000000\ncontact=admin\ncommand_line=/bin/notify\n' +
        'plugin_output=CRITICAL\nlong_plugin_output=more\\nlines\n\n\n',
    );
  });

  test('round-trips through parseJobText', () => {
    const input: JobTextInput = {
      type: 'service', resultQueue: 'q', hostName: 'h', serviceDescription: 's', nextCheck: 1795347352.772192,
      coreTime: 1795347352.000001, timeout: 30, latency: 0.5, checkOptions: 2, commandLine: '/x "y"',
    };
    const job = validateJob(parseJobText(buildJobText(input)));
    for (const [k, v] of Object.entries(input)) assert.equal(job[k as keyof typeof job], v, k);
  });

  test('refuses values that would break the text', () => {
    for (const bad of ['', 'a\nb', 'a\0b']) {
      assert.throws(() => buildJobText({ type: 'host', commandLine: bad }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
    }
    assert.throws(() => buildJobText({ type: 'host', commandLine: 'x', timeout: 1.5 }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
    assert.throws(() => buildJobText({ type: 'host', commandLine: 'x', coreTime: Number.NaN }), (e: unknown) => hasCode(e, 'MG_ERR_INVALID_ARGUMENT'));
  });
});

test('parseJobText never throws and validateJob throws only MgError, for random text (seeded)', () => {
  const random = seededRandom(42);
  const alphabet = 'type=host_name\ncommand_line=\n\0\r =_abc\\xé';
  for (let i = 0; i < 500; i++) {
    const text = randomText(random, alphabet, 200);
    const job = parseJobText(text);
    try {
      validateJob(job);
    } catch (e) {
      assert.ok(isMgError(e) && e.code === 'MG_ERR_JOB_INVALID', String(e));
    }
  }
});
