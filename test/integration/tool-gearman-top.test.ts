// gearman_top against real gearmands and our worker: batch text with an orphaned queue and a dead server,
// and the live screen driven under a pseudo-terminal (node-pty): refresh, sort key, resize, q.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { spawn as ptySpawn } from 'node-pty';
import { getStatus } from '../../src/gearman/admin.js';
import type { GearmanClient } from '../../src/gearman/client.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import { freePort, type Gearmand } from '../helpers/gearmand.js';
import { runToolProcess, toolCli } from '../helpers/run-tool.js';
import { waitFor } from '../helpers/wait-for.js';
import { startGearmandIpv6 } from '../helpers/gearmand-ipv6.js';
import { startToolStack, type ToolStack } from '../helpers/tool-stack.js';

const ID = 'tool-top-worker';
const ESC = '\x1b';

describe('gearman_top against gearmand and mg-workhorse', () => {
  let stack: ToolStack;
  let gearmand: Gearmand;
  let client: GearmanClient;
  let server: string;

  before(async () => {
    stack = await startToolStack(ID, 2);
    ({ gearmand, client, server } = stack);
    for (let i = 0; i < 3; i++) await stack.client.submitBackground('orphaned_queue', `job ${i}`);
  });
  after(() => stack?.stop());

  test('batch: one table per server, the orphaned queue marked, a dead server and an IPv6 address with their errors', async () => {
    const down = await freePort();
    const v6 = await freePort();
    const r = await runToolProcess('gearman-top', ['-b', '-H', server, '-H', `127.0.0.1:${down}`, '-H', `[::1]:${v6}`]);
    assert.equal(r.code, 0, r.stderr);
    const blocks = r.stdout.split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}- {2})/);
    assert.equal(blocks.length, 3, r.stdout);
    const [up, dead, ipv6] = blocks as [string, string, string];
    assert.match(up, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}- {2}${server.replaceAll('.', '\\.')} {2}- {2}v1\\.1\\.\\S+\\n\\n`));
    assert.match(up, / Queue Name +\| Worker Available \| Jobs Waiting \| Jobs Running \| +Rate\/s\n-+\n/);
    assert.match(up, /^ orphaned_queue +\|\s+0 {2}\|\s+3 {2}\|\s+0 {2}\|\s+- +<- jobs waiting, no worker$/m);
    assert.match(up, /^ service +\|\s+1 {2}\|\s+0 {2}\|\s+0 {2}\|\s+-$/m);
    assert.match(up, new RegExp(`^ worker_${ID} +\\|\\s+1 {2}\\|\\s+0 {2}\\|\\s+0 {2}\\|\\s+-$`, 'm'));
    assert.match(dead, new RegExp(`^\\S+ \\S+ {2}- {2}127\\.0\\.0\\.1:${down}\\n\\n failed to connect to address 127\\.0\\.0\\.1 and port ${down}: Connection refused\\n`));
    assert.match(ipv6, new RegExp(`^\\S+ \\S+ {2}- {2}\\[::1\\]:${v6}\\n\\n failed to connect to address ::1 and port ${v6}: `));
  });

  test('IPv6: a real gearmand on [::1] read by gearman_top and check_gearman', async () => {
    const v6 = await startGearmandIpv6();
    try {
      const top = await runToolProcess('gearman-top', ['-b', '-H', `[::1]:${v6.port}`]);
      assert.equal(top.code, 0, top.stderr);
      assert.match(top.stdout, new RegExp(`^\\S+ \\S+ {2}- {2}\\[::1\\]:${v6.port} {2}- {2}v1\\.1\\.\\S+\\n\\n Queue Name .*\\n-+\\n +no queues found\\n`));
      const check = await runToolProcess('check-gearman', ['-H', `[::1]:${v6.port}`]);
      assert.deepEqual([check.code, check.stdout.replace(/Version: \S+/, 'Version: V')], [0, 'check_gearman OK - 0 jobs running and 0 jobs waiting. Version: V\n']);
    } finally {
      await v6.stop();
    }
  });

  test('batch -q hides queues with no worker and no job; -b -i prints every interval with a rate', async () => {
    // A queue gearmand knows with no worker and no job: a worker registers it and leaves.
    const idle = new GearmanWorker({ servers: [gearmand.address], functions: ['idle_queue_probe'], maxJobs: 1, handler: () => undefined });
    idle.start();
    await waitFor(async () => (await getStatus(gearmand.address)).some((f) => f.name === 'idle_queue_probe' && f.availableWorkers === 1), { message: 'idle worker registered' });
    await idle.close({ timeoutMs: 1000 });
    await waitFor(async () => (await getStatus(gearmand.address)).some((f) => f.name === 'idle_queue_probe' && f.availableWorkers === 0), { message: 'idle worker gone' });
    const all = await runToolProcess('gearman-top', ['-b', '-H', server]);
    assert.match(all.stdout, /^ idle_queue_probe +\|\s+0 {2}\|\s+0 {2}\|\s+0 {2}\|/m);
    const quiet = await runToolProcess('gearman-top', ['-b', '-q', '-H', server]);
    assert.match(quiet.stdout, /orphaned_queue/);
    assert.doesNotMatch(quiet.stdout, /idle_queue_probe/);

    const proc = spawn(process.execPath, ['--import', 'tsx', toolCli('gearman-top'), '-b', '-i', '0.2', '-H', server], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // The second table has a rate (the first has "-": nothing to compare with).
      await waitFor(() => /^ orphaned_queue +\|\s+0 {2}\|\s+\d+ {2}\|\s+0 {2}\|\s+-?\d+\.\d/m.test(out), { timeoutMs: 20_000, message: `a rate; got ${out}` });
      assert.ok((out.match(/Queue Name/g) ?? []).length >= 2, 'printed repeatedly');
    } finally {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    }
  });

  test('live screen under a pty: draws, refreshes in place, sorts, follows a resize, scrolls, quits on q', async () => {
    const down = await freePort();
    // A server that accepts and never answers must not freeze the others' tables (one refresh loop per server).
    const silent = net.createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    after(() => silent.close());
    const hang = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const args = ['--import', 'tsx', toolCli('gearman-top'), '-H', hang, '-H', server, '-H', `127.0.0.1:${down}`, '-i', '0.3', '-t', '120'];
    const pty = ptySpawn(process.execPath, args, {
      cols: 100,
      rows: 30,
      cwd: process.cwd(),
      env: { ...process.env, TERM: 'xterm', CONFIG_GEARMAND_PORT: '' } as Record<string, string>,
    });
    let out = '';
    pty.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
    try {
      await waitFor(() => out.includes('orphaned_queue'), { timeoutMs: 20_000, message: `first frame; got ${JSON.stringify(out)}` });
      assert.ok(out.startsWith(`${ESC}[?1049h`), 'enters the alternate screen first');
      assert.ok(out.includes(`${hang}: connecting...`), 'the silent server is shown as waiting');
      assert.match(out, new RegExp(`${ESC}\\[1;37;41m orphaned_queue `), 'the orphaned queue is highlighted');
      assert.ok(out.includes(`${ESC}[1;31m failed to connect to address 127.0.0.1 and port ${down}: Connection refused`), 'the dead server\'s error, in red, on the same screen');
      assert.ok(out.includes(`${ESC}[H${ESC}[1m`), 'frames are drawn from the home position');

      // Refresh: a queue that appears after start shows up without a key press.
      const mark = out.length;
      await client.submitBackground('appears_later', 'x');
      await waitFor(() => out.slice(mark).includes('appears_later'), { timeoutMs: 20_000, message: 'refresh shows the new queue' });
      const frames = out.split(`${ESC}[H`).length - 1;
      assert.ok(frames >= 2, `redrawn in place (${frames} frames)`);

      pty.write('j');
      await waitFor(() => out.includes('by waiting  '), { timeoutMs: 10_000, message: 'sort key j' });
      pty.write('j');
      await waitFor(() => out.includes('by waiting (reversed)'), { timeoutMs: 10_000, message: 'j again reverses' });

      const beforeResize = out.length;
      pty.resize(50, 12);
      await waitFor(() => new RegExp(`${ESC}\\[12;1H${ESC}\\[7m(.{50})${ESC}\\[0m`).exec(out.slice(beforeResize)), { timeoutMs: 10_000, message: 'a frame for 50x12' });
      const after = out.slice(beforeResize);
      const lastFrame = after.slice(after.lastIndexOf(`${ESC}[H`));
      for (const line of lastFrame.split('\r\n')) {
        // eslint-disable-next-line no-control-regex
        const visible = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replaceAll('\r', '');
        assert.ok(visible.length <= 50, `line fits 50 columns: ${JSON.stringify(visible)}`);
      }

      // Scrolling when the tables do not fit: End shows the last lines, Home the first.
      const beforeScroll = out.length;
      pty.resize(100, 10);
      pty.write(`${ESC}[F`);
      await waitFor(
        () => [...out.slice(beforeScroll).matchAll(/lines (\d+)-(\d+)\/(\d+)/g)].some((m) => m[2] === m[3] && m[1] !== '1'),
        { timeoutMs: 10_000, message: 'End scrolls to the last line' },
      );
      const beforeHome = out.length;
      pty.write(`${ESC}[H`);
      await waitFor(() => /lines 1-9\/\d+/.test(out.slice(beforeHome)), { timeoutMs: 10_000, message: 'Home scrolls back' });

      pty.write('q');
      assert.equal(await exited, 0);
      assert.ok(out.includes(`${ESC}[?1049l`), 'leaves the alternate screen');
      assert.ok(out.includes(`${ESC}[?25h`), 'shows the cursor again');
    } finally {
      try {
        pty.kill();
      } catch {
        // already exited
      }
    }
  });
});
