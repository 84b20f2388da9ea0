// The demo behind the README's first command: starts a private gearmand on a free loopback port, starts the built
// worker on it, submits real checks as the Mod-Gearman NEB would (AES-encrypted), reads the results back from
// check_results, prints a table, and stops everything it started.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { GearmanClient } from '../src/gearman/client.js';
import { GearmanWorker } from '../src/gearman/worker.js';
import { PayloadCodec } from '../src/job/crypto.js';
import { buildJobText, type JobTextInput } from '../src/job/job-text.js';
import { parseResultText, type ParsedResult } from '../src/job/result-text.js';
import { startGearmand } from '../test/helpers/gearmand.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'demo-shared-secret-key';
const PLUGINS = '/usr/lib/nagios/plugins';
const STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

interface DemoCheck {
  queue: string;
  job: JobTextInput;
  what: string;
}

function service(host: string, svc: string, commandLine: string, extra: Partial<JobTextInput> = {}): JobTextInput {
  return { type: 'service', resultQueue: 'check_results', hostName: host, serviceDescription: svc, coreTime: Date.now() / 1000, timeout: 10, commandLine, ...extra };
}

// use_embedded_perl_implicitly=yes below: Perl plugins without a header (Debian's check_file_age) run in the
// farm too; `# nagios: -epn` still forks.
const CHECKS: DemoCheck[] = [
  { queue: 'host', what: 'host check', job: { type: 'host', resultQueue: 'check_results', hostName: 'web01', coreTime: Date.now() / 1000, timeout: 10, commandLine: `${PLUGINS}/check_dummy 0 "host is up"` } },
  { queue: 'service', what: 'check_dummy', job: service('web01', 'dummy', `${PLUGINS}/check_dummy 1 "a warning from check_dummy"`) },
  { queue: 'service', what: 'check_file_age (Perl)', job: service('web01', 'hostname file', `${PLUGINS}/check_file_age -f /etc/hostname -w 315360000 -c 630720000`) },
  { queue: 'service', what: 'EPN plugin', job: service('web01', 'load (epn)', `${ROOT}plugins/check_epn_demo.pl -w 2000 -c 4000`) },
  { queue: 'service', what: 'EPN persistent runner', job: service('web01', 'uptime (run)', `${ROOT}plugins/check_persistent_demo.pl`) },
  { queue: 'service', what: 'Perl with -epn', job: service('web01', 'perl (-epn)', `${ROOT}plugins/check_noepn_demo.pl`) },
  { queue: 'service', what: 'shell pipeline', job: service('web01', 'pipeline', `${PLUGINS}/check_dummy 0 "piped through cat" | /bin/cat`) },
  { queue: 'service', what: 'stderr', job: service('db01', 'disk', `${ROOT}plugins/check_stderr_demo.sh`) },
  { queue: 'service', what: 'timeout (2 s)', job: service('db01', 'slow', `${ROOT}plugins/check_slow_demo.sh`, { timeout: 2 }) },
  { queue: 'special', what: 'custom WORKER queue', job: service('db01', 'custom queue', `${PLUGINS}/check_dummy 0 "served from queue special"`) },
  { queue: 'service', what: 'missing plugin', job: service('db01', 'missing', `${PLUGINS}/check_does_not_exist -H db01`) },
];

function cell(text: string, width: number): string {
  const one = text.replace(/\n+$/, '').replace(/\n/g, ' ⏎ ');
  return one.length > width ? `${one.slice(0, width - 1)}…` : one.padEnd(width);
}

async function main(): Promise<void> {
  const gearmand = await startGearmand();
  const server = `127.0.0.1:${gearmand.port}`;
  console.log(`gearmand ${gearmand.address.host}:${gearmand.port} started`);
  const worker = spawn(
    process.execPath,
    [`${ROOT}dist/cli/worker.js`, `server=${server}`, `key=${KEY}`, 'identifier=demo-worker', 'services=yes', 'hosts=yes', 'queue=special', 'debug=1', 'kill_grace_period=1', 'use_embedded_perl_implicitly=yes'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const via = new Map<string, string>();
  let log = '';
  worker.stdout.on('data', (d: Buffer) => {
    log += d.toString();
    let nl: number;
    while ((nl = log.indexOf('\n')) >= 0) {
      const line = log.slice(0, nl);
      log = log.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const l = JSON.parse(line) as Record<string, unknown>;
      if (l.msg === 'job:finish') via.set(`${String(l.host)}/${String(l.service ?? '')}`, l.persistent === true ? 'epn/run' : String(l.via));
      if (typeof l.msg === 'string' && l.msg.startsWith('worker:start')) console.log(`worker started: ${l.msg}`);
    }
  });
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const results: ParsedResult[] = [];
  const collector = new GearmanWorker({
    servers: [gearmand.address],
    functions: ['check_results'],
    maxJobs: 10,
    handler: (job) => {
      results.push(parseResultText(codec.decode(job.payload)));
    },
  });
  collector.start();
  const client = new GearmanClient({ servers: [gearmand.address] });
  const t0 = Date.now();
  for (const c of CHECKS) await client.submitBackground(c.queue, codec.encode(buildJobText(c.job)));
  console.log(`submitted ${CHECKS.length} encrypted jobs; waiting for results on check_results\n`);
  while (results.length < CHECKS.length && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));

  const header = `${cell('host', 7)} ${cell('service', 14)} ${cell('state', 8)} ${cell('ran via', 8)} ${cell('ms', 6)} output`;
  console.log(header);
  console.log('-'.repeat(header.length + 50));
  for (const c of CHECKS) {
    const r = results.find((x) => x.hostName === c.job.hostName && (x.serviceDescription ?? '') === (c.job.serviceDescription ?? ''));
    const key = `${c.job.hostName}/${c.job.serviceDescription ?? ''}`;
    if (r === undefined) {
      console.log(`${cell(c.job.hostName ?? '', 7)} ${cell(c.job.serviceDescription ?? '(host)', 14)} no result`);
      continue;
    }
    const ms = r.finishTime !== undefined && r.startTime !== undefined ? String(Math.round((r.finishTime - r.startTime) * 1000)) : '';
    console.log(
      `${cell(r.hostName, 7)} ${cell(r.serviceDescription ?? '(host)', 14)} ${cell(STATES[r.returnCode] ?? String(r.returnCode), 8)} ${cell(via.get(key) ?? '?', 8)} ${cell(ms, 6)} ${cell(r.output, 90)}`,
    );
  }
  console.log(`\n${results.length}/${CHECKS.length} results in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  await collector.close({ timeoutMs: 1000 });
  await client.close();
  worker.kill('SIGTERM');
  const [code] = (await once(worker, 'exit')) as [number | null];
  console.log(`worker stopped (exit ${String(code)}), stopping gearmand`);
  await gearmand.stop();
  if (results.length < CHECKS.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
