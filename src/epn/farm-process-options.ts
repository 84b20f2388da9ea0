// FarmProcess's public contract: its defaults, options, requests, states and events. Kept apart from the class
// (farm-process.ts re-exports all of it) so the state machine there is not buried under its own declarations.
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../exec/output-buffer.js';
import type { Logger } from '../log.js';
import type { RunRequest } from './farm-protocol.js';

/** perl/mg-epn-farm.pl of this package. */
export const DEFAULT_FARM_SCRIPT = fileURLToPath(new URL('../../perl/mg-epn-farm.pl', import.meta.url));
/** How long a farm may take to print `ready` (preloading big modules is slow on a busy host). */
export const DEFAULT_FARM_START_TIMEOUT_MS = 10_000;
/** After the last kill of a check's group: how long the farm gets to answer before Node resolves without it. */
export const FARM_ANSWER_SLACK_MS = 2000;
/** close(): how long the farm gets to exit once its checks are answered, before SIGKILL. */
export const FARM_EXIT_TIMEOUT_MS = 5000;
/** destroy(): the same, shorter: the farm only has to kill its check groups. */
export const FARM_DESTROY_EXIT_MS = 1000;

export type FarmProcessState = 'starting' | 'ready' | 'busy' | 'draining' | 'dead';

export interface FarmProcessOptions {
  /** @defaultValue 'perl' (found in PATH) */
  readonly perl?: string;
  /** @defaultValue DEFAULT_FARM_SCRIPT */
  readonly script?: string;
  /** `--max-checks N`: the farm exits by itself after N checks. FarmPool does not use it: it recycles from Node. */
  readonly maxChecks?: number;
  /** `--preload A,B`: modules loaded before `ready`. */
  readonly preloadModules?: readonly string[];
  /** `--persistent-runners N`: persistent runners per farm process at most. @defaultValue 2 (the farm's) */
  readonly persistentRunners?: number;
  /** `--persistent-max-checks N`: a runner is replaced after N checks; 0 = never. @defaultValue 10000 (the farm's) */
  readonly persistentMaxChecks?: number;
  /** Added to the farm's environment (tests pick fake-farm modes with it). */
  readonly env?: Readonly<Record<string, string>>;
  /** @defaultValue DEFAULT_FARM_START_TIMEOUT_MS */
  readonly startTimeoutMs?: number;
  /** @defaultValue FARM_ANSWER_SLACK_MS */
  readonly answerSlackMs?: number;
  /** @defaultValue FARM_EXIT_TIMEOUT_MS */
  readonly exitTimeoutMs?: number;
  /** @defaultValue silentLogger() */
  readonly logger?: Logger;
}

/** One check for the farm: the plugin file, its arguments, and the limits. */
export interface FarmRunRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** From the moment the request is written to the farm (so it covers the compile). */
  readonly timeoutMs: number;
  /** @defaultValue DEFAULT_KILL_GRACE_PERIOD_MS */
  readonly killGracePeriodMs?: number;
  /** @defaultValue DEFAULT_MAX_OUTPUT_BYTES */
  readonly maxOutputBytes?: number;
  /** use_perl_cache. @defaultValue true */
  readonly cache?: boolean;
  /** Aborting kills the check's group like a timeout; the outcome has `aborted: true`. */
  readonly signal?: AbortSignal;
  /** Run it in a persistent runner once the farm holds it compiled (farm-protocol.ts). @defaultValue false */
  readonly persistent?: boolean;
}

export interface FarmExitInfo {
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  /** True when we asked for it (close, destroy, a failed start). */
  readonly expected: boolean;
  /** The last lines the farm wrote on stderr: usually the reason it died. */
  readonly stderrTail: readonly string[];
}

export interface FarmProcessEvents {
  state: [state: FarmProcessState, previous: FarmProcessState];
  /** The process asks to be replaced (protocol garbage, a check left unanswered); the pool recycles it. */
  recycle: [reason: string];
  /** The farm compiled `file` (for a run or a compile request). */
  compile: [info: { readonly file: string; readonly ok: boolean; readonly compileMs: number }];
  exit: [info: FarmExitInfo];
}

/** The wire request for run `id` of `req` (farm-protocol.ts), with the defaults filled in. */
export function runRequest(id: number, req: FarmRunRequest, cache: boolean): RunRequest {
  return {
    type: 'run',
    id,
    file: req.file,
    args: req.args,
    env: req.env ?? {},
    timeoutMs: req.timeoutMs,
    maxOutputBytes: req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    cache,
    ...(req.persistent === true ? { persistent: true } : {}),
  };
}
