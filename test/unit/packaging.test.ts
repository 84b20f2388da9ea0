// packaging/ is generated from the option table: stale copies fail here, and the samples must load as they
// are and with every default uncommented, giving the same config as no file at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { PACKAGING_FILES } from '../../scripts/packaging-files.js';
import { tmpDir } from './worker/support.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ARGV = ['server=127.0.0.1:4730', 'key=0123456789abcdef'];
// The config without the list of files read, which differs by construction.
const load = (files: string[]): unknown => {
  const { files: _files, ...rest } = loadConfig({ scope: 'worker', files, argv: ARGV, env: {}, hostname: 'box', cpuCount: 2 }).config as unknown as Record<string, unknown>;
  return rest;
};

for (const [path, render] of Object.entries(PACKAGING_FILES)) {
  test(`${path} is current (regenerate: npm run docs)`, () => {
    assert.equal(readFileSync(join(ROOT, path), 'utf8'), render());
  });
}

test('the sample worker.cfg and worker.yaml load as shipped and with every default uncommented, to the built-in defaults', () => {
  const dir = tmpDir('mg-packaging-');
  const defaults = load([]);
  for (const [name, valued] of [
    ['worker.cfg', /^#([a-z][\w-]*=.+)$/],
    ['worker.yaml', /^#([a-z][\w-]*: .+|[a-z][\w-]*:| {2}- .*)$/],
  ] as const) {
    const text = readFileSync(join(ROOT, 'packaging', name), 'utf8');
    assert.deepEqual(load([join(ROOT, 'packaging', name)]), defaults, `${name} as shipped`);
    const lines = text.split('\n').map((l) => valued.exec(l)?.[1] ?? l);
    const uncommented = lines.filter((l) => !l.startsWith('#') && l.trim() !== '' && !/^[a-z][\w-]*:$/.test(l));
    assert.ok(uncommented.length > 30, `${name}: ${uncommented.length} defaults uncommented`);
    // A YAML key whose list was commented out stays a comment with its list.
    const file = join(dir, name);
    writeFileSync(file, lines.map((l) => (/^[a-z][\w-]*:$/.test(l) ? `#${l}` : l)).filter((l, i, all) => !(l.startsWith('  - ') && all[i - 1]?.startsWith('#'))).join('\n'));
    assert.deepEqual(load([file]), defaults, `${name} with every default set`);
  }
});

test('the systemd unit has the settings docs/operations.md promises', () => {
  const unit = PACKAGING_FILES['packaging/mg-workhorse.service']?.() ?? '';
  for (const line of ['KillMode=mixed', 'Restart=on-failure', 'LimitNOFILE=65536', 'ExecReload=/bin/kill -HUP $MAINPID', 'Type=simple']) {
    assert.ok(unit.split('\n').includes(line), line);
  }
});
