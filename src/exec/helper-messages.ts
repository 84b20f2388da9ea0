// The run request and the result mapping that both Perl spawners use (the spawn helper, helper-spawner.ts, and
// the vfork launchers, launcher-spawner.ts): one RunMessage per run, one CheckOutcome per result line.
import { DEFAULT_KILL_GRACE_PERIOD_MS, DEFAULT_PIPE_DRAIN_MS } from './kill.js';
import { DEFAULT_MAX_OUTPUT_BYTES, withMarker } from './output-buffer.js';
import { errnoName, signalName, spawnErrorFor, type CheckOutcome } from './outcome.js';
import { commandArgv } from './run-plugin.js';
import type { ResultMessage, RunMessage } from './spawner-protocol.js';
import type { PluginCommand, SpawnOptions } from './spawner.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** The `run` line for one plugin; free-text strings are base64 (see spawner-protocol.ts). */
export function runMessage(id: number, command: PluginCommand, options: SpawnOptions): RunMessage {
  return {
    type: 'run',
    id,
    ...(command.mode === 'exec' ? { argv: command.argv.map(b64) } : { shell: b64(command.line) }),
    env: Object.entries(options.env ?? {}).map(([k, v]) => b64(`${k}=${v}`)),
    ...(options.cwd === undefined ? {} : { cwd: b64(options.cwd) }),
    timeoutMs: options.timeoutMs,
    killGraceMs: options.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    pipeDrainMs: options.pipeDrainMs ?? DEFAULT_PIPE_DRAIN_MS,
  };
}

/**
 * The `run` line for one plugin, newline-terminated: byte for byte encodeJsonLine(runMessage(...)) (a property
 * test holds it to that), written as one template string because it is built for every forked check and the
 * object, spreads and JSON.stringify cost more than the line. Every string in it is base64 or a number, so
 * nothing needs JSON escaping.
 */
export function encodeRunLine(id: number, command: PluginCommand, options: SpawnOptions): string {
  let what: string;
  if (command.mode === 'exec') {
    what = '"argv":[';
    const argv = command.argv;
    for (let i = 0; i < argv.length; i++) what += i === 0 ? `"${b64(argv[i] as string)}"` : `,"${b64(argv[i] as string)}"`;
    what += ']';
  } else {
    what = `"shell":"${b64(command.line)}"`;
  }
  let env = '';
  const vars = options.env;
  if (vars !== undefined) {
    for (const k of Object.keys(vars)) env += env === '' ? `"${b64(`${k}=${vars[k]}`)}"` : `,"${b64(`${k}=${vars[k]}`)}"`;
  }
  const cwd = options.cwd === undefined ? '' : `,"cwd":"${b64(options.cwd)}"`;
  const grace = options.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS;
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const drain = options.pipeDrainMs ?? DEFAULT_PIPE_DRAIN_MS;
  return `{"type":"run","id":${id},${what},"env":[${env}]${cwd},"timeoutMs":${options.timeoutMs},"killGraceMs":${grace},"maxOutputBytes":${max},"pipeDrainMs":${drain}}\n`;
}

/** watchdogMs for a run not yet made into a RunMessage (the same defaults as runMessage). */
export function runWatchdogMs(options: SpawnOptions, slackMs: number): number {
  const grace = options.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS;
  return options.timeoutMs + grace + 2 * (options.pipeDrainMs ?? DEFAULT_PIPE_DRAIN_MS) + slackMs;
}

/** How long a Perl spawner may stay silent about a run before it counts as stuck: every phase of the run, plus slack. */
export function watchdogMs(msg: RunMessage, slackMs: number): number {
  return msg.timeoutMs + msg.killGraceMs + 2 * msg.pipeDrainMs + slackMs;
}

/** A result line as the same CheckOutcome runPlugin would give. */
export function resultOutcome(msg: ResultMessage, command: PluginCommand, cwd: string | undefined): CheckOutcome {
  const outcome: CheckOutcome = {
    exitCode: msg.exitCode,
    signal: msg.signal === null ? null : signalName(msg.signal),
    timedOut: msg.timedOut,
    aborted: msg.aborted,
    forcefullyKilled: msg.forcefullyKilled,
    stdout: withMarker(Buffer.from(msg.stdout, 'base64'), msg.stdoutTruncated),
    stderr: withMarker(Buffer.from(msg.stderr, 'base64'), msg.stderrTruncated),
    stdoutTruncated: msg.stdoutTruncated,
    stderrTruncated: msg.stderrTruncated,
    startedAt: msg.startedAt,
    durationMs: msg.durationMs,
    via: command.mode,
  };
  if (!msg.spawnError) return outcome;
  return { ...outcome, spawnError: spawnErrorFor(errnoName(msg.spawnError.errno), commandArgv(command)[0] as string, cwd) };
}
