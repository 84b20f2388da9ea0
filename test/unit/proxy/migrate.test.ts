import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { migratePerlConfig } from '../../../src/proxy/migrate.js';
import { validateProxyConfig } from '../../../src/proxy/validate-config.js';

const refuses = (text: string, message: RegExp): void => {
  assert.throws(() => migratePerlConfig(text, 'x.cfg'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'MG_ERR_PROXY_MIGRATE');
    assert.match(err.message, message);
    return true;
  });
};

describe('migrate gearman_proxy.cfg', () => {
  test('interpolates scalars, keeps literal options, and the result validates', () => {
    const yaml = migratePerlConfig(
      `my $r = 'r:4730'; $l = "l:4730"; # comment\n$queues = { "$l/a" => "\${r}/a", '$l/b' => { remoteQueue => "$r/b", async => 1, worker => 4, encrypt => 'k' }, };\n1;\n`,
      'x.cfg',
    );
    const data = parse(yaml) as Record<string, unknown>;
    assert.deepEqual(data.routes, [
      { from: 'l:4730/a', to: 'r:4730/a' },
      { from: '$l/b', to: 'r:4730/b', async: true, encrypt: 'k' },
    ]);
    assert.doesNotThrow(() => validateProxyConfig([{ data: { routes: [(data.routes as unknown[])[0]] }, source: 'x', baseDir: '/' }]));
  });

  test('refuses code with file:line and a pointer to the callback module', () => {
    refuses('$queues = {\n  "a:1/q" => { remoteQueue => "b:1/q",\n data_callback => sub { return ($_[0]); } } };', /^x\.cfg:\d+: queue "a:1\/q": data_callback is Perl code .* `callback: \.\/file\.mjs#name`/);
    refuses('$queues = { "a:1/q" => "$undefined/q" };', /x\.cfg:1: variable \$undefined is used before it is set/);
    refuses('$queues = { "a:1/q" => { async => 0 } };', /remoteQueue is missing/);
    refuses('$queues = { "a:1/q" => { remoteQueue => "b/q", retries => 3 } };', /unknown option "retries"/);
    refuses('print "hi";', /only scalar assignments/);
    refuses('$debug = 1;', /no \$queues/);
  });
});
