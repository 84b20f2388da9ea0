// The one Node ↔ Perl farm protocol (conventions §2.8), written down once: perl/mg-epn-farm.pl implements the
// other side and its POD's PROTOCOL section mirrors this file. Transport: the farm's stdin (Node → Perl) and
// stdout (Perl → Node), one JSON object per line (JSON::PP on the Perl side: core Perl, no CPAN). stderr is
// free text the client logs. Bytes that may not be UTF-8 (plugin output) travel base64-encoded.
//
// Life of a farm process: Node starts it; it prints `ready`; Node sends `run`/`compile`/`invalidate`; the farm
// answers every `run` with `started` (once the check's child is forked) and exactly one `result`, in any order
// across ids; it exits when its stdin closes (the worker died or closed it) or on `shutdown`, killing the process
// groups of its checks.

import { encodeJsonLine, parseJsonLine } from '../exec/json-line.js';
import type { CapturedRunFields } from '../exec/spawner-protocol.js';

export const FARM_PROTOCOL_VERSION = 1;

// --- Node → farm -------------------------------------------------------------------------------------

/** Run one check: compile `file` if needed (cache keyed by path + dev/inode/mtime/size), fork, run, answer. */
export interface RunRequest {
  readonly type: 'run';
  readonly id: number;
  /** Absolute path of the plugin file (argv[0] of the command line). */
  readonly file: string;
  /** The plugin's arguments (argv[1..]), already tokenized by Node: no parse_line pitfalls. */
  readonly args: readonly string[];
  /** Added to the farm's environment in the child (KEY=VALUE prefixes of the command line, NAGIOS_*). */
  readonly env: Readonly<Record<string, string>>;
  /** The check's deadline in ms from its start. The farm enforces it too, as a backstop; Node is the authority. */
  readonly timeoutMs: number;
  /** Per stream cap; the rest is read and dropped, and `stdoutTruncated`/`stderrTruncated` are set. */
  readonly maxOutputBytes: number;
  /** use_perl_cache: false compiles the plugin again for this run (and does not keep it). */
  readonly cache: boolean;
  /**
   * Run it in a persistent runner (no fork; the plugin's package state stays for that runner's next check) when
   * the farm holds the plugin compiled; a check that compiles it runs forked as usual. Absent means false.
   */
  readonly persistent?: boolean;
}

/** Compile `file` now (hot reload ahead of the next check); answered with `compiled`. */
export interface CompileRequest {
  readonly type: 'compile';
  readonly id: number;
  readonly file: string;
  readonly timeoutMs: number;
}

/** Forget the compiled sub and cache entry of `file` (it changed or was deleted). No answer. */
export interface InvalidateRequest {
  readonly type: 'invalidate';
  readonly file: string;
}

/** Finish the checks in flight, then exit 0. */
export interface ShutdownRequest {
  readonly type: 'shutdown';
}

export type FarmRequest = RunRequest | CompileRequest | InvalidateRequest | ShutdownRequest;

// --- farm → Node -------------------------------------------------------------------------------------

/** First line of a farm process: it takes work only after this. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly version: number;
  readonly pid: number;
  /** `$^V`, e.g. `v5.36.0`. */
  readonly perl: string;
}

/**
 * The check's child was forked; it leads its own process group `pid` (Node kills `-pid` on timeout). Optional:
 * a run answered without a child (a cached compile failure, a missing file) gets only its `result`.
 */
export interface StartedMessage {
  readonly type: 'started';
  readonly id: number;
  readonly pid: number;
}

/**
 * Why the plugin did not end with a plain exit: `compile` (the farm could not compile it; `fallback` says
 * whether plain perl is expected to run it, so Node may fork it instead), `die` (a run-time die), `noexit` (it
 * returned without calling exit), `timeout` (the farm's own backstop fired, incl. in BEGIN).
 */
export interface EpnProblem {
  readonly kind: 'compile' | 'die' | 'noexit' | 'timeout';
  /** The Perl message, naming the plugin's own file:line. */
  readonly message: string;
  /** For `compile`: true when `perl -c` of the plain file succeeds (the farm's wrapper is what fails). */
  readonly fallback?: boolean;
  /**
   * For `compile`: the plugin called `exit` while compiling (in BEGIN or a `use`), as plugins do to report a
   * missing module. The result then holds the plugin's own output and exit code, as plain perl gives them.
   */
  readonly exitedWhileCompiling?: boolean;
}

/**
 * The end of one check. `exitCode` is the plugin's `exit` value (trapped, even inside eval), as the C EPN. stdout
 * holds what the plugin wrote on fd 1 (print, printf, syswrite, system() children, ...).
 */
export interface ResultMessage extends CapturedRunFields {
  readonly type: 'result';
  readonly id: number;
  /** The exit code, or null when the child died by a signal (then `signal` is set). */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Whether this run compiled the plugin (false: the cached sub was used), and how long that took. */
  readonly compiled: boolean;
  readonly compileMs: number;
  readonly problem?: EpnProblem;
  /** New %INC keys of the check's child (compile or run): the farm preloads them for the next checks. */
  readonly newModules?: readonly string[];
  /**
   * Present (true) when a persistent runner ran the check; `started` then named the runner, whose process group a
   * timeout kills (the farm starts a fresh runner). A runner that ended during the check without reporting gives
   * exit code 3 and problem `die` naming how it ended.
   */
  readonly persistent?: boolean;
}

/** Answer to `compile`. */
export interface CompiledMessage {
  readonly type: 'compiled';
  readonly id: number;
  readonly file: string;
  readonly ok: boolean;
  readonly compileMs: number;
  readonly problem?: EpnProblem;
}

/** A request the farm could not read or serve; `id` when it could be read. The farm goes on. */
export interface ErrorMessage {
  readonly type: 'error';
  readonly id?: number;
  readonly message: string;
}

export type FarmMessage = ReadyMessage | StartedMessage | ResultMessage | CompiledMessage | ErrorMessage;

const MESSAGE_TYPES = new Set(['ready', 'started', 'result', 'compiled', 'error']);

/** Parses one line from the farm; null when it is not a protocol message (the caller logs it, MG_ERR_FARM_PROTOCOL). */
export function parseFarmLine(line: string): FarmMessage | null {
  if (!line.startsWith('{')) return null;
  const parsed = parseJsonLine(line);
  if (parsed === null || !MESSAGE_TYPES.has(parsed.type)) return null;
  if (parsed.type !== 'ready' && parsed.type !== 'error' && typeof parsed.value['id'] !== 'number') return null;
  return parsed.value as unknown as FarmMessage;
}

/** One request as a protocol line. */
export function encodeFarmRequest(request: FarmRequest): string {
  return encodeJsonLine(request);
}
