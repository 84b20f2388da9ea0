// Sorting of gearman_top's rows and the keys that choose it. Numbers sort biggest first (the busy
// queues at the top), names alphabetically; pressing the same key again reverses the order.
import type { QueueRow } from '../queue-status.js';

export type SortField = 'name' | 'workers' | 'waiting' | 'running' | 'rate';

export interface SortOrder {
  readonly field: SortField;
  readonly reverse: boolean;
}

/** Key → field, as listed in the live screen's footer and in --help. */
export const SORT_KEYS: Readonly<Record<string, SortField>> = { n: 'name', w: 'workers', j: 'waiting', r: 'running', c: 'rate' };

export const DEFAULT_SORT: SortOrder = { field: 'name', reverse: false };

/** The order after pressing the key for `field`. */
export function nextOrder(current: SortOrder, field: SortField): SortOrder {
  return current.field === field ? { field, reverse: !current.reverse } : { field, reverse: false };
}

/** Rows sorted by `order`; ties keep name order. */
export function sortRows<T extends QueueRow>(rows: readonly T[], order: SortOrder, rates: ReadonlyMap<string, number>): T[] {
  const value = (r: T): number => {
    switch (order.field) {
      case 'workers':
        return r.workers;
      case 'waiting':
        return r.waiting;
      case 'running':
        return r.running;
      case 'rate':
        return rates.get(r.name) ?? 0;
      default:
        return 0;
    }
  };
  const byName = (a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const sorted = [...rows].sort((a, b) => (order.field === 'name' ? byName(a, b) : value(b) - value(a) || byName(a, b)));
  return order.reverse ? sorted.reverse() : sorted;
}
