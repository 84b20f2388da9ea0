// Produces docs/tools.md: one real session of each operator tool (gearman_top batch and live, check_gearman,
// send_gearman, send_multi) against a private gearmand and our worker, plus each tool's --help. Run it with
// `npx tsx scripts/tool-sessions.ts` (add `--stdout` to print instead of writing the page). Times, ports and
// versions in the page are the real ones of the run.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawn as ptySpawn } from 'node-pty';
import { GearmanClient } from '../src/gearman/client.js';
import { GearmanWorker } from '../src/gearman/worker.js';
import { PayloadCodec } from '../src/job/crypto.js';
import { freePort, startGearmand } from '../test/helpers/gearmand.js';
import { startWorker } from '../test/helpers/worker-process.js';
import { waitFor } from '../test/helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'docs-shared-secret';
const ESC = '\x1b';
const REPORT = readFileSync(`${ROOT}test/fixtures/tools/check_multi_report.xml`, 'utf8');

type Tool = 'gearman_top' | 'check_gearman' | 'send_gearman' | 'send_multi';
const CLI: Record<Tool, string> = {
  gearman_top: 'gearman-top',
  check_gearman: 'check-gearman',
  send_gearman: 'send-gearman',
  send_multi: 'send-multi',
};

// Runs a tool and renders the shell session: the command, its output, its exit code.
async function session(tool: Tool, args: string[], stdin?: { text: string; shown: string }): Promise<string> {
  const proc = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli/${CLI[tool]}.ts`, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, CONFIG_GEARMAND_PORT: '' } });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  proc.stdin.end(stdin?.text ?? '');
  const code = await new Promise<number | null>((resolve) => proc.once('close', resolve));
  const quoted = args.map((a) => (/^[\w@%+=:,./[\]-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
  return `$ ${stdin === undefined ? '' : `${stdin.shown} | `}${tool} ${quoted}\n${out}${out.endsWith('\n') || out === '' ? '' : '\n'}$ echo $?\n${code}\n`;
}

// The live screen under a pseudo terminal: the last frame as plain text, after a refresh and a sort key.
async function liveScreen(server: string): Promise<string> {
  const pty = ptySpawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli/gearman-top.ts`, '-H', server, '-i', '0.5'], {
    cols: 100,
    rows: 16,
    env: { ...process.env, TERM: 'xterm', CONFIG_GEARMAND_PORT: '' } as Record<string, string>,
  });
  let out = '';
  pty.onData((d) => (out += d));
  const exited = new Promise<void>((resolve) => pty.onExit(() => resolve()));
  await waitFor(() => out.split('\x1b[H').length > 3, { timeoutMs: 20_000, message: 'three frames' });
  pty.write('j');
  await waitFor(() => out.includes('by waiting'), { timeoutMs: 10_000, message: 'sorted by waiting' });
  const frame = out.slice(out.lastIndexOf('\x1b[H'));
  pty.write('q');
  await exited;
  const rows: string[] = [];
  // Turn the frame's cursor moves into rows: \r\n ends a row, ESC[<row>;1H jumps to the footer row.
  for (const part of frame.split(new RegExp(`(${ESC}\\[\\d+;1H)`))) {
    const jump = new RegExp(`^${ESC}\\[(\\d+);1H$`).exec(part);
    if (jump !== null) {
      while (rows.length < Number(jump[1]) - 1) rows.push('');
      continue;
    }
    rows.push(...part.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '').split('\r\n').map((l) => l.replace(/\r/g, '')));
  }
  return rows.map((r) => r.trimEnd()).join('\n').replace(/\n{3,}/g, '\n\n');
}

async function main(): Promise<void> {
  const gearmand = await startGearmand();
  const server = `127.0.0.1:${gearmand.port}`;
  const dead = `127.0.0.1:${await freePort()}`;
  const worker = await startWorker([`server=${server}`, `key=${KEY}`, 'identifier=docs-worker', 'services=yes', 'hosts=yes', 'max-worker=10']);
  const client = new GearmanClient({ servers: [gearmand.address] });
  const results: string[] = [];
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const reader = new GearmanWorker({ servers: [gearmand.address], functions: ['check_results'], maxJobs: 10, handler: (job) => void results.push(codec.decode(job.payload)) });
  try {
    for (let i = 0; i < 4; i++) await client.submitBackground('hostgroup_dmz', `job ${i}`);
    const top = [await session('gearman_top', ['-b', '-H', server, '-H', dead])];
    const live = await liveScreen(server);
    const check = [
      await session('check_gearman', ['-H', server]),
      await session('check_gearman', ['-H', server, '-q', 'service', '-w', '5', '-c', '20']),
      await session('check_gearman', ['-H', server, '-q', 'service', '-W', '1']),
      await session('check_gearman', ['-H', server, '-q', 'worker_docs-worker', '-s', 'check']),
      await session('check_gearman', ['-H', dead]),
    ];
    reader.start();
    const send = [
      await session('send_gearman', [`--server=${server}`, `--key=${KEY}`, '--host=web01', '--service=backup', '-r=0', '--message=OK - backup finished|size=12GB']),
      await session('send_gearman', [`--server=${server}`, `--key=${KEY}`], {
        text: 'web01\thttp\t1\tWARNING - slow answer\nthis line is broken\nweb02\t0\tUP - ping ok\n',
        shown: "printf 'web01\\thttp\\t1\\tWARNING - slow answer\\nthis line is broken\\nweb02\\t0\\tUP - ping ok\\n'",
      }),
    ];
    await waitFor(() => results.length >= 3, { timeoutMs: 15_000, message: 'send_gearman results' });
    const sendResults = results.splice(0);
    const multi = [await session('send_multi', [`--server=${server}`, `--key=${KEY}`, '--host=app01'], { text: REPORT, shown: 'cat check_multi_report.xml' })];
    await waitFor(() => results.length >= 3, { timeoutMs: 15_000, message: 'send_multi results' });
    const help = await Promise.all((Object.keys(CLI) as Tool[]).map(async (t) => [t, await session(t, ['--help'])] as const));
    const page = render({ top, live, check, send, sendResults, multi, multiResults: results, help });
    if (process.argv.includes('--stdout')) process.stdout.write(page);
    else writeFileSync(`${ROOT}docs/tools.md`, page);
  } finally {
    await reader.close({ timeoutMs: 1000 });
    await client.close();
    await worker.stop('SIGTERM');
    await gearmand.stop();
  }
}

interface Sessions {
  top: string[];
  live: string;
  check: string[];
  send: string[];
  sendResults: string[];
  multi: string[];
  multiResults: string[];
  help: (readonly [Tool, string])[];
}

const block = (lang: string, text: string): string => `\`\`\`${lang}\n${text.replace(/\n$/, '')}\n\`\`\``;
const decoded = (texts: string[]): string => block('text', texts.map((t) => t.replace(/\n+$/, '')).sort().join('\n\n'));

function render(s: Sessions): string {
  return [
    '# Operator tools: gearman_top, check_gearman, send_gearman, send_multi',
    '',
    '<!-- generated by scripts/tool-sessions.ts from real runs against gearmand 1.1 and mg-workhorse: do not edit by hand -->',
    '',
    'Drop-in replacements for the C Mod-Gearman tools: the same options, output texts and exit codes, so Nagios',
    'command definitions keep working. Each reads a worker.cfg or YAML file with `--config=FILE` (the same',
    'option table as the worker, see [config.md](config.md)); getopt forms such as `-H host -w 5` and `-Hhost -w5` work.',
    'Without a server they use `localhost:4730` or `$CONFIG_GEARMAND_PORT`. Installed as `gearman_top`,',
    '`check_gearman`, `send_gearman` and `send_multi`. Everything below is the output of one real run of',
    '`npx tsx scripts/tool-sessions.ts` (a private gearmand, our worker with identifier `docs-worker`, four jobs',
    'queued on `hostgroup_dmz`, which no worker serves, and a second server address where nothing listens).',
    '',
    'Differences from C, all deliberate: check_gearman keeps the worst state over all queues (C let a later',
    'WARNING hide an earlier CRITICAL); a `<digit>:` answer above 3 is UNKNOWN; gearman_top adds a rate column and',
    'sort keys and marks orphaned queues; send_gearman reports bad batch lines and still sends the rest (exit 3);',
    'send_multi reports invalid children and exits 1 when some were skipped; the tools encrypt whenever a key is',
    'set (C 5.1.5+), `--encryption=no` sends clear text.',
    '',
    '## gearman_top',
    '',
    'Batch mode (`-b`, or whenever stdout is not a terminal), one table per `-H`, the dead server with its error:',
    '',
    block('console', s.top.join('\n')),
    '',
    'The live screen (alternate screen, refreshed in place every `-i` seconds; here 100x16 after pressing `j`,',
    'sort by jobs waiting). On a terminal the `hostgroup_dmz` row is white on red: its checks go orphaned.',
    '',
    block('text', s.live),
    '',
    '## check_gearman',
    '',
    block('console', s.check.join('\n')),
    '',
    '## send_gearman',
    '',
    block('console', s.send.join('\n')),
    '',
    'What arrived on `check_results`, decrypted by our result reader (what the NEB module reads):',
    '',
    decoded(s.sendResults),
    '',
    '## send_multi',
    '',
    'The input is `test/fixtures/tools/check_multi_report.xml` (a check_multi `-r 256` report; child 3 lacks its',
    '`<error>` tag).',
    '',
    block('console', s.multi.join('\n')),
    '',
    decoded(s.multiResults),
    '',
    '## --help',
    '',
    ...s.help.flatMap(([tool, text]) => [`### ${tool}`, '', block('console', text), '']),
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
