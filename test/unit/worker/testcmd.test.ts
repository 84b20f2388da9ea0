import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeSpawner } from '../../../src/exec/native-spawner.js';
import { NodeSpawner } from '../../../src/exec/node-spawner.js';
import { explainRun, testcmd } from '../../../src/worker/testcmd.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDir, workerConfig } from './support.js';

const PTY_LINE = 'pty: runs under a pseudo-terminal (pty_plugins= glob or "# mg-workhorse: pty" header)';

test('explainRun: an exec line with env prefixes', () => {
  assert.deepEqual(explainRun("LANG=C /usr/bin/check_x -w 'a|b'", workerConfig()), [
    'exec: argv ["/usr/bin/check_x","-w","a|b"] with env LANG="C" (no shell metacharacters outside single quotes)',
  ]);
});

test('explainRun: a shell line names the character that needs /bin/sh', () => {
  assert.deepEqual(explainRun('/usr/bin/check_x | head -1', workerConfig()), ['shell: /bin/sh -c ("|" at column 18 outside quotes)']);
});

test('explainRun: an internal check', () => {
  assert.deepEqual(explainRun('/usr/lib/nagios/plugins/check_dummy 0 fine', workerConfig()), [
    'exec: argv ["/usr/lib/nagios/plugins/check_dummy","0","fine"] (no shell metacharacters outside single quotes)',
    'internal: check_dummy is answered inside the worker, no process is started',
  ]);
  assert.deepEqual(explainRun('/usr/lib/nagios/plugins/check_dummy 0 fine', workerConfig(['internal_check_dummy=no'])), [
    'exec: argv ["/usr/lib/nagios/plugins/check_dummy","0","fine"] (no shell metacharacters outside single quotes)',
  ]);
});

test('explainRun: restrict_path refuses, and says nothing more', () => {
  const config = workerConfig(['restrict_path=/usr/lib/nagios/plugins']);
  assert.deepEqual(explainRun('/etc/evil -x', config), ['restrict_path: refused: ERROR: /etc/evil is not under restrict_path /usr/lib/nagios/plugins']);
  assert.deepEqual(explainRun('/usr/lib/nagios/plugins/check_x; id', config), [
    'restrict_path: refused: ERROR: the command contains ";" at column 32, which restrict_command_characters forbids',
  ]);
});

test('explainRun: restrict_path allows a command under it', () => {
  assert.deepEqual(explainRun('/usr/lib/nagios/plugins/check_x -w 1', workerConfig(['restrict_path=/usr/lib/nagios/plugins', 'restrict_path=/opt/plugins'])), [
    'restrict_path: allowed (/usr/lib/nagios/plugins, /opt/plugins)',
    'exec: argv ["/usr/lib/nagios/plugins/check_x","-w","1"] (no shell metacharacters outside single quotes)',
  ]);
});

test('explainRun: a pty_plugins glob adds the pty line', () => {
  assert.deepEqual(explainRun('/opt/pty/check_top -n 1', workerConfig(['pty_plugins=/opt/pty/*'])), [
    'exec: argv ["/opt/pty/check_top","-n","1"] (no shell metacharacters outside single quotes)',
    PTY_LINE,
  ]);
});

test('explainRun: a line that cannot run', () => {
  assert.deepEqual(explainRun('A=1 B=2', workerConfig(['pty_plugins=**'])), [
    'not run: command line holds only KEY=VALUE environment assignments, no command to run (NO_COMMAND)',
  ]);
});

test('testcmd: a shell line with stderr: stdout, then [stderr], and its return code', async () => {
  const spawner = new NodeSpawner();
  const r = await testcmd('echo out; echo err >&2; exit 1', workerConfig(), spawner);
  await spawner.close();
  assert.equal(r.returnCode, 1);
  assert.equal(r.output, 'out\n[err]\n');
  assert.equal(r.explanation[0], 'shell: /bin/sh -c (";" at column 9 outside quotes)');
  assert.equal(r.explanation[1], 'started by spawner=node: child_process.spawn in the worker');
  assert.match(r.explanation[2] ?? '', /^ran via shell in \d+\.\d ms, return code 1$/);
  assert.equal(r.explanation.length, 3);
});

test('testcmd: output without stderr is passed as is; --explain names the native spawner', async () => {
  const spawner = new NativeSpawner();
  const r = await testcmd('/bin/echo hello world', workerConfig(), spawner);
  await spawner.close();
  assert.deepEqual([r.returnCode, r.output], [0, 'hello world\n']);
  assert.equal(r.explanation.at(-2), 'started by spawner=native: posix_spawn from the worker\'s I/O thread (native/mg_spawn.c)');
  assert.match(r.explanation.at(-1) ?? '', /^ran via exec in \d+\.\d ms, return code 0$/);
});

test('testcmd: an internal check runs as a service check, with its explanation', async () => {
  const spawner = new NodeSpawner();
  const r = await testcmd('/x/check_dummy 2 "on fire"', workerConfig(), spawner);
  await spawner.close();
  assert.deepEqual([r.returnCode, r.output], [2, 'CRITICAL: on fire\n']);
  assert.equal(r.explanation[1], 'internal: check_dummy is answered inside the worker, no process is started');
  assert.match(r.explanation[2] ?? '', /^ran via internal in \d+\.\d ms, return code 2$/);
});

test('explainRun: a Perl plugin gets the EPN verdict and the rule that decided', () => {
  const file = join(tmpDir(), 'check_p.pl');
  writeFileSync(file, '#!/usr/bin/perl\n# nagios: +epn\nexit 0;\n');
  assert.deepEqual(explainRun(`${file} -w 1`, workerConfig()), [
    'epn: runs in the embedded Perl farm: line 2 says +epn',
    `exec: argv ${JSON.stringify([file, '-w', '1'])} (no shell metacharacters outside single quotes)`,
  ]);
  assert.deepEqual(explainRun(`${file} -w 1 | cat`, workerConfig())[0], 'not epn: "|" at column ' + String(file.length + 7) + ' is outside single quotes (EPN needs such characters single-quoted)');
  const env = join(tmpDir(), 'check_env.pl');
  writeFileSync(env, '#!/usr/bin/env perl\n# nagios: +epn\nexit 0;\n');
  assert.match(explainRun(env, workerConfig())[0] ?? '', /^not epn: line 1 does not contain "\/bin\/perl".*\(Go would use EPN/);
});
