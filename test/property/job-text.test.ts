// fast-check: the job text parser, the validator, the payload codec and the whole decode path take any input
// and either give a job or an MgError with a catalogued code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PayloadCodec } from '../../src/job/crypto.js';
import { buildJobText, parseJobText, validateJob } from '../../src/job/job-text.js';
import { parseResultText } from '../../src/job/result-text.js';
import { decodeJobPayload } from '../../src/worker/job-codec.js';
import { FC_PARAMS, keyValueText, onlyCodedErrors } from './only-coded-errors.js';

const JOB_KEYS = ['type', 'result_queue', 'host_name', 'service_description', 'command_line', 'core_time', 'start_time', 'next_check', 'timeout', 'latency', 'core_start_time', 'plugin_output', 'long_plugin_output'];
const KEY = 'property-test-key-0123456789abcd';
const codec = new PayloadCodec({ encryption: true, key: KEY });
const clear = new PayloadCodec({ encryption: false });

test('parseJobText and validateJob: any text gives a job or a coded MgError', () => {
  fc.assert(
    fc.property(fc.oneof(keyValueText(JOB_KEYS), fc.string({ unit: 'binary' })), (text) => {
      onlyCodedErrors(() => validateJob(parseJobText(text)));
    }),
    FC_PARAMS,
  );
});

test('parseResultText: any text gives a result or a coded MgError', () => {
  fc.assert(fc.property(fc.oneof(keyValueText(['host_name', 'output', 'return_code', 'start_time', 'finish_time', 'service_description']), fc.string()), (text) => onlyCodedErrors(() => parseResultText(text))), FC_PARAMS);
});

test('PayloadCodec.decode: any bytes, base64 or not, encrypted or clear, give text or a coded MgError', () => {
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.base64String({ maxLength: 200 }).map((s) => Buffer.from(s)),
    fc.uint8Array({ minLength: 16, maxLength: 160 }).map((b) => Buffer.from(Buffer.from(b).toString('base64'))),
  );
  fc.assert(
    fc.property(payload, (p) => {
      onlyCodedErrors(() => codec.decode(p));
      onlyCodedErrors(() => clear.decode(p));
    }),
    FC_PARAMS,
  );
});

test('decodeJobPayload never throws, and a job that round-trips through the NEB encoding comes back whole', () => {
  const job = fc.record({
    hostName: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\n\0=]/.test(s) && s.trim() === s),
    commandLine: fc.string({ minLength: 1, maxLength: 80 }).filter((s) => !/[\n\0]/.test(s) && s.trim() === s),
    timeout: fc.integer({ min: 1, max: 300 }),
  });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), job, (junk, j) => {
      const bad = decodeJobPayload(codec, Buffer.from(junk));
      if (!bad.ok) assert.match(bad.code, /^MG_ERR_/);
      const text = buildJobText({ type: 'host', resultQueue: 'check_results', hostName: j.hostName, commandLine: j.commandLine, timeout: j.timeout });
      const good = decodeJobPayload(codec, Buffer.from(codec.encode(text)));
      assert.ok(good.ok, `round trip failed: ${good.ok ? '' : good.message}`);
      assert.equal(good.job.hostName, j.hostName);
      assert.equal(good.job.commandLine, j.commandLine);
      assert.equal(good.job.timeout, j.timeout);
    }),
    FC_PARAMS,
  );
});
