// Logging (conventions §2.12): pino, levels from the Mod-Gearman `debug=` scale, output from `logfile=`.
// One child logger per job is made later with logger.child({ jobId, queue, host, service }).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

export interface LogOptions {
  /** Mod-Gearman debug level: 0 info, 1 debug, 2 and more trace. @defaultValue 0 */
  debug?: number;
  /** `stdout` (or unset), `stderr`, or a file path appended to (folders are created). */
  logfile?: string;
  /** Name put on every line. @defaultValue 'mg-workhorse' */
  name?: string;
}

/** Maps the C/Go `debug=0..N` scale to a pino level (0 info+errors, 1 debug, 2+ trace). */
export function levelForDebug(debug: number | undefined): pino.Level {
  if (debug === undefined || debug <= 0) return 'info';
  if (debug === 1) return 'debug';
  return 'trace';
}

/** Creates the process logger. Writes are synchronous so that a crash never loses the line explaining it. */
export function createLogger(options: LogOptions = {}): Logger {
  const dest = destinationFor(options.logfile);
  return pino(
    {
      name: options.name ?? 'mg-workhorse',
      level: levelForDebug(options.debug),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest,
  );
}

function destinationFor(logfile: string | undefined): pino.DestinationStream {
  if (logfile === undefined || logfile === '' || logfile === 'stdout' || logfile === '-') {
    return pino.destination({ dest: 1, sync: true });
  }
  if (logfile === 'stderr') return pino.destination({ dest: 2, sync: true });
  mkdirSync(dirname(logfile), { recursive: true });
  return pino.destination({ dest: logfile, sync: true, append: true });
}

/** A logger that drops everything: for library code used without a configured logger, and for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The levels a LazyChildLogger writes at. */
type LazyLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * A child logger that is made only when a line at an enabled level is written. pino serialises a child's
 * bindings when the child is made, which cost every job a few µs of the worker's CPU although its debug
 * lines are off; most jobs never write a line at all.
 */
export class LazyChildLogger {
  readonly #parent: Logger;
  readonly #bindings: pino.Bindings;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: pino.Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  trace(obj: object, msg: string): void {
    this.#write('trace', obj, msg);
  }

  debug(obj: object, msg: string): void {
    this.#write('debug', obj, msg);
  }

  info(obj: object, msg: string): void {
    this.#write('info', obj, msg);
  }

  warn(obj: object, msg: string): void {
    this.#write('warn', obj, msg);
  }

  error(obj: object, msg: string): void {
    this.#write('error', obj, msg);
  }

  #write(level: LazyLevel, obj: object, msg: string): void {
    if (!this.#parent.isLevelEnabled(level)) return;
    this.#child ??= this.#parent.child(this.#bindings);
    this.#child[level](obj, msg);
  }
}
