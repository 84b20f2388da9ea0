import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PayloadCodec } from '../../../src/job/crypto.js';
import { buildJobText, parseJobText } from '../../../src/job/job-text.js';
import { decodeJobPayload, InlineJobCodec } from '../../../src/worker/job-codec.js';
import { SERVICE_JOB } from './support.js';

const KEY = 'unit-test-key-0123456789';
const codec = new PayloadCodec({ encryption: true, key: KEY });

const JOB_TEXT = buildJobText(SERVICE_JOB);

test('decodeJobPayload: a good job comes back validated, every field parsed', () => {
  const decoded = decodeJobPayload(codec, Buffer.from(codec.encode(JOB_TEXT)));
  assert.deepEqual(decoded, { ok: true, job: parseJobText(JOB_TEXT) });
  assert.ok(decoded.ok);
  assert.equal(decoded.job.type, 'service');
  assert.equal(decoded.job.hostName, 'web1');
  assert.equal(decoded.job.serviceDescription, 'disk /');
  assert.equal(decoded.job.resultQueue, 'check_results');
  assert.equal(decoded.job.coreTime, 1_700_000_000.5);
  assert.equal(decoded.job.timeout, 30);
  assert.equal(decoded.job.commandLine, '/usr/lib/nagios/plugins/check_disk -w 10% -p /');
});

test('decodeJobPayload: a wrong key is MG_ERR_JOB_DECRYPT, with nothing parsed', () => {
  const other = new PayloadCodec({ encryption: true, key: 'some-other-key-987654' });
  const decoded = decodeJobPayload(codec, Buffer.from(other.encode(JOB_TEXT)));
  assert.equal(decoded.ok, false);
  assert.ok(!decoded.ok);
  assert.equal(decoded.code, 'MG_ERR_JOB_DECRYPT');
  assert.match(decoded.message, /the key or the encryption= setting differs from the sender's$/);
  assert.equal('partial' in decoded, false);
});

test('decodeJobPayload: a clear payload on an encrypting worker is MG_ERR_JOB_DECRYPT that says so', () => {
  const clear = new PayloadCodec({ encryption: false });
  const decoded = decodeJobPayload(codec, Buffer.from(clear.encode(JOB_TEXT)));
  assert.ok(!decoded.ok);
  assert.equal(decoded.code, 'MG_ERR_JOB_DECRYPT');
  assert.match(decoded.message, /it is clear text: the sender has encryption=no/);
});

test('decodeJobPayload: bad base64 and empty payloads', () => {
  assert.deepEqual(decodeJobPayload(codec, Buffer.from('not base64!')), {
    ok: false,
    code: 'MG_ERR_JOB_BASE64',
    message: 'payload is not base64: unexpected byte 0x21 at offset 9', // whitespace is dropped first (wrapped base64)
  });
  assert.deepEqual(decodeJobPayload(codec, Buffer.alloc(0)), { ok: false, code: 'MG_ERR_JOB_EMPTY', message: 'payload is empty' });
});

test('decodeJobPayload: an invalid job keeps what was parsed, to be answered', () => {
  const text = 'type=service\nresult_queue=check_results\nhost_name=web1\nservice_description=disk\n\n\n';
  const decoded = decodeJobPayload(codec, Buffer.from(codec.encode(text)));
  assert.deepEqual(decoded, {
    ok: false,
    code: 'MG_ERR_JOB_INVALID',
    message: 'discarded invalid job, no command line given',
    partial: parseJobText(text),
  });
  assert.ok(!decoded.ok);
  assert.equal(decoded.partial?.hostName, 'web1');
  assert.equal(decoded.partial?.resultQueue, 'check_results');
});

test('decodeJobPayload: never throws; a foreign error becomes MG_ERR_INTERNAL', () => {
  const broken = {
    decode(): string {
      throw new TypeError('boom');
    },
  } as unknown as PayloadCodec;
  assert.deepEqual(decodeJobPayload(broken, Buffer.from('x')), { ok: false, code: 'MG_ERR_INTERNAL', message: 'TypeError: boom' });
});

test('InlineJobCodec: encode then decode round trip, encrypted and clear', async () => {
  for (const options of [{ encryption: true, key: KEY }, { encryption: false }]) {
    const inline = new InlineJobCodec(options);
    const payload = await inline.encode(JOB_TEXT);
    assert.equal(payload, new PayloadCodec(options).encode(JOB_TEXT));
    assert.deepEqual(await inline.decode(Buffer.from(payload)), { ok: true, job: parseJobText(JOB_TEXT) });
    await inline.close();
  }
});

test('InlineJobCodec: result texts round trip byte for byte', async () => {
  const inline = new InlineJobCodec({ encryption: true, key: KEY });
  const result = 'host_name=web1\ncore_start_time=1.000000\nstart_time=2.000000\nfinish_time=3.000000\nreturn_code=0\nexited_ok=1\nsource=Mod-Gearman Worker @ box\noutput=OK ü\n\n\n\n';
  assert.equal(codec.decode(await inline.encode(result)), result);
});

test('InlineJobCodec: a missing key fails at construction with MG_ERR_CRYPTO_KEY', () => {
  assert.throws(() => new InlineJobCodec({ encryption: true }), { code: 'MG_ERR_CRYPTO_KEY' });
});

test('InlineJobCodec.encode rejects rather than throws for a NUL byte', async () => {
  const codec = new InlineJobCodec({ encryption: false });
  let p: Promise<string> | undefined;
  assert.doesNotThrow(() => {
    p = codec.encode('a\0b');
  });
  await assert.rejects(p as Promise<string>, { code: 'MG_ERR_INVALID_ARGUMENT' });
});
