// What gearman_top shows, between refreshes: the latest snapshot of every server, the rates since the
// previous one, the last version each server reported, and the sort order. Batch and live mode both
// render from it.
import type { ServerAddress } from '../../gearman/address.js';
import { readServerStatus } from '../queue-status.js';
import type { ServerSnapshot } from '../queue-status.js';
import { RateTracker } from './rates.js';
import { DEFAULT_SORT } from './sort.js';
import type { SortOrder } from './sort.js';
import type { ScreenLine } from './table.js';
import { renderServer } from './table.js';

export interface ViewOptions {
  readonly servers: readonly ServerAddress[];
  readonly quiet: boolean;
  /** Per server and refresh. */
  readonly timeoutMs: number;
}

export class ViewState {
  readonly #options: ViewOptions;
  readonly #tracker = new RateTracker();
  readonly #versions = new Map<string, string>();
  #shown: { snapshot: ServerSnapshot; rates: ReadonlyMap<string, number> }[] = [];
  order: SortOrder = DEFAULT_SORT;

  constructor(options: ViewOptions) {
    this.#options = options;
  }

  /** Reads every server at once; a dead server yields its error line, the others still show. */
  async refresh(): Promise<void> {
    const snapshots = await Promise.all(this.#options.servers.map((s) => readServerStatus(s, { timeoutMs: this.#options.timeoutMs })));
    this.#shown = snapshots.map((snapshot) => {
      if (snapshot.version !== undefined) this.#versions.set(snapshot.server, snapshot.version);
      return { snapshot, rates: this.#tracker.update(snapshot) };
    });
  }

  /** The lines of every server, in -H order. */
  lines(markOrphans: boolean): ScreenLine[] {
    return this.#shown.flatMap(({ snapshot, rates }) =>
      renderServer(snapshot, { quiet: this.#options.quiet, order: this.order, rates, knownVersion: this.#versions.get(snapshot.server), markOrphans }),
    );
  }
}
