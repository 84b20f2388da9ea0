import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PayloadCodec } from '../../../src/job/crypto.js';
import { buildJobText } from '../../../src/job/job-text.js';
import { InlineJobCodec } from '../../../src/worker/job-codec.js';
import { PoolJobCodec } from '../../../src/worker/job-codec-pool.js';

const OPTIONS = { encryption: true, key: 'pool-test-key-0123456789' };
const wrongKey = new PayloadCodec({ encryption: true, key: 'not-the-pool-key-42' });
const sender = new PayloadCodec(OPTIONS);

// 50 payloads of every kind: good host, service and event handler jobs, invalid jobs, wrong keys, bad base64.
// Small Buffers come from Node's shared pool (byteOffset > 0), which the worker thread must handle.
function payloads(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < 50; i++) {
    const kind = i % 6;
    if (kind === 4) out.push(Buffer.from(wrongKey.encode(`type=service\nhost_name=h${i}\ncommand_line=/bin/true\n\n\n`)));
    else if (kind === 5) out.push(Buffer.from(`garbage!payload-${i}`));
    else if (kind === 3) out.push(Buffer.from(sender.encode(`type=host\nresult_queue=check_results\nhost_name=h${i}\n\n\n`)));
    else {
      const type = (['host', 'service', 'eventhandler'] as const)[kind] ?? 'host';
      const text = buildJobText({
        type,
        hostName: `h${i}`,
        ...(type === 'service' ? { serviceDescription: `svc ${i}` } : {}),
        ...(type === 'eventhandler' ? {} : { resultQueue: 'check_results' }),
        coreTime: 1_700_000_000 + i / 8,
        timeout: 10 + i,
        commandLine: `/usr/lib/nagios/plugins/check_dummy ${i % 4} "job ${i} ü"`,
      });
      out.push(Buffer.from(sender.encode(text)));
    }
  }
  return out;
}

test('PoolJobCodec with 2 threads decodes and encodes exactly as the inline codec; close() resolves', async () => {
  const pool = new PoolJobCodec(OPTIONS, 2);
  const inline = new InlineJobCodec(OPTIONS);
  try {
    const input = payloads();
    const [fromPool, fromInline] = await Promise.all([Promise.all(input.map((p) => pool.decode(p))), Promise.all(input.map((p) => inline.decode(p)))]);
    assert.deepEqual(fromPool, fromInline);
    // The mix really covers each outcome.
    const codes = new Set(fromPool.map((d) => (d.ok ? 'ok' : d.code)));
    assert.deepEqual([...codes].sort(), ['MG_ERR_JOB_BASE64', 'MG_ERR_JOB_DECRYPT', 'MG_ERR_JOB_INVALID', 'ok']);

    const texts = input.map((_, i) => `host_name=h${i}\nreturn_code=${i % 4}\noutput=result ${i} ü\n\n\n\n`);
    const [encPool, encInline] = await Promise.all([Promise.all(texts.map((t) => pool.encode(t))), Promise.all(texts.map((t) => inline.encode(t)))]);
    assert.deepEqual(encPool, encInline);
    assert.deepEqual(
      encPool.map((p) => sender.decode(p)),
      texts,
    );
  } finally {
    const closing = pool.close();
    assert.equal(pool.close(), closing, 'repeated close() calls share one promise');
    assert.equal(await closing, undefined);
  }
});

test('PoolJobCodec with a keyfile key (a Buffer) decodes like the inline codec', async () => {
  const options = { encryption: true, key: Buffer.from('from-the-file') };
  const pool = new PoolJobCodec(options, 1);
  try {
    const payload = Buffer.from(new PayloadCodec({ encryption: true, key: 'from-the-file' }).encode('type=host\nhost_name=h\ncommand_line=/bin/true\n\n\n'));
    assert.deepEqual(await pool.decode(payload), await new InlineJobCodec(options).decode(payload));
  } finally {
    await pool.close();
  }
});
