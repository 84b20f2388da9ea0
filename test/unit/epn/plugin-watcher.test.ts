// PluginWatcher on a temp folder: change, add, delete, bursts debounced, editor files ignored, noted folders,
// close. Real inotify events, so each test waits for the callbacks rather than sleeping a fixed time.
import { after, afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEditorTempFile, PluginWatcher, type PluginWatcherOptions } from '../../../src/epn/plugin-watcher.js';
import { sleep, waitFor } from '../../helpers/wait-for.js';
import { captureLog } from '../../helpers/capture-log.js';

const root = mkdtempSync(join(tmpdir(), 'mg-watch-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
let dir: string;
let watcher: PluginWatcher | undefined;
let events: string[];

beforeEach(() => {
  dir = join(root, `t${n++}`);
  mkdirSync(dir);
  events = [];
});
afterEach(() => watcher?.close());

async function start(options: Partial<PluginWatcherOptions> = {}): Promise<PluginWatcher> {
  watcher = new PluginWatcher({
    dirs: [dir],
    onChange: (f) => events.push(`change ${f}`),
    onDelete: (f) => events.push(`delete ${f}`),
    debounceMs: 50,
    ...options,
  });
  await watcher.ready();
  return watcher;
}

test('editor temp files and dotfiles are recognised', () => {
  for (const name of ['.check.pl.swp', 'check.pl~', '4913', 'check.pl.swx', '#check.pl#', '.#check.pl', 'x.tmp']) assert.ok(isEditorTempFile(name), name);
  for (const name of ['check_disk.pl', 'check.pl.bak.pl', 'check_http']) assert.equal(isEditorTempFile(name), false, name);
});

test('add, change and delete of a plugin', async () => {
  const file = join(dir, 'check_a.pl');
  await start();
  writeFileSync(file, 'print "v1\\n"; exit 0;\n');
  await waitFor(() => events.length === 1);
  assert.deepEqual(events, [`change ${file}`]);
  writeFileSync(file, 'print "v2\\n"; exit 0;\n');
  await waitFor(() => events.length === 2);
  unlinkSync(file);
  await waitFor(() => events.length === 3);
  assert.deepEqual(events, [`change ${file}`, `change ${file}`, `delete ${file}`]);
});

test('a burst of writes is one callback; editor files around it are ignored', async () => {
  const file = join(dir, 'check_b.pl');
  writeFileSync(file, 'v0\n');
  await start({ debounceMs: 400 });
  // What vim does on :w with backupcopy=no: probe file, swap file, backup, write the new file, drop the backup.
  writeFileSync(join(dir, '4913'), '');
  unlinkSync(join(dir, '4913'));
  writeFileSync(join(dir, '.check_b.pl.swp'), 'swap');
  renameSync(file, `${file}~`);
  writeFileSync(file, 'v1\n');
  for (let i = 0; i < 5; i++) appendFileSync(file, `line ${i}\n`);
  unlinkSync(`${file}~`);
  await waitFor(() => events.length >= 1);
  await sleep(600);
  assert.deepEqual(events, [`change ${file}`]);
});

test('an atomic save (write a temp file, rename it over the plugin) is a change', async () => {
  const file = join(dir, 'check_c.pl');
  writeFileSync(file, 'v0\n');
  await start({ debounceMs: 300 });
  writeFileSync(join(dir, '.check_c.pl.tmp'), 'v1\n');
  renameSync(join(dir, '.check_c.pl.tmp'), file);
  await waitFor(() => events.length >= 1);
  await sleep(400);
  assert.deepEqual(events, [`change ${file}`]);
});

test('noteRun watches the folder of a plugin the worker ran', async () => {
  const other = join(root, `noted${n}`);
  mkdirSync(other);
  const w = await start();
  w.noteRun(join(other, 'check_d.pl'));
  w.noteRun(join(other, 'check_e.pl'));
  assert.deepEqual(w.dirs, [dir, other]);
  await w.ready();
  writeFileSync(join(other, 'check_d.pl'), 'v1\n');
  await waitFor(() => events.length === 1);
  assert.deepEqual(events, [`change ${join(other, 'check_d.pl')}`]);
});

test('past maxDirs, noted folders are not watched (logged once)', async () => {
  const log = captureLog();
  const w = await start({ maxDirs: 1, logger: log.logger });
  w.noteRun('/somewhere/else/check.pl');
  w.noteRun('/another/place/check.pl');
  assert.deepEqual(w.dirs, [dir]);
  assert.equal(log.find('watcher:limit').length, 1);
});

test('a throwing callback is logged, later events still arrive', async () => {
  const log = captureLog();
  let calls = 0;
  await start({
    logger: log.logger,
    onChange: () => {
      calls++;
      throw new Error('classifier broke');
    },
  });
  writeFileSync(join(dir, 'x.pl'), '1');
  await waitFor(() => calls === 1);
  writeFileSync(join(dir, 'y.pl'), '1');
  await waitFor(() => calls === 2);
  assert.equal(log.find('watcher:callback:failed').length, 2);
});

test('after close no callback runs, also for an event already debounced', async () => {
  const w = await start({ debounceMs: 1000 });
  writeFileSync(join(dir, 'z.pl'), '1');
  await sleep(300); // the event is in, its debounce not over
  const closing = w.close();
  assert.equal(w.close(), closing);
  await closing;
  writeFileSync(join(dir, 'z2.pl'), '1');
  await sleep(1200);
  assert.deepEqual(events, []);
});
