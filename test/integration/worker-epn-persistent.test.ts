// EPN persistent runners through the whole worker (real gearmand, the worker CLI, its Perl farm): plugins opted in
// by the `# mg-workhorse: persistent` header or an epn_persistent_plugins= glob run check after check in one
// runner process. That they did is visible in the output: a package variable counts on (in fork mode it prints
// 1 every time). One farm process and one runner keep the counts deterministic.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PayloadCodec } from '../../src/job/crypto.js';
import { startCheckStack, type CheckStack } from '../helpers/check-stack.js';
import { serviceJob, submitJob } from '../helpers/jobs.js';
import { waitFor } from '../helpers/wait-for.js';

const EPN = fileURLToPath(new URL('../../fixtures/epn/', import.meta.url));
const KEY = 'epn-persistent-key';
const codec = new PayloadCodec({ encryption: true, key: KEY });

/** Submits one service check at a time (so a runner's checks keep their order) and returns the results. */
async function runInOrder(stack: CheckStack, host: string, commands: readonly string[], timeout = 10): Promise<Array<{ returnCode: number; output: string }>> {
  const out: Array<{ returnCode: number; output: string }> = [];
  for (const [i, cmd] of commands.entries()) {
    const before = stack.results.results.length;
    await submitJob(stack.client, codec, 'service', serviceJob(host, `s${i}`, cmd, { timeout }));
    await stack.results.waitFor(before + 1, 30_000);
    const r = stack.results.find(host, `s${i}`);
    assert.ok(r, `result of ${host} s${i}`);
    out.push({ returnCode: r.returnCode, output: r.output });
  }
  return out;
}

describe('worker: EPN persistent runners', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mg-epn-persistent-'));
  const globDir = join(tmp, 'persistent');
  mkdirSync(globDir);
  const copy = (name: string): string => {
    const to = join(globDir, name);
    copyFileSync(join(EPN, name), to);
    chmodSync(to, 0o755);
    return to;
  };
  let stack: CheckStack;

  before(async () => {
    stack = await startCheckStack(KEY, ['services=yes', 'debug=1', 'epn_processes=1', 'epn_persistent_runners=1', 'kill_grace_period=1', `epn_persistent_plugins=${globDir}/*.pl`]);
  });

  after(async () => {
    await stack?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('opted in by the header and by a glob, the plugin runs in a runner (its package state counts on); others fork', async () => {
    const header = `${EPN}persistent-counter.pl`;
    const globbed = copy('counter.pl');
    const r = await runInOrder(stack, 'optin', [header, header, header, globbed, globbed, `${EPN}counter.pl`, `${EPN}counter.pl`]);
    assert.deepEqual(r.map((x) => x.output), ['count=1\n', 'count=2\n', 'count=3\n', 'count=1\n', 'count=2\n', 'count=1\n', 'count=1\n']);
  });

  test('the same return codes and output as fork mode', async () => {
    const names = ['critical.pl', 'die.pl', 'exit-in-eval.pl', 'noexit.pl', 'stderr.pl', 'system-child.pl'];
    const persistent = await runInOrder(stack, 'same-p', names.map(copy));
    const forked = await runInOrder(stack, 'same-f', names.map((n) => join(EPN, n)));
    for (const [i, n] of names.entries()) {
      assert.equal(persistent[i]?.returnCode, forked[i]?.returnCode, n);
      assert.equal(persistent[i]?.output.replaceAll(globDir, EPN.replace(/\/$/, '')), forked[i]?.output, n);
    }
  });

  test('a hanging persistent plugin times out with the timeout text, and the next check works', async () => {
    const slow = copy('slow.pl');
    const [timedOut] = await runInOrder(stack, 'hang', [slow], 1);
    const [forked] = await runInOrder(stack, 'hang-f', [`${EPN}slow.pl`], 1);
    assert.match(timedOut?.output ?? '', /^\(Service Check Timed Out On Worker: .*\)\nstarted\n$/);
    assert.equal(timedOut?.output, forked?.output, 'the same text and partial output as fork mode');
    assert.equal(timedOut?.returnCode, forked?.returnCode);
    const [next] = await runInOrder(stack, 'hang-next', [`${EPN}persistent-counter.pl`]);
    assert.equal(next?.output, 'count=1\n', 'the next check runs in a fresh runner');
  });

  test('a plugin that ends its runner (POSIX::_exit, kill 9 $$) gives UNKNOWN with the reason; the next check works', async () => {
    const plugin = copy('runner-exit.pl');
    const r = await runInOrder(stack, 'end', [plugin, `${plugin} kill`, `${EPN}persistent-counter.pl`]);
    for (const x of r.slice(0, 2)) {
      assert.equal(x.returnCode, 3);
      assert.match(x.output, /^about to end the process\n\*\*ePN .*runner-exit\.pl: "the persistent runner \(pid \d+\) ended during the check: /);
    }
    assert.match(r[0]?.output ?? '', /exit code 0/);
    assert.match(r[1]?.output ?? '', /killed by SIGKILL/);
    assert.equal(r[2]?.output, 'count=1\n');
  });

  test('never stale: the plugin edited between two checks gives the new output', async () => {
    const plugin = join(globDir, 'check_edit.pl');
    // mode applies when the file is created (the first write); the edit keeps it
    const write = (text: string): void => writeFileSync(plugin, `#!/usr/bin/perl\n# nagios: +epn\n${text}\n`, { mode: 0o755 });
    write('our $n; $n++; print "version 1 run $n\\n"; exit 0;');
    const first = await runInOrder(stack, 'edit1', [plugin, plugin]);
    // (the run numbers depend on when the watcher reports the new file: a recompile retires the runner)
    for (const x of first) assert.match(x.output, /^version 1 run \d\n$/);
    const recompiles = (): number => stack.worker.logLines().filter((l) => String(l.msg).startsWith(`epn:recompiled ${plugin}`)).length;
    write('our $n; $n++; print "version 2, longer, run $n\\n"; exit 1;');
    // At once, before or after the watcher noticed: the farm's (dev, inode, mtime, size) check sees the edit.
    const [now] = await runInOrder(stack, 'edit2', [plugin]);
    assert.equal(now?.output, 'version 2, longer, run 1\n');
    assert.equal(now?.returnCode, 1);
    // Once hot reload recompiled it (each recompile retires the runners holding the older compile), version 2
    // runs in a runner that keeps its state: two checks in a row count on.
    await waitFor(() => recompiles() > 0, { timeoutMs: 20_000, message: 'hot reload recompiled the plugin' });
    let seen = -1;
    await waitFor(async () => {
      const n = recompiles();
      const settled = n === seen;
      seen = n;
      if (!settled) await new Promise((r) => setTimeout(r, 300));
      return settled;
    }, { timeoutMs: 20_000, message: 'no more recompiles' });
    const later = await runInOrder(stack, 'edit3', [plugin, plugin]);
    const runs = later.map((x) => Number(/^version 2, longer, run (\d+)\n$/.exec(x.output)?.[1]));
    assert.equal(runs[1], (runs[0] ?? NaN) + 1, JSON.stringify(later));
  });
});

describe('worker: EPN persistent runners are recycled', () => {
  let stack: CheckStack;
  before(async () => {
    stack = await startCheckStack(KEY, ['services=yes', 'epn_processes=1', 'epn_persistent_runners=1', 'epn_persistent_max_checks=3']);
  });
  after(async () => {
    await stack?.stop();
  });

  test('after epn_persistent_max_checks checks a fresh runner starts from clean package state', async () => {
    const r = await runInOrder(stack, 'recycle', Array.from({ length: 5 }, () => `${EPN}persistent-counter.pl`));
    assert.deepEqual(r.map((x) => x.output), ['count=1\n', 'count=2\n', 'count=3\n', 'count=1\n', 'count=2\n']);
  });
});

describe('testcmd --explain with a persistent plugin', () => {
  test('says the check ran in a persistent runner, and which rule chose it (header, glob)', () => {
    const cli = fileURLToPath(new URL('../../src/cli/worker.ts', import.meta.url));
    const testcmd = (...words: string[]): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, 'encryption=no', ...words], { encoding: 'utf8', timeout: 60_000 });
    const header = testcmd('testcmd', '--explain', `${EPN}persistent-counter.pl`);
    assert.equal(header.stdout, 'count=1\n');
    assert.match(String(header.stderr), /explain: epn \(persistent runner\): line 3 says "# mg-workhorse: persistent"/);
    assert.match(String(header.stderr), /explain: ran via epn \(persistent runner\) in /);
    const glob = testcmd(`epn_persistent_plugins=${EPN}count*.pl`, 'testcmd', '--explain', `${EPN}counter.pl`);
    assert.match(String(glob.stderr), /explain: epn \(persistent runner\): its path matches the glob .*count\*\.pl/);
    assert.match(String(glob.stderr), /explain: ran via epn \(persistent runner\) in /);
    const plain = testcmd('testcmd', '--explain', `${EPN}counter.pl`);
    assert.match(String(plain.stderr), /explain: ran via epn in /, 'without the opt-in: a forked EPN check');
    const r3 = testcmd(`epn_persistent_plugins=${EPN}lexical-*.pl`, 'testcmd', '--explain', `${EPN}lexical-sub.pl`, 'v');
    assert.equal(r3.stdout, 'OK - x=v\n');
    assert.match(String(r3.stderr), /explain: epn: opted into a persistent runner, but the farm forked it \(named subs using file-scope lexicals, R3/);
    assert.match(String(r3.stderr), /explain: ran via epn in /);
  });
});
