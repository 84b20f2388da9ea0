// The on-disk result spool: results no job server would take are kept here, one fsync'd file per result, and
// resent in the order they came (file names sort by time, then sequence). Bounded in bytes; a result that does
// not fit pushes out the oldest ones, and every dropped result is logged at error level and reported through
// `onDrop`, never silently. Payloads are stored as sent (encrypted when encryption is on).
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { coerceError, MgError } from '../errors.js';
import type { Logger } from '../log.js';

const SUFFIX = '.result';
const NAME = /^(\d{15})-(\d{9})\.result$/;

export type SpoolDropReason = 'age' | 'size' | 'unreadable';

export interface SpoolOptions {
  readonly dir: string;
  /** Bytes the spooled files may take together; 0 = no bound. */
  readonly maxBytes: number;
  readonly logger: Logger;
  readonly onDrop?: (reason: SpoolDropReason, count: number) => void;
}

export interface SpoolEntry {
  readonly name: string;
  readonly bytes: number;
  /** Epoch ms of the moment the result was spooled. */
  readonly spooledAt: number;
  /** Resolves once the file is on disk (fsync'd); rejects when it could not be written. */
  readonly written: Promise<void>;
}

export interface SpooledResult {
  readonly queue: string;
  readonly payload: string;
  readonly spooledAt: number;
  /** Epoch ms after which the result is of no use to the core (see job-handler's usefulUntil); absent = no limit. */
  readonly usefulUntil?: number;
}

export class ResultSpool {
  readonly dir: string;
  readonly #maxBytes: number;
  readonly #log: Logger;
  readonly #onDrop: SpoolOptions['onDrop'];
  readonly #entries: SpoolEntry[] = [];
  // Entries read for resending and not yet removed: never dropped for room, or one result would count as
  // both resent and dropped.
  readonly #leased = new Set<SpoolEntry>();
  #bytes = 0;
  #seq = 0;
  #lastMs = 0;

  /** Opens (and creates) the folder and takes over what an earlier run left in it, oldest first. */
  constructor(options: SpoolOptions) {
    this.dir = options.dir;
    this.#maxBytes = options.maxBytes;
    this.#log = options.logger;
    this.#onDrop = options.onDrop;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      for (const name of readdirSync(this.dir).filter((n) => NAME.test(n)).sort()) {
        const bytes = statSync(join(this.dir, name)).size;
        this.#entries.push({ name, bytes, spooledAt: Number(NAME.exec(name)?.[1]), written: Promise.resolve() });
        this.#bytes += bytes;
      }
    } catch (err) {
      throw new MgError('MG_ERR_SPOOL_IO', `cannot use spool_dir ${this.dir}: ${coerceError(err).message}`, { cause: err, details: { dir: this.dir } });
    }
    this.#seq = this.#entries.length;
  }

  /** Results waiting. */
  get count(): number {
    return this.#entries.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The oldest result waiting. */
  oldest(): SpoolEntry | undefined {
    return this.#entries[0];
  }

  /**
   * Spools one result; resolves once it is fsync'd. Rejects MG_ERR_SPOOL_IO when it cannot be written (the
   * caller then keeps the result in memory). The order of add() calls is the replay order.
   */
  add(queue: string, payload: string, usefulUntil?: number): Promise<void> {
    const now = Math.max(Date.now(), this.#lastMs);
    this.#lastMs = now;
    const name = `${String(now).padStart(15, '0')}-${String(this.#seq++ % 1e9).padStart(9, '0')}${SUFFIX}`;
    const body = `${JSON.stringify({ v: 1, queue, payload, spooledAt: now, ...(usefulUntil !== undefined ? { usefulUntil } : {}) })}\n`;
    const bytes = Buffer.byteLength(body);
    if (this.#maxBytes > 0 && bytes > this.#maxBytes) {
      this.#drop('size', 1, { queue, bytes }, 'result:spool:drop the result alone is larger than spool_max_size');
      return Promise.resolve();
    }
    this.#makeRoom(bytes);
    const written = this.#write(name, body);
    const entry: SpoolEntry = { name, bytes, spooledAt: now, written };
    this.#entries.push(entry);
    this.#bytes += bytes;
    written.catch(() => this.#forget(entry));
    return written;
  }

  /** Reads a spooled result; undefined (and the file dropped, counted) when it is unreadable. */
  async read(entry: SpoolEntry): Promise<SpooledResult | undefined> {
    await entry.written;
    this.#leased.add(entry);
    try {
      const parsed = JSON.parse(readFileSync(join(this.dir, entry.name), 'utf8')) as Partial<SpooledResult>;
      if (typeof parsed.queue === 'string' && typeof parsed.payload === 'string') {
        const usefulUntil = typeof parsed.usefulUntil === 'number' ? { usefulUntil: parsed.usefulUntil } : {};
        return { queue: parsed.queue, payload: parsed.payload, spooledAt: entry.spooledAt, ...usefulUntil };
      }
    } catch (err) {
      this.#log.error({ err: coerceError(err), file: entry.name }, 'result:spool:read failed');
    }
    await this.remove(entry);
    this.#drop('unreadable', 1, { file: entry.name }, 'result:spool:drop unreadable spool file');
    return undefined;
  }

  /** Removes a result that was resent (or dropped). */
  async remove(entry: SpoolEntry): Promise<void> {
    this.#forget(entry);
    try {
      await unlink(join(this.dir, entry.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.error({ err: coerceError(err), file: entry.name }, 'result:spool:remove failed');
    }
  }

  /** Drops the oldest result because it is too old to be of use (`why` says by which rule); logged and counted. */
  async expire(entry: SpoolEntry, ageSeconds: number, why = 'over spool_max_age'): Promise<void> {
    await this.remove(entry);
    this.#drop('age', 1, { file: entry.name, ageSeconds: Math.round(ageSeconds) }, `result:spool:drop result is ${Math.round(ageSeconds)} s old, ${why}`);
  }

  #forget(entry: SpoolEntry): void {
    this.#leased.delete(entry);
    const i = this.#entries.indexOf(entry);
    if (i < 0) return;
    this.#entries.splice(i, 1);
    this.#bytes -= entry.bytes;
  }

  // Oldest results leave first, so that what is resent later is the freshest state of each check.
  #makeRoom(bytes: number): void {
    if (this.#maxBytes <= 0) return;
    let dropped = 0;
    for (let i = 0; this.#bytes + bytes > this.#maxBytes && i < this.#entries.length; ) {
      const old = this.#entries[i] as SpoolEntry;
      if (this.#leased.has(old)) {
        i++; // being resent right now
        continue;
      }
      void this.remove(old); // takes it out of #entries at once, so i now names the next one
      dropped++;
    }
    if (dropped > 0) this.#drop('size', dropped, { maxBytes: this.#maxBytes }, `result:spool:drop spool_max_size reached, dropped the ${dropped} oldest result(s)`);
  }

  #drop(reason: SpoolDropReason, count: number, fields: Record<string, unknown>, msg: string): void {
    this.#log.error({ ...fields, reason, dropped: count }, msg);
    this.#onDrop?.(reason, count);
  }

  // Write to a temporary name, fsync, rename, fsync the folder: a crash leaves either the whole file or none.
  async #write(name: string, body: string): Promise<void> {
    const tmp = join(this.dir, `.${name}.tmp`);
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(this.dir, name));
      const dirHandle = await open(this.dir, 'r');
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new MgError('MG_ERR_SPOOL_IO', `cannot write to spool_dir ${this.dir}: ${coerceError(err).message}`, { cause: err, details: { dir: this.dir } });
    }
  }
}
