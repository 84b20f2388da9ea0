// send_gearman end to end: options → one result (--host) or a batch of stdin lines → result queue.
import type { WorkerConfig } from '../../config/worker-config.js';
import { buildPassiveResultText } from '../../job/result-text.js';
import { nowSeconds } from '../clock.js';
import { readInput } from '../read-input.js';
import { ResultSubmitter } from '../result-submitter.js';
import type { ToolIo } from '../tool-main.js';
import { runTool } from '../tool-main.js';
import type { BatchResult } from './batch-line.js';
import { parseBatchLine } from './batch-line.js';
import { SEND_GEARMAN_SPEC } from './spec.js';

const FAILED = 3;
// Submits in flight at once in batch mode: enough to hide the round trip, few enough to stay polite.
const IN_FLIGHT = 64;

/** Runs send_gearman with `argv`; resolves with the exit code. */
export function runSendGearman(argv: readonly string[], io: ToolIo): Promise<number> {
  return runTool(SEND_GEARMAN_SPEC, argv, io, { help: 0 }, async (tool) => {
    const config = tool.config;
    if (config.host === undefined && config.message !== undefined) {
      io.stdout('got no hostname, please use --host=...\n');
      return FAILED;
    }
    if (config.host !== undefined && config.message !== undefined) return sendOne(config, io, config.message);
    if (io.stdin === undefined) return noInput(io);
    const input = await readInput(io.stdin, config.timeout * 1000);
    if (input.text.trim() === '') return noInput(io);
    // One trailing line end belongs to the pipe (`echo`), not to the plugin output.
    if (config.host !== undefined) return sendOne(config, io, input.text.replace(/\r?\n$/, ''));
    return sendBatch(config, io, input.text);
  });
}

function noInput(io: ToolIo): number {
  io.stdout('got no input! Either send plugin output to stdin or use --message=...\n');
  return FAILED;
}

function resultText(config: WorkerConfig, r: BatchResult): string {
  const now = nowSeconds();
  return buildPassiveResultText({
    hostName: r.host,
    serviceDescription: r.service,
    active: config.active,
    startTime: config.startTime ?? now,
    finishTime: config.finishTime ?? now,
    latency: config.latency ?? 0,
    returnCode: r.returnCode,
    source: 'send_gearman',
    output: r.output,
  });
}

async function sendOne(config: WorkerConfig, io: ToolIo, message: string): Promise<number> {
  const text = resultText(config, { host: config.host as string, service: config.service, returnCode: config.returnCode, output: message });
  const submitter = new ResultSubmitter(config);
  try {
    const outcome = await submitter.submit(text);
    if (outcome.ok) return 0;
    io.stdout(`sending job to gearmand failed: ${outcome.error ?? ''}\n`);
    return FAILED;
  } finally {
    await submitter.close();
  }
}

async function sendBatch(config: WorkerConfig, io: ToolIo, input: string): Promise<number> {
  const lines = input.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const submitter = new ResultSubmitter(config);
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  try {
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      const parsed = parseBatchLine(line, config.delimiter);
      if (!parsed.ok) {
        failed++;
        io.stderr(`send_gearman: line ${index + 1}: ${parsed.reason}: ${JSON.stringify(line)}\n`);
        continue;
      }
      const p = submitter.submit(resultText(config, parsed.result)).then((outcome) => {
        if (outcome.ok) sent++;
        else {
          failed++;
          io.stderr(`send_gearman: line ${index + 1}: sending job to gearmand failed: ${outcome.error ?? ''}\n`);
        }
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await submitter.close();
  }
  io.stdout(`${sent} data packet(s) sent to host successfully.\n`);
  return failed === 0 ? 0 : FAILED;
}
