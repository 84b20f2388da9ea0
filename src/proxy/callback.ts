// The data callback: a JS/TS module exported function that replaces the Perl proxy's `data_callback` sub.
// It sees the decoded text and may return new text, and optionally a unique id and a priority. A throw, an
// unusable answer or overrunning the time limit is an MG_ERR_PROXY_CALLBACK: the route retries the job.
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { coerceError, MgError } from '../errors.js';
import type { Priority } from '../gearman/client.js';
import type { CallbackConfig } from './route-config.js';

export interface CallbackContext {
  readonly route: string;
  readonly job: { readonly handle: string; readonly unique: string; readonly queue: string; readonly server: string };
}

export type CallbackAnswer = string | { data: string; uniq?: string; priority?: Priority };
export type DataCallback = (payload: string, ctx: CallbackContext) => CallbackAnswer | Promise<CallbackAnswer>;

export interface CallbackResult {
  readonly data: Buffer;
  readonly uniq: string | undefined;
  readonly priority: Priority | undefined;
}

/** Imports the module and returns a caller that enforces the time limit and checks the answer. */
export async function loadCallback(config: CallbackConfig): Promise<(payload: Buffer, ctx: CallbackContext) => Promise<CallbackResult>> {
  const url = new URL(config.module.startsWith('file:') ? config.module : pathToFileURL(config.module).href);
  let mod: Record<string, unknown>;
  try {
    // import() caches by URL: the file's mtime in the query makes a SIGHUP after an edit load the new code.
    url.searchParams.set('mtime', String(statSync(url).mtimeMs));
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    throw new MgError('MG_ERR_PROXY_CALLBACK', `cannot load callback module ${config.module}: ${coerceError(err).message}`, { cause: err });
  }
  const fn = mod[config.exportName];
  if (typeof fn !== 'function') {
    throw new MgError('MG_ERR_PROXY_CALLBACK', `callback module ${config.module} has no function export "${config.exportName}"`);
  }
  const cb = fn as DataCallback;
  return async (payload, ctx) => {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new MgError('MG_ERR_PROXY_CALLBACK', `callback ${config.exportName} did not answer within ${config.timeoutMs} ms`)),
        config.timeoutMs,
      );
    });
    let answer: CallbackAnswer;
    try {
      answer = await Promise.race([Promise.resolve().then(() => cb(payload.toString('utf8'), ctx)), limit]);
    } catch (err) {
      if (err instanceof MgError && err.code === 'MG_ERR_PROXY_CALLBACK') throw err;
      throw new MgError('MG_ERR_PROXY_CALLBACK', `callback ${config.exportName} threw: ${coerceError(err).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    return checkAnswer(answer, config.exportName);
  };
}

function checkAnswer(answer: unknown, name: string): CallbackResult {
  if (typeof answer === 'string') return { data: Buffer.from(answer, 'utf8'), uniq: undefined, priority: undefined };
  if (typeof answer === 'object' && answer !== null && typeof (answer as { data?: unknown }).data === 'string') {
    const a = answer as { data: string; uniq?: unknown; priority?: unknown };
    const uniq = a.uniq === undefined || a.uniq === null ? undefined : String(a.uniq);
    const p = a.priority;
    if (p !== undefined && p !== 'low' && p !== 'normal' && p !== 'high') {
      throw new MgError('MG_ERR_PROXY_CALLBACK', `callback ${name} returned priority ${JSON.stringify(p)}; expected low, normal or high`);
    }
    return { data: Buffer.from(a.data, 'utf8'), uniq, priority: p };
  }
  throw new MgError('MG_ERR_PROXY_CALLBACK', `callback ${name} returned ${typeof answer}; expected a string or {data, uniq?, priority?}`);
}
