// A pino logger that keeps its entries in memory, for tests that assert what was logged (events, codes).
import pino, { type Logger } from 'pino';

export interface CapturedLog {
  readonly logger: Logger;
  readonly entries: Array<Record<string, unknown>>;
  /** Entries whose msg starts with `prefix`. */
  readonly find: (prefix: string) => Array<Record<string, unknown>>;
}

export function captureLog(): CapturedLog {
  const entries: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void entries.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, entries, find: (prefix) => entries.filter((e) => String(e.msg).startsWith(prefix)) };
}
