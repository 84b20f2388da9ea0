// Embedded Perl through the whole worker: real gearmand, the worker CLI with its Perl farm, encrypted jobs in,
// results out. How each check ran (epn or exec) is read from the worker's job:finish log lines.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GearmanClient } from '../../src/gearman/client.js';
import { PayloadCodec } from '../../src/job/crypto.js';
import { startCheckStack, type CheckStack } from '../helpers/check-stack.js';
import { serviceJob, submitJob } from '../helpers/jobs.js';
import type { ResultCollector } from '../helpers/result-collector.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WorkerProcess } from '../helpers/worker-process.js';

const EPN = fileURLToPath(new URL('../../fixtures/epn/', import.meta.url));
const KEY = 'epn-key';

describe('worker: embedded Perl', () => {
  let stack: CheckStack;
  let worker: WorkerProcess;
  let client: GearmanClient;
  let results: ResultCollector;
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const tmp = mkdtempSync(join(tmpdir(), 'mg-epn-'));

  before(async () => {
    stack = await startCheckStack(KEY, ['services=yes', 'max-worker=60', 'debug=1', 'epn_processes=2', 'kill_grace_period=1']);
    ({ worker, client, results } = stack);
  });

  after(async () => {
    await stack?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Submits service checks for host `host` and waits for their results. */
  async function run(host: string, checks: Record<string, string>, timeout = 10): Promise<void> {
    const before = results.results.length;
    for (const [svc, cmd] of Object.entries(checks)) await submitJob(client, codec, 'service', serviceJob(host, svc, cmd, { timeout }));
    await results.waitFor(before + Object.keys(checks).length, 30_000);
  }
  const via = (host: string, service: string): unknown =>
    worker.logLines().find((l) => l.msg === 'job:finish' && l.host === host && l.service === service)?.via;

  test('the header decides: +epn runs in the farm, -epn and no header (implicit off) fork, shell syntax forks', async () => {
    await run('hdr', {
      plus: `${EPN}ok.pl`,
      minus: `${EPN}epn-minus.pl`,
      implicit: `${EPN}implicit.pl`,
      quoted: `${EPN}ok.pl -x 'a|b'`,
      unquoted: `${EPN}ok.pl -x a | /bin/cat`,
    });
    assert.equal(via('hdr', 'plus'), 'epn');
    assert.equal(via('hdr', 'minus'), 'exec');
    assert.equal(via('hdr', 'implicit'), 'exec');
    assert.equal(via('hdr', 'quoted'), 'epn', 'metacharacters inside single quotes keep EPN');
    assert.equal(via('hdr', 'unquoted'), 'shell');
    for (const s of ['plus', 'quoted', 'unquoted']) assert.equal(results.find('hdr', s)?.output, 'OK - fine\n', s);
    assert.equal(results.find('hdr', 'minus')?.output, 'OK - epn minus\n');
  });

  test('return codes and the C EPN texts: die, no exit, compile error with file:line, exit inside eval, rc 4', async () => {
    await run('rc', {
      warning: `${EPN}warning.pl`,
      die: `${EPN}die.pl`,
      noexit: `${EPN}noexit.pl`,
      compile: `${EPN}compile-error.pl`,
      evalexit: `${EPN}exit-in-eval.pl`,
      rc4: `${EPN}rc4.pl`,
      beginexit: `${EPN}begin-exit.pl`,
    });
    assert.equal(results.find('rc', 'warning')?.returnCode, 1);
    const die = results.find('rc', 'die');
    assert.equal(die?.returnCode, 3);
    assert.match(die?.output ?? '', new RegExp(`\\*\\*ePN ${EPN}die\\.pl: "boom`));
    const noexit = results.find('rc', 'noexit');
    assert.equal(noexit?.returnCode, 3);
    assert.match(noexit?.output ?? '', /plugin did not call exit\(\)/);
    const compile = results.find('rc', 'compile');
    assert.equal(compile?.returnCode, 3);
    assert.match(compile?.output ?? '', new RegExp(`^\\*\\*ePN failed to compile ${EPN}compile-error\\.pl: ".*at ${EPN}compile-error\\.pl line \\d+`));
    assert.equal(results.find('rc', 'evalexit')?.returnCode, 2);
    assert.match(results.find('rc', 'rc4')?.output ?? '', /^CRITICAL: Return code of 4 is out of bounds/);
    const beginExit = results.find('rc', 'beginexit');
    assert.equal(beginExit?.returnCode, 3, 'exit in BEGIN keeps the plugin\'s own code');
    assert.equal(beginExit?.output, 'UNKNOWN - missing a module\n', 'and its own output, as plain perl');
    for (const s of ['warning', 'die', 'noexit', 'compile', 'evalexit', 'rc4', 'beginexit']) assert.equal(via('rc', s), 'epn', s);
  });

  test('output through syswrite, system() and a child process, and stderr, are captured', async () => {
    await run('out', { sys: `${EPN}syswrite.pl`, child: `${EPN}system-child.pl`, err: `${EPN}stderr.pl` });
    assert.equal(results.find('out', 'sys')?.output, 'print|printf|syswrite|fd1\n');
    assert.match(results.find('out', 'child')?.output ?? '', /from perl\nfrom system\nfrom forked child/);
    assert.match(results.find('out', 'err')?.output ?? '', /^OK - on stdout\n\n\[on stderr\na warning\] $/);
  });

  test('state never leaks: `our $count++` prints 1 on run 1 and on run 50', async () => {
    const checks: Record<string, string> = {};
    for (let i = 1; i <= 50; i++) checks[`c${i}`] = `${EPN}counter.pl`;
    await run('count', checks);
    for (let i = 1; i <= 50; i++) assert.equal(results.find('count', `c${i}`)?.output, 'count=1\n', `run ${i}`);
  });

  test('timeouts inside the plugin and inside BEGIN: the group is killed, the text names the worker', async () => {
    await run('slow', { run: `${EPN}slow.pl`, begin: `${EPN}slow-begin.pl`, fast: `${EPN}ok.pl` }, 1);
    for (const s of ['run', 'begin']) {
      const r = results.find('slow', s);
      assert.equal(r?.returnCode, 3, s);
      assert.match(r?.output ?? '', /^\(Service Check Timed Out On Worker: /, s);
    }
    assert.match(results.find('slow', 'run')?.output ?? '', /\nstarted\n$/, 'partial output kept');
    assert.equal(results.find('slow', 'fast')?.output, 'OK - fine\n', 'a slow compile does not stall other checks');
  });

  test('hot reload: an edit is seen by the next check; an edit while idle is recompiled ahead; a deleted plugin is rc 127', async () => {
    const plugin = join(tmp, 'check_edit.pl');
    const write = (text: string): void => {
      writeFileSync(plugin, `#!/usr/bin/perl\n# nagios: +epn\n${text}\n`);
      chmodSync(plugin, 0o755);
    };
    write('print "version 1\\n"; exit 0;');
    await run('edit', { v1: plugin });
    write('print "version 2, longer\\n"; exit 1;');
    await run('edit', { v2: plugin });
    assert.equal(results.find('edit', 'v1')?.output, 'version 1\n');
    assert.equal(results.find('edit', 'v2')?.output, 'version 2, longer\n');
    assert.equal(results.find('edit', 'v2')?.returnCode, 1);
    write('print "broken" exit 0;'); // a syntax error, written while no check runs
    await worker.waitForLog('epn:compile-error', 10_000);
    copyFileSync(`${EPN}ok.pl`, plugin);
    await run('edit', { fixed: plugin });
    assert.equal(results.find('edit', 'fixed')?.output, 'OK - fine\n');
    rmSync(plugin);
    await run('edit', { deleted: plugin });
    const gone = results.find('edit', 'deleted');
    assert.equal(gone?.returnCode, 2);
    assert.match(gone?.output ?? '', /^CRITICAL: Return code of 127 is out of bounds/);
  });

  test('a farm process SIGKILLed mid-check: UNKNOWN with the reason, and the next check is fine', async () => {
    const before = results.results.length;
    await submitJob(client, codec, 'service', serviceJob('kill', 'victim', `${EPN}sleep-then-ok.pl 5`));
    await waitFor(() => worker.logLines().some((l) => l.msg === 'job:start' && l.service === 'victim'), { message: 'victim started' });
    // The farm processes are the worker's perl children running mg-epn-farm.pl.
    const farmPids = await waitFor(() => farmProcesses(worker.proc.pid as number), { message: 'farm processes' });
    // Kill only once the check runs inside a farm: its child (whose $0 is the plugin) exists. A fixed sleep was
    // not enough on a loaded CI machine: the check was still queued, went to the respawned farm and passed.
    await waitFor(() => farmPids.some((farm) => childrenRunning(farm, 'sleep-then-ok.pl')), { message: 'the check running in a farm child' });
    for (const pid of farmPids) process.kill(pid, 'SIGKILL');
    await results.waitFor(before + 1, 15_000);
    const r = results.find('kill', 'victim');
    assert.equal(r?.returnCode, 3);
    assert.match(r?.output ?? '', /embedded Perl interpreter .* died/);
    await run('kill', { next: `${EPN}ok.pl` });
    assert.equal(results.find('kill', 'next')?.output, 'OK - fine\n');
  });
});

/** Pids of the mg-epn-farm.pl processes whose parent is `parent`. */
function farmProcesses(parent: number): number[] | undefined {
  const pids = childPids(parent, 'mg-epn-farm.pl');
  return pids.length > 0 ? pids : undefined;
}

/** Whether `parent` has a child whose command line mentions `what`. */
function childrenRunning(parent: number, what: string): boolean {
  return childPids(parent, what).length > 0;
}

/** Pids of the processes whose parent is `parent` and whose command line mentions `what`. */
function childPids(parent: number, what: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && cmd.includes(what)) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
