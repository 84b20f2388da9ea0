import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isYamlFile, newReadContext, readConfigPath } from '../../../src/config/read-files.js';
import { hasCode } from '../../../src/errors.js';
import { FIXTURES, tmpConfig } from './tmp-config.js';

const read = (path: string, base = '/') => {
  const ctx = newReadContext();
  const entries = readConfigPath(path, base, undefined, ctx);
  return { ctx, pairs: entries.map((e) => `${e.key}=${e.value ?? ''}`), entries };
};

test('an include is read where it stands; a folder gives its config files sorted and recursively', () => {
  const { ctx, pairs, entries } = read(join(FIXTURES, 'worker.cfg'));
  assert.deepEqual(pairs, [
    'debug=1',
    'server=gearmand-a:4730,gearmand-b',
    'server=gearmand-a',
    'encryption=Yes', // common.cfg
    'key=should_be_changed',
    'min-worker=5',
    'max-worker=10',
    'services=yes', // conf.d/10-queues.cfg
    'hosts=',
    'load_limit1=4.5', // conf.d/20-limits.conf
    'enable_embedded_perl=on', // conf.d/sub/30-epn.cfg
    'epn_processes=3',
    'queue=special', // conf.d/sub/40-queue.yaml
    'hostgroups=linux, windows', // back in worker.cfg
    'max-worker=50',
    'identifier=fixture-worker',
    'fork_on_exec=no',
    'localhostgroups=local1',
  ]);
  assert.deepEqual(ctx.files, [
    join(FIXTURES, 'worker.cfg'),
    join(FIXTURES, 'common.cfg'),
    join(FIXTURES, 'conf.d/10-queues.cfg'),
    join(FIXTURES, 'conf.d/20-limits.conf'),
    join(FIXTURES, 'conf.d/sub/30-epn.cfg'),
    join(FIXTURES, 'conf.d/sub/40-queue.yaml'),
  ]);
  assert.deepEqual(entries[4].origin, { kind: 'file', file: join(FIXTURES, 'common.cfg'), line: 3 });
  assert.deepEqual(ctx.stack, []);
});

test('relative includes are relative to the including file, not to the working directory', () => {
  const root = tmpConfig({
    'etc/worker.cfg': 'include=parts/a.cfg\n',
    'etc/parts/a.cfg': 'include=b.cfg\ndebug=1\n',
    'etc/parts/b.cfg': 'include=../../other/c.yaml\n',
    'other/c.yaml': 'max-worker: 3\n',
  });
  assert.deepEqual(read('etc/worker.cfg', root).pairs, ['max-worker=3', 'debug=1']);
});

test('an include loop is an error naming the including line and the chain', () => {
  const a = join(FIXTURES, 'loop/a.cfg');
  const b = join(FIXTURES, 'loop/b.cfg');
  assert.throws(
    () => read(a),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_INCLUDE') && e.message === `${b}:1: include loop: ${a} -> ${b} -> ${a}`,
  );
  const root = tmpConfig({ 'self.cfg': 'config=.\n' });
  assert.throws(
    () => read(join(root, 'self.cfg')),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_INCLUDE') && e.message === `${root}/self.cfg:1: include loop: ${root}/self.cfg -> ${root} -> ${root}/self.cfg`,
  );
});

test('a missing file names the include line, the path as written and as resolved', () => {
  const root = tmpConfig({ 'w.cfg': 'debug=1\ninclude=missing.cfg\n', 'e.cfg': 'include=\n' });
  assert.throws(
    () => read(join(root, 'w.cfg')),
    (e: unknown) =>
      hasCode(e, 'MG_ERR_CONFIG_INCLUDE') &&
      e.message === `${root}/w.cfg:2: cannot read config "missing.cfg" (${root}/missing.cfg): no such file or directory`,
  );
  assert.throws(
    () => read(join(root, 'nope.cfg')),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_INCLUDE') && e.message === `cannot read config "${root}/nope.cfg": no such file or directory`,
  );
  assert.throws(
    () => read(join(root, 'e.cfg')),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_INCLUDE') && e.message === `${root}/e.cfg:1: "include" needs a file or folder, got nothing`,
  );
});

test('a file included twice (not a loop) is read twice; errors inside includes name their own file', () => {
  const root = tmpConfig({ 'w.cfg': 'include=x.cfg\ninclude=x.cfg\n', 'x.cfg': 'debug=1\n' });
  assert.deepEqual(read(join(root, 'w.cfg')).pairs, ['debug=1', 'debug=1']);
  const bad = join(FIXTURES, 'bad/no-equals.cfg');
  assert.throws(
    () => read(bad),
    (e: unknown) => hasCode(e, 'MG_ERR_CONFIG_SYNTAX') && e.message === `${bad}:2: expected key=value, got "this is not a key value line"`,
  );
});

test('YAML is chosen by extension', () => {
  assert.ok(isYamlFile('/a/b.yaml') && isYamlFile('x.YML') && isYamlFile('c.json'));
  assert.ok(!isYamlFile('worker.cfg') && !isYamlFile('mod_gearman.conf') && !isYamlFile('noext'));
});
