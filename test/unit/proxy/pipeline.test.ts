import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PayloadCodec } from '../../../src/job/crypto.js';
import { createPipeline } from '../../../src/proxy/pipeline.js';
import { applyRewrite } from '../../../src/proxy/rewrite.js';
import { validateProxyConfig } from '../../../src/proxy/validate-config.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/proxy/', import.meta.url));
const route = (extra: Record<string, unknown>) =>
  validateProxyConfig([{ data: { routes: [{ from: 'a:1/q', to: 'b:2/q', ...extra }] }, source: 't', baseDir: FIXTURES }]).routes[0]!;
const job = (payload: Buffer | string) => ({ handle: 'H:1', unique: 'u1', server: 'a:1', payload: Buffer.from(payload) });
const TEXT = 'type=service\nresult_queue=check_results\nhost_name=h\u00e9\ncommand_line=/bin/true\n\n\n';

describe('proxy pipeline', () => {
  test('without steps the payload passes byte for byte, unique and route priority kept', async () => {
    const p = await createPipeline(route({ priority: 'high' }));
    const raw = Buffer.from([0, 1, 2, 255, 10]);
    const out = await p(job(raw));
    assert.deepEqual(out, { payload: raw, unique: 'u1', priority: 'high' });
  });

  test('decrypts with one key and encrypts with another', async () => {
    const k1 = new PayloadCodec({ encryption: true, key: 'key-one' });
    const k2 = new PayloadCodec({ encryption: true, key: 'key-two' });
    const p = await createPipeline(route({ decrypt: 'key-one', encrypt: 'key-two' }));
    const out = await p(job(k1.encode(TEXT)));
    assert.equal(k2.decode(out.payload), TEXT);
    assert.throws(() => k1.decode(out.payload));
  });

  test('accepts Perl-style base64 wrapped every 76 characters and 32-byte NUL padding', async () => {
    const k1 = new PayloadCodec({ encryption: true, key: 'key-one' });
    const p = await createPipeline(route({ decrypt: 'key-one', encrypt: 'key-one' }));
    const long = `${TEXT}output=${'x'.repeat(200)}\n`;
    const wrapped = k1.encode(long).replace(/(.{76})/g, '$1\n');
    assert.equal(k1.decode((await p(job(wrapped))).payload), long);
  });

  test('decrypt without encrypt gives base64 of the clear text (the Perl proxy sent it bare)', async () => {
    const k1 = new PayloadCodec({ encryption: true, key: 'key-one' });
    const p = await createPipeline(route({ decrypt: 'key-one' }));
    const out = await p(job(k1.encode(TEXT)));
    assert.equal(Buffer.from(String(out.payload), 'base64').toString('utf8'), TEXT);
  });

  test('rewrite and callback see the base64-decoded text and their result is base64 again', async () => {
    const plain = new PayloadCodec({ encryption: false });
    const p = await createPipeline(route({ rewrite: { set: { result_queue: 'remote_results' } }, callback: './callbacks/rewrite.mjs#mark' }));
    const out = await p(job(plain.encode(TEXT)));
    assert.equal(plain.decode(out.payload), TEXT.replace('check_results', 'remote_results').replace(/\n*$/, '\nproxied_by=a:1/q\n\n'));
  });

  test('a callback may set the unique id; a throw or a hang is an MG_ERR_PROXY_CALLBACK', async () => {
    const plain = new PayloadCodec({ encryption: false });
    const withUniq = await createPipeline(route({ callback: './callbacks/rewrite.mjs#resultQueueRemote' }));
    assert.equal((await withUniq(job(plain.encode(TEXT)))).unique, 'remote:u1');
    const poison = await createPipeline(route({ callback: './callbacks/rewrite.mjs#poison' }));
    await assert.rejects(poison(job(plain.encode('poison=1\n'))), { code: 'MG_ERR_PROXY_CALLBACK', message: /threw: poison payload/ });
    const hang = await createPipeline(route({ callback: './callbacks/rewrite.mjs#hang', callbackTimeoutMs: 20 }));
    await assert.rejects(hang(job(plain.encode(TEXT))), { code: 'MG_ERR_PROXY_CALLBACK', message: /did not answer within 20 ms/ });
    await assert.rejects(createPipeline(route({ callback: './callbacks/rewrite.mjs#missing' })), { code: 'MG_ERR_PROXY_CALLBACK', message: /no function export "missing"/ });
  });

  test('a callback module edited on disk is loaded anew (SIGHUP picks up the new code)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-proxy-cb-'));
    const file = join(dir, 'cb.mjs');
    const plain = new PayloadCodec({ encryption: false });
    writeFileSync(file, 'export default () => "version=1\\n";\n');
    const v1 = await createPipeline(route({ callback: file }));
    writeFileSync(file, 'export default () => "version=2\\n";\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const v2 = await createPipeline(route({ callback: file }));
    assert.equal(plain.decode((await v1(job(plain.encode(TEXT)))).payload), 'version=1\n');
    assert.equal(plain.decode((await v2(job(plain.encode(TEXT)))).payload), 'version=2\n');
  });

  test('applyRewrite replaces, appends and deletes lines and keeps the text tail and bytes', () => {
    const text = Buffer.from('a=1\nb=2\nc=\xe9\n\n\n', 'latin1');
    const out = applyRewrite(text, { set: { b: 'x', d: '4' }, delete: ['a'] });
    assert.equal(out.toString('latin1'), 'b=x\nc=\xe9\nd=4\n\n\n');
  });
});
