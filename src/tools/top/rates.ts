// The rate column: how fast each queue's job count (waiting + running) changed since the previous
// refresh, in jobs per second. gearmand's admin `status` has no counter of finished jobs, so this is the
// honest figure it allows: positive while a queue fills, negative while workers drain it.
import type { ServerSnapshot } from '../queue-status.js';

/** Remembers the previous snapshot of each server to compute per-queue rates. */
export class RateTracker {
  readonly #previous = new Map<string, ServerSnapshot>();

  /** Rates of `snapshot`'s queues against the previous one of the same server; then remembers it. */
  update(snapshot: ServerSnapshot): ReadonlyMap<string, number> {
    const before = this.#previous.get(snapshot.server);
    const rates = new Map<string, number>();
    if (snapshot.error !== undefined) return rates;
    this.#previous.set(snapshot.server, snapshot);
    if (before === undefined || before.error !== undefined) return rates;
    const seconds = (snapshot.at - before.at) / 1000;
    if (seconds <= 0) return rates;
    const old = new Map(before.queues.map((q) => [q.name, q.total]));
    for (const q of snapshot.queues) rates.set(q.name, (q.total - (old.get(q.name) ?? 0)) / seconds);
    return rates;
  }
}

/** `+1.5`, `-20.0`, `0.0`; `-` when unknown (first refresh, batch mode). */
export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '-';
  const text = Math.abs(rate) >= 1000 ? Math.round(rate).toString() : rate.toFixed(1);
  return rate > 0 ? `+${text}` : text === '-0.0' ? '0.0' : text;
}
