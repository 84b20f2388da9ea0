// Measures decode + parse of a typical encrypted service job (the golden capture 08, 240 bytes of
// ciphertext), the work done for every job a worker grabs. Run: node --import tsx bench/job-decode.ts [iterations]
import { readFileSync } from 'node:fs';
import { PayloadCodec } from '../src/job/crypto.js';
import { parseJobText, validateJob } from '../src/job/job-text.js';
import { buildResultText } from '../src/job/result-text.js';

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
