// Measures decode + parse of a typical encrypted service job (the golden capture 08, 240 bytes of
// ciphertext), the work done for every job a worker grabs, and the other per-job steps on the main thread
// before a plugin is started (command line classification, the per-job child logger).
// Run: npx tsx bench/job-decode.ts [iterations]
import { readFileSync } from 'node:fs';
import { classifyEpn } from '../src/epn/classify.js';
import { classifyCommandLine } from '../src/exec/command-line.js';
import { PayloadCodec } from '../src/job/crypto.js';
import { parseJobText, validateJob } from '../src/job/job-text.js';
import { buildResultText } from '../src/job/result-text.js';
import { createLogger } from '../src/log.js';
import { wantsPty } from '../src/worker/pty-match.js';

const KEY = 'ThisKeyIsLongerThan32Chars-0123456789ABCDEF';
const payload = readFileSync(
  new URL('../fixtures/golden/jobs/longkey--service--service-h1-perfdata_multiline.b64', import.meta.url),
  'utf8',
);
const codec = new PayloadCodec({ encryption: true, key: KEY });
const iterations = Number(process.argv[2] ?? 100_000);

function run(label: string, fn: () => void): void {
  for (let i = 0; i < 10_000; i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label}: ${Math.round(iterations / seconds).toLocaleString('en')} ops/s (${((seconds / iterations) * 1e6).toFixed(2)} µs/op)`);
}

run('decode + parse + validate', () => {
  validateJob(parseJobText(codec.decode(payload)));
});
run('decode only', () => {
  codec.decode(payload);
});
const job = validateJob(parseJobText(codec.decode(payload)));
run('build result + encode', () => {
  codec.encode(
    buildResultText({
      hostName: job.hostName ?? '',
      serviceDescription: job.serviceDescription,
      coreStartTime: job.nextCheck ?? 0,
      startTime: 1795347352.779289,
      finishTime: 1795347352.781139,
      returnCode: 0,
      identifier: 'vm',
      output: 'OK - multi line with perfdata|time=0.123s;1;2;0;\nlong line 1\n',
    }),
  );
});
run('classify an exec line (shell-quote split)', () => {
  classifyCommandLine('/usr/lib/nagios/plugins/check_dummy 0 mgbench');
});
run('classify a shell line', () => {
  classifyCommandLine('/usr/lib/nagios/plugins/check_dummy 0 mgbench | /bin/cat');
});
// enable_embedded_perl=yes (the default): every exec'able job's plugin file is stat()ed (header cache hit).
const dummyLine = '/usr/lib/nagios/plugins/check_dummy 0 mgbench';
const dummyCommand = classifyCommandLine(dummyLine);
run('EPN verdict for check_dummy (stat + cached header)', () => {
  classifyEpn(dummyLine, dummyCommand, { enableEmbeddedPerl: true, useEmbeddedPerlImplicitly: false });
});
run('wantsPty (no pty_plugins)', () => {
  wantsPty('/usr/lib/nagios/plugins/check_dummy 0 mgbench', []);
});
// As job-handler.ts does per job at debug=0: a child logger with the job's bindings, and one debug call.
const logger = createLogger({ debug: 0, logfile: '/dev/null' });
run('per-job child logger + debug() at debug=0', () => {
  logger.child({ handle: 'H:vm:123', queue: 'service', host: 'bench-host-1', service: 'svc-1' }).debug({ type: 'service' }, 'job:start');
});
