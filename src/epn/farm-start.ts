// Starting one farm process, apart from its protocol: the command line built from the options, the wait for the
// `ready` line (bounded, with the reason when it never comes), and the stderr tail kept to explain a failed
// start or a death.
import type { EventEmitter } from 'node:events';
import { timerMs } from '../exec/kill.js';
import { DEFAULT_FARM_SCRIPT, type FarmProcessEvents, type FarmProcessOptions, type FarmProcessState } from './farm-process-options.js';

const STDERR_TAIL_LINES = 10;

export interface FarmCommand {
  readonly perl: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
}

/** `perl mg-epn-farm.pl [--max-checks N] [--preload A,B]` and its environment. */
export function farmCommand(opts: FarmProcessOptions): FarmCommand {
  const args = [opts.script ?? DEFAULT_FARM_SCRIPT];
  if (opts.maxChecks !== undefined) args.push('--max-checks', String(opts.maxChecks));
  if (opts.preloadModules?.length) args.push('--preload', opts.preloadModules.join(','));
  if (opts.persistentRunners !== undefined) args.push('--persistent-runners', String(opts.persistentRunners));
  if (opts.persistentMaxChecks !== undefined) args.push('--persistent-max-checks', String(opts.persistentMaxChecks));
  return { perl: opts.perl ?? 'perl', args, env: opts.env ? { ...process.env, ...opts.env } : process.env };
}

/**
 * Resolves when `proc` becomes ready (or busy), rejects when it becomes anything else, with `reason()` as the
 * message when there is one. After `timeoutMs` it calls `onTimeout` (which kills the process, so it dies).
 */
export async function waitUntilReady(
  proc: EventEmitter<FarmProcessEvents>,
  timeoutMs: number,
  onTimeout: () => void,
  reason: () => string | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onState: ((state: FarmProcessState) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    // Not once('state'): a listener that runs first may already have made it busy.
    onState = (state) => {
      if (state === 'ready' || state === 'busy') resolve();
      else reject(new Error(reason() ?? `it became ${state}`));
    };
    proc.on('state', onState);
    timer = setTimeout(onTimeout, timerMs(timeoutMs));
  });
  try {
    await ready;
  } finally {
    clearTimeout(timer);
    if (onState) proc.off('state', onState);
  }
}

/** The last lines a farm wrote on stderr: usually the reason it died. */
export class StderrTail {
  readonly #lines: string[] = [];

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > STDERR_TAIL_LINES) this.#lines.shift();
  }

  /** The live list (for log objects, as before the split). */
  get lines(): readonly string[] {
    return this.#lines;
  }

  copy(): string[] {
    return [...this.#lines];
  }

  text(): string {
    return this.#lines.join('\n');
  }
}
