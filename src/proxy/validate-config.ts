// Validates a parsed proxy configuration object (YAML or JSON) into a frozen ProxyConfig. Every error names the
// file and the route (`routes[2] "a:4730/q"`), the key, the bad value and what was expected (execa's wording).
import { isAbsolute, resolve } from 'node:path';
import { MgError } from '../errors.js';
import { parseServerAddress, formatServerAddress } from '../gearman/address.js';
import type { Priority } from '../gearman/client.js';
import { readKeyFile } from '../job/crypto.js';
import type { CallbackConfig, Endpoint, ProxyConfig, RewriteConfig, RouteConfig } from './route-config.js';

/** One configuration document with the place it came from. */
export interface ConfigDocument {
  readonly data: unknown;
  /** File name for messages. */
  readonly source: string;
  /** Base for relative paths (callback modules, `file:` passwords). */
  readonly baseDir: string;
}

const TOP_KEYS = new Set(['routes', 'statusQueue', 'metricsListen', 'drainTimeoutMs', 'debug', 'logfile']);
const ROUTE_KEYS = new Set([
  'from', 'to', 'decrypt', 'encrypt', 'rewrite', 'callback', 'callbackTimeoutMs', 'async', 'worker', 'inflight', 'priority',
  'retry', 'maxAttempts', 'deadLetterQueue', 'releaseAfterMs', 'submitTimeoutMs', 'syncTimeoutMs', 'keepaliveMs',
]);

type Obj = Record<string, unknown>;

function fail(where: string, message: string): never {
  throw new MgError('MG_ERR_PROXY_CONFIG', `${where}: ${message}`, { details: { where } });
}

function show(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\` (${Array.isArray(value) ? 'array' : typeof value})`;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(where: string, obj: Obj, known: Set<string>): void {
  for (const k of Object.keys(obj)) if (!known.has(k)) fail(where, `unknown key \`${k}\` (known: ${[...known].join(', ')})`);
}

function int(where: string, obj: Obj, key: string, def: number, min: number): number {
  const v = obj[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(where, `expected \`${key}\` to be an integer >= ${min}, got ${show(v)}`);
  return v;
}

function str(where: string, obj: Obj, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') fail(where, `expected \`${key}\` to be a non-empty string, got ${show(v)}`);
  return v;
}

/** Parses `host:port/queue` or `host1:port,host2:port/queue`; the queue is everything after the first `/`. */
export function parseEndpoint(text: string): Endpoint {
  const slash = text.indexOf('/');
  const queue = slash < 0 ? '' : text.slice(slash + 1);
  if (slash <= 0 || queue === '' || queue.includes('\0')) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `expected host:port/queue, got "${text}"`);
  }
  const addresses = Object.freeze(text.slice(0, slash).split(',').map((a) => parseServerAddress(a)));
  return Object.freeze({ addresses, server: addresses.map(formatServerAddress).join(','), queue });
}

function endpoint(where: string, obj: Obj, key: string): Endpoint | undefined {
  const v = str(where, obj, key);
  if (v === undefined) return undefined;
  try {
    return parseEndpoint(v);
  } catch (err) {
    return fail(where, `\`${key}\`: ${(err as Error).message}`);
  }
}

// A password as the Perl proxy took it: literal text, or `file:<path>` read from that file.
function secret(where: string, obj: Obj, key: string, baseDir: string): Buffer | undefined {
  const v = str(where, obj, key);
  if (v === undefined) return undefined;
  if (!v.startsWith('file:')) return Buffer.from(v, 'utf8');
  const path = resolve(baseDir, v.slice(5));
  try {
    return readKeyFile(path);
  } catch (err) {
    return fail(where, `\`${key}\`: cannot read the key file ${path}: ${(err as Error).message}`);
  }
}

function rewrite(where: string, obj: Obj): RewriteConfig | undefined {
  const v = obj.rewrite;
  if (v === undefined) return undefined;
  if (!isObj(v)) return fail(where, `expected \`rewrite\` to be a mapping with \`set\` and/or \`delete\`, got ${show(v)}`);
  checkKeys(`${where} rewrite`, v, new Set(['set', 'delete']));
  const set: Record<string, string> = {};
  if (v.set !== undefined) {
    if (!isObj(v.set)) fail(where, `expected \`rewrite.set\` to be a mapping key: value, got ${show(v.set)}`);
    for (const [k, val] of Object.entries(v.set)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(k)) fail(where, `expected \`rewrite.set\` keys to be Mod-Gearman keys, got \`${k}\``);
      if (typeof val !== 'string' && typeof val !== 'number') fail(where, `expected \`rewrite.set.${k}\` to be a string, got ${show(val)}`);
      if (String(val).includes('\n')) fail(where, `expected \`rewrite.set.${k}\` to be one line`);
      set[k] = String(val);
    }
  }
  const del = v.delete ?? [];
  if (!Array.isArray(del) || !del.every((d) => typeof d === 'string' && d !== '')) {
    fail(where, `expected \`rewrite.delete\` to be a list of keys, got ${show(del)}`);
  }
  return Object.freeze({ set: Object.freeze(set), delete: Object.freeze([...(del as string[])]) });
}

function callback(where: string, obj: Obj, baseDir: string): CallbackConfig | undefined {
  const v = str(where, obj, 'callback');
  if (v === undefined) return undefined;
  const hash = v.lastIndexOf('#');
  const file = hash < 0 ? v : v.slice(0, hash);
  const exportName = hash < 0 ? 'default' : v.slice(hash + 1);
  if (file === '' || exportName === '') fail(where, `expected \`callback\` as path/to/module.mjs#exportName, got ${show(v)}`);
  const module = file.startsWith('file:') || isAbsolute(file) ? file : resolve(baseDir, file);
  return Object.freeze({ module, exportName, timeoutMs: int(where, obj, 'callbackTimeoutMs', 5000, 1) });
}

const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high'];

function route(raw: unknown, index: number, doc: ConfigDocument): RouteConfig {
  let where = `${doc.source}: routes[${index}]`;
  if (!isObj(raw)) return fail(where, `expected a mapping with \`from\` and \`to\`, got ${show(raw)}`);
  const from = endpoint(where, raw, 'from');
  if (from === undefined) return fail(where, 'missing `from` (host:port/queue of the source)');
  const name = `${from.server}/${from.queue}`;
  where = `${where} "${name}"`;
  checkKeys(where, raw, ROUTE_KEYS);
  const to = endpoint(where, raw, 'to');
  if (to === undefined) return fail(where, 'missing `to` (host:port/queue of the destination)');
  const isAsync = raw.async ?? true;
  if (typeof isAsync !== 'boolean') fail(where, `expected \`async\` to be true or false, got ${show(isAsync)}`);
  const priority = raw.priority ?? 'normal';
  if (!PRIORITIES.includes(priority as Priority)) fail(where, `expected \`priority\` to be low, normal or high, got ${show(priority)}`);
  const retryRaw = raw.retry ?? {};
  if (!isObj(retryRaw)) fail(where, `expected \`retry\` to be a mapping, got ${show(retryRaw)}`);
  checkKeys(`${where} retry`, retryRaw, new Set(['initialDelayMs', 'maxDelayMs']));
  const retry = Object.freeze({
    initialDelayMs: int(where, retryRaw, 'initialDelayMs', 500, 1),
    maxDelayMs: int(where, retryRaw, 'maxDelayMs', 30_000, 1),
  });
  if (!isAsync && raw.inflight !== undefined) fail(where, '`inflight` is for async routes; a sync route takes `worker`');
  if (isAsync && raw.worker !== undefined) fail(where, '`worker` is for sync routes (async: false); an async route takes `inflight`');
  return Object.freeze({
    name,
    from,
    to,
    decrypt: secret(where, raw, 'decrypt', doc.baseDir),
    encrypt: secret(where, raw, 'encrypt', doc.baseDir),
    rewrite: rewrite(where, raw),
    callback: callback(where, raw, doc.baseDir),
    async: isAsync,
    concurrency: isAsync ? int(where, raw, 'inflight', 16, 1) : int(where, raw, 'worker', 1, 1),
    priority: priority as Priority,
    retry,
    maxAttempts: int(where, raw, 'maxAttempts', 5, 1),
    deadLetterQueue: str(where, raw, 'deadLetterQueue'),
    releaseAfterMs: int(where, raw, 'releaseAfterMs', 60_000, 1),
    submitTimeoutMs: int(where, raw, 'submitTimeoutMs', 10_000, 1),
    syncTimeoutMs: int(where, raw, 'syncTimeoutMs', 300_000, 1),
    keepaliveMs: int(where, raw, 'keepaliveMs', 5000, 1),
  });
}

// A job that comes back to a queue it left would be forwarded forever: refuse routes that form a cycle.
function checkLoops(routes: readonly RouteConfig[], where: ReadonlyMap<string, string>): void {
  const next = new Map(routes.map((r) => [r.name, `${r.to.server}/${r.to.queue}`]));
  for (const r of routes) {
    const path = [r.name];
    for (let at = next.get(r.name); at !== undefined; at = next.get(at)) {
      if (at === r.name) fail(`${where.get(r.name) ?? ''} "${r.name}"`, `routes form a loop: ${[...path, at].join(' → ')}`);
      if (path.includes(at)) break; // a loop that does not pass through r is reported from one of its own routes
      path.push(at);
    }
  }
}

/** Merges and validates documents in order: routes are concatenated, later top-level settings win. */
export function validateProxyConfig(docs: readonly ConfigDocument[]): ProxyConfig {
  const routes: RouteConfig[] = [];
  const top: Obj = {};
  const seen = new Map<string, string>();
  for (const doc of docs) {
    if (doc.data === null || doc.data === undefined) continue; // an empty file
    if (!isObj(doc.data)) fail(doc.source, `expected a mapping at the top, got ${show(doc.data)}`);
    checkKeys(doc.source, doc.data, TOP_KEYS);
    const list = doc.data.routes ?? [];
    if (!Array.isArray(list)) fail(doc.source, `expected \`routes\` to be a list, got ${show(list)}`);
    list.forEach((raw, i) => {
      const r = route(raw, i, doc);
      const where = `${doc.source}: routes[${i}]`;
      const earlier = seen.get(r.name);
      if (earlier !== undefined) fail(`${where} "${r.name}"`, `the source queue is already routed by ${earlier}`);
      seen.set(r.name, where);
      routes.push(r);
    });
    for (const [k, v] of Object.entries(doc.data)) if (k !== 'routes') top[k] = v;
  }
  if (routes.length === 0) fail(docs.map((d) => d.source).join(', ') || '(no config)', 'no routes configured');
  checkLoops(routes, seen);
  const statusQueue = endpoint('statusQueue', top, 'statusQueue');
  let metricsListen: ProxyConfig['metricsListen'];
  const ml = str('metricsListen', top, 'metricsListen');
  if (ml !== undefined) {
    const m = /^(.*):(\d{1,5})$/.exec(ml);
    if (m === null || Number(m[2]) > 65535) fail('metricsListen', `expected host:port, got ${show(ml)}`);
    metricsListen = Object.freeze({ host: (m[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) });
  }
  const logfile = str('logfile', top, 'logfile');
  const debug = top.debug === undefined ? undefined : int('debug', top, 'debug', 0, 0);
  return Object.freeze({
    routes: Object.freeze(routes),
    statusQueue,
    metricsListen,
    drainTimeoutMs: int('drainTimeoutMs', top, 'drainTimeoutMs', 10_000, 0),
    debug,
    logfile,
  });
}
