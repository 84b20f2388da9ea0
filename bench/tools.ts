// The operator tools' costs that matter in production: send_gearman in batch mode (results per second from a
// big stdin, e.g. an NSCA-style forwarder) and one check_gearman run (Nagios forks it per check, so its start-up
// time is its cost). Uses the built CLIs in dist/ (run `npm run build` first); prints figure and target.
// Run: npx tsx bench/tools.ts [lines]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GearmanWorker } from '../src/gearman/worker.js';
import { startGearmand } from '../test/helpers/gearmand.js';
import { waitFor } from '../test/helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LINES = Number(process.argv[2] ?? 20_000);
const TARGET_RESULTS_PER_S = 5_000;
const TARGET_CHECK_MS = 500;

function run(cli: string, args: string[], stdin = ''): Promise<{ code: number | null; ms: number; out: string }> {
  const start = process.hrtime.bigint();
  const proc = spawn(process.execPath, [`${ROOT}dist/cli/${cli}.js`, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stdin.end(stdin);
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - start) / 1e6, out })));
}

async function main(): Promise<void> {
  if (!existsSync(`${ROOT}dist/cli/send-gearman.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  const gearmand = await startGearmand();
  const server = `127.0.0.1:${gearmand.port}`;
  let received = 0;
  const reader = new GearmanWorker({ servers: [gearmand.address], functions: ['check_results'], maxJobs: 100, handler: () => void received++ });
  reader.start();
  try {
    const input = Array.from({ length: LINES }, (_, i) => `host${i % 100}\tsvc${i}\t${i % 4}\tOUTPUT ${i} - all fine|time=0.0${i % 10}s`).join('\n');
    const send = await run('send-gearman', [`--server=${server}`, '--key=bench-key-0123456789'], `${input}\n`);
    if (send.code !== 0) throw new Error(`send_gearman exited ${send.code}: ${send.out}`);
    await waitFor(() => received >= LINES, { timeoutMs: 120_000, message: `${LINES} results` });
    const rate = Math.round(LINES / (send.ms / 1000));
    console.log(`send_gearman batch: ${LINES} results in ${Math.round(send.ms)} ms = ${rate.toLocaleString('en')} results/s (target >= ${TARGET_RESULTS_PER_S.toLocaleString('en')}) ${rate >= TARGET_RESULTS_PER_S ? 'met' : 'MISSED'}`);

    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push((await run('check-gearman', ['-H', server, '-q', 'check_results'])).ms);
    times.sort((a, b) => a - b);
    const median = Math.round(times[5] as number);
    console.log(`check_gearman run (process start to exit, median of 10): ${median} ms (target <= ${TARGET_CHECK_MS} ms) ${median <= TARGET_CHECK_MS ? 'met' : 'MISSED'}; min ${Math.round(times[0] as number)} ms, max ${Math.round(times[9] as number)} ms`);
  } finally {
    await reader.close({ timeoutMs: 1000 });
    await gearmand.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
