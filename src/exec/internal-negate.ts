// The internal negate: monitoring-plugins' negate without the extra fork, its wrapped command run through the
// same runner as any check (restrict_path, internal checks, spawner, pty all apply). Fixed against the Go worker
// (reference §4 and §10 item 14): UNKNOWN is 3 (Go's Status2Int gave 2), no 11 s timeout is forced unless
// -t is given, relative wrapped commands are accepted. A wrapped plugin that could not run, died by a signal or
// exited outside 0–3 is not negated: its error passes through, so a missing plugin never turns OK.
import type { CheckOutcome } from './outcome.js';

export interface NegateOptions {
  /** -t: seconds for the wrapped command (the job's deadline still applies). */
  readonly timeoutSeconds?: number;
  /** -T: the return code a timeout gives instead of timeout_return. */
  readonly timeoutResult?: number;
  /** New return code for each of OK, WARNING, CRITICAL, UNKNOWN. */
  readonly map: readonly [number, number, number, number];
  /** -s: also replace the first state word in the output. */
  readonly substitute: boolean;
  /** The wrapped command: its argv, or one argument holding a whole command line (re-split by the runner). */
  readonly command: readonly string[];
}

export type NegateParse = { readonly ok: true; readonly options: NegateOptions } | { readonly ok: false; readonly message: string };

export const NEGATE_USAGE = 'Usage: negate [-t timeout] [-T STATUS] [-o|-w|-c|-u STATUS] [-s] <command> [args]';

const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
const VALUE_FLAGS: Record<string, 'timeout' | 'timeout-result' | 'ok' | 'warning' | 'critical' | 'unknown'> = {
  t: 'timeout',
  timeout: 'timeout',
  T: 'timeout-result',
  'timeout-result': 'timeout-result',
  o: 'ok',
  ok: 'ok',
  w: 'warning',
  warning: 'warning',
  c: 'critical',
  critical: 'critical',
  u: 'unknown',
  unknown: 'unknown',
};

/** A state name (any case) or number 0–3 → 0–3; undefined otherwise. */
export function parseState(text: string): number | undefined {
  if (/^[0-3]$/.test(text)) return Number(text);
  const i = STATE_NAMES.indexOf(text.toUpperCase() as (typeof STATE_NAMES)[number]);
  return i < 0 ? undefined : i;
}

/** Parses negate's arguments (argv without the program); options end at the first non-option or `--`. */
export function parseNegateArgs(args: readonly string[]): NegateParse {
  const map: [number, number, number, number] = [0, 1, 2, 3];
  let mapped = false;
  let substitute = false;
  let timeoutSeconds: number | undefined;
  let timeoutResult: number | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const [name, attached] = splitOption(arg);
    if (name === 's' || name === 'substitute') {
      substitute = true;
      continue;
    }
    const flag = VALUE_FLAGS[name];
    if (flag === undefined) return { ok: false, message: `negate: unknown option ${arg}` };
    const value = attached ?? args[++i];
    if (value === undefined) return { ok: false, message: `negate: option ${arg} needs a value` };
    if (flag === 'timeout') {
      if (!/^\d+$/.test(value) || Number(value) <= 0) return { ok: false, message: `negate: timeout must be a positive integer, got ${JSON.stringify(value)}` };
      timeoutSeconds = Number(value);
      continue;
    }
    const state = parseState(value);
    if (state === undefined) return { ok: false, message: `negate: ${JSON.stringify(value)} is not a state (OK, WARNING, CRITICAL, UNKNOWN or 0-3)` };
    if (flag === 'timeout-result') timeoutResult = state;
    else {
      map[['ok', 'warning', 'critical', 'unknown'].indexOf(flag)] = state;
      mapped = true;
    }
  }
  const command = args.slice(i);
  if (command.length === 0) return { ok: false, message: 'negate: no command to run' };
  if (!mapped) {
    // No -o/-w/-c/-u: swap OK and CRITICAL, as the real negate does.
    map[0] = 2;
    map[2] = 0;
  }
  return { ok: true, options: { timeoutSeconds, timeoutResult, map, substitute, command } };
}

/** `--name=value`, `-name=value`, `-name` (Go's flag style), `-xVALUE` (getopt style) → [name, value?]. */
function splitOption(arg: string): [string, string | undefined] {
  const body = arg.replace(/^--?/, '');
  const eq = body.indexOf('=');
  if (eq >= 0) return [body.slice(0, eq), body.slice(eq + 1)];
  if (arg.startsWith('--') || body in VALUE_FLAGS || body === 's' || body === 'substitute') return [body, undefined];
  return [body.slice(0, 1), body.length > 1 ? body.slice(1) : undefined];
}

/** Applies negate's mapping to the wrapped command's outcome. */
export function applyNegate(inner: CheckOutcome, options: NegateOptions): CheckOutcome {
  if (inner.timedOut) {
    return options.timeoutResult === undefined ? { ...inner, via: 'internal' } : { ...inner, via: 'internal', timeoutReturnCode: options.timeoutResult };
  }
  const rc = inner.exitCode;
  if (inner.aborted || inner.spawnError || inner.signal !== null || rc === null || rc < 0 || rc > 3) return inner;
  const to = options.map[rc] as number;
  let stdout = inner.stdout;
  if (options.substitute && to !== rc) {
    const from = Buffer.from(STATE_NAMES[rc] as string);
    const at = stdout.indexOf(from);
    if (at >= 0) stdout = Buffer.concat([stdout.subarray(0, at), Buffer.from(STATE_NAMES[to] as string), stdout.subarray(at + from.length)]);
  }
  return { ...inner, exitCode: to, stdout, via: 'internal' };
}
