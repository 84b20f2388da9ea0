import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPipeline } from '../../../src/proxy/pipeline.js';
import { loadProxyConfig } from '../../../src/proxy/read-config.js';
import { parseEndpoint, validateProxyConfig } from '../../../src/proxy/validate-config.js';

const doc = (data: unknown, baseDir = '/tmp'): { data: unknown; source: string; baseDir: string } => ({ data, source: 'p.yaml', baseDir });
const fails = (data: unknown, message: RegExp): void => {
  assert.throws(() => validateProxyConfig([doc(data)]), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'MG_ERR_PROXY_CONFIG');
    assert.match(err.message, message);
    return true;
  });
};

describe('proxy config validation', () => {
  test('parses endpoints, IPv6 included', () => {
    assert.deepEqual(parseEndpoint('gm1:4731/check_results'), { addresses: [{ host: 'gm1', port: 4731 }], server: 'gm1:4731', queue: 'check_results' });
    assert.deepEqual(parseEndpoint('gm1,gm2:4731/q').addresses, [{ host: 'gm1', port: 4730 }, { host: 'gm2', port: 4731 }]);
    assert.equal(parseEndpoint('gm1,gm2:4731/q').server, 'gm1:4730,gm2:4731');
    assert.equal(parseEndpoint('[::1]:4730/q').server, '[::1]:4730');
    assert.equal(parseEndpoint('gm1/q').server, 'gm1:4730');
    assert.throws(() => parseEndpoint('gm1:4730'), /expected host:port\/queue/);
  });

  test('fills the defaults of a simple route', () => {
    const c = validateProxyConfig([doc({ routes: [{ from: 'a:1/q', to: 'b:2/q2' }] })]);
    const r = c.routes[0];
    assert.equal(r?.name, 'a:1/q');
    assert.equal(r?.async, true);
    assert.equal(r?.concurrency, 16);
    assert.equal(r?.priority, 'normal');
    assert.equal(r?.releaseAfterMs, 60_000);
    assert.equal(r?.decrypt, undefined);
    assert.equal(c.drainTimeoutMs, 10_000);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(r));
  });

  test('errors name the file, the route, the key and the bad value', () => {
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q' }, { from: 'a:1/r', to: 'b:2/r', priority: 'urgent' }] }, /^p\.yaml: routes\[1\] "a:1\/r": expected `priority` to be low, normal or high, got `urgent` \(string\)$/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q', inflight: 0 }] }, /routes\[0\] "a:1\/q": expected `inflight` to be an integer >= 1, got `0` \(number\)/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q', remoteQueue: 'x' }] }, /routes\[0\] "a:1\/q": unknown key `remoteQueue`/);
    fails({ routes: [{ from: 'a:1/q' }] }, /routes\[0\] "a:1\/q": missing `to`/);
    fails({ routes: [{ to: 'a:1/q' }] }, /routes\[0\]: missing `from`/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q', async: false, inflight: 3 }] }, /`inflight` is for async routes/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q', rewrite: { set: { 'bad key': 'x' } } }] }, /rewrite\.set/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q' }, { from: 'a:1/q', to: 'c:2/q' }] }, /routes\[1\] "a:1\/q": the source queue is already routed by p\.yaml: routes\[0\]/);
    fails({ routes: [] }, /no routes configured/);
    fails({ routes: [{ from: 'a:1/q', to: 'a:1/q' }] }, /routes\[0\] "a:1\/q": routes form a loop: a:1\/q → a:1\/q/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:1/q' }, { from: 'c:1/x', to: 'd:1/x' }, { from: 'b:1/q', to: 'a:1/q' }] }, /routes form a loop: a:1\/q → b:1\/q → a:1\/q/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q' }], metricsListen: 'nope' }, /metricsListen: expected host:port/);
    fails({ routes: [{ from: 'a:1/q', to: 'b:2/q', decrypt: 'file:/nonexistent/key' }] }, /`decrypt`: cannot read the key file \/nonexistent\/key/);
  });

  test('reads file: passwords relative to the config, callbacks with an export name, and folders of files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-proxy-cfg-'));
    writeFileSync(join(dir, 'key.txt'), 'file-secret\n');
    writeFileSync(join(dir, '10-a.yaml'), 'routes:\n  - from: a:1/q\n    to: b:2/q\n    decrypt: file:key.txt\n    callback: ./cb.mjs#fn\n');
    writeFileSync(join(dir, '20-b.json'), JSON.stringify({ statusQueue: 'a:1/proxy_status', routes: [{ from: 'a:1/r', to: 'b:2/r', async: false, worker: 3 }] }));
    writeFileSync(join(dir, 'ignored.txt'), 'not: [yaml');
    const c = loadProxyConfig([dir]);
    assert.deepEqual(c.routes.map((r) => r.name), ['a:1/q', 'a:1/r']);
    assert.equal(c.routes[0]?.decrypt?.toString(), 'file-secret');
    assert.deepEqual(c.routes[0]?.callback, { module: join(dir, 'cb.mjs'), exportName: 'fn', timeoutMs: 5000 });
    assert.equal(c.routes[1]?.concurrency, 3);
    assert.equal(c.statusQueue?.queue, 'proxy_status');
  });

  test('the sample fixtures/proxy/proxy.yaml is valid and its callback module loads', async () => {
    const c = loadProxyConfig([fileURLToPath(new URL('../../../fixtures/proxy/proxy.yaml', import.meta.url))]);
    assert.equal(c.routes.length, 4);
    assert.equal(c.routes[1]?.encrypt?.toString(), 'sample-central-key-for-tests');
    assert.deepEqual(c.routes[1]?.rewrite, { set: {}, delete: ['source'] });
    assert.equal(c.routes[2]?.async, false);
    await createPipeline(c.routes[3]!);
  });

  test('a YAML syntax error names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-proxy-cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'routes: [\n');
    assert.throws(() => loadProxyConfig([join(dir, 'bad.yaml')]), /bad\.yaml: not valid YAML\/JSON/);
  });
});
