// send_multi end to end: check_multi XML on stdin → one passive result per child → result queue.
import { buildPassiveResultText } from '../../job/result-text.js';
import { nowSeconds } from '../clock.js';
import { STATE } from '../plugin-state.js';
import { readInput } from '../read-input.js';
import { ResultSubmitter } from '../result-submitter.js';
import type { ToolIo } from '../tool-main.js';
import { runTool } from '../tool-main.js';
import { parseMultiReport } from './multi-xml.js';
import { SEND_MULTI_SPEC } from './spec.js';

/** Runs send_multi with `argv`; resolves with the exit code. */
export function runSendMulti(argv: readonly string[], io: ToolIo): Promise<number> {
  return runTool(SEND_MULTI_SPEC, argv, io, { help: STATE.UNKNOWN }, async (tool) => {
    const config = tool.config;
    if (config.host === undefined) {
      io.stdout('got no hostname, please use --host=...\n');
      return STATE.UNKNOWN;
    }
    const input = io.stdin === undefined ? { text: '', timedOut: true } : await readInput(io.stdin, config.timeout * 1000);
    if (input.text === '' && input.timedOut) {
      io.stdout(`Timeout after ${config.timeout} seconds - got no input! Send plugin output to stdin.\n`);
      return STATE.CRITICAL;
    }
    // C takes the end time once, before reading: every child of one report finishes together.
    const now = nowSeconds();
    const report = parseMultiReport(input.text);
    if (report.noChildren && input.text.trim() !== '') {
      io.stdout(`send_multi UNKNOWN: error msg in input buffer: ${input.text.trim()}\n`);
      return STATE.UNKNOWN;
    }
    const submitter = new ResultSubmitter(config);
    let sent = 0;
    let bad = 0;
    try {
      for (const block of report.blocks) {
        if (!block.ok) {
          bad++;
          io.stderr(`send_multi: child ${block.no ?? '?'} skipped: ${block.reason}\n`);
          continue;
        }
        const { child } = block;
        const text = buildPassiveResultText({
          hostName: config.host,
          serviceDescription: child.name,
          active: config.active,
          startTime: now - child.runtime,
          finishTime: now,
          returnCode: child.returnCode,
          source: 'send_multi',
          output: child.output,
        });
        const outcome = await submitter.submit(text);
        if (outcome.ok) sent++;
        else {
          bad++;
          io.stderr(`send_multi: child ${child.no} (${child.name}) not sent: sending job to gearmand failed: ${outcome.error ?? ''}\n`);
        }
      }
    } finally {
      await submitter.close();
    }
    if (sent === 0) {
      io.stdout('send_multi UNKNOWN: 0 check_multi child checks submitted\n');
      return STATE.UNKNOWN;
    }
    const checks = `${sent} check_multi child check${sent > 1 ? 's' : ''} submitted`;
    if (bad > 0) {
      io.stdout(`send_multi WARNING: ${checks}, ${bad} skipped\n`);
      return STATE.WARNING;
    }
    io.stdout(`send_multi OK: ${checks}\n`);
    return STATE.OK;
  });
}
