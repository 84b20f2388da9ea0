// What gearman_top shows, between refreshes: the latest snapshot of every server, the rates since the
// previous one, the last version each server reported, and the sort order. Servers are read one by one
// (refreshOne) so that in live mode a server that hangs until its timeout delays only its own table.
import type { ServerAddress } from '../../gearman/address.js';
import { formatServerAddress } from '../../gearman/address.js';
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

interface Shown {
  readonly snapshot: ServerSnapshot;
  readonly rates: ReadonlyMap<string, number>;
}

export class ViewState {
  readonly #options: ViewOptions;
  readonly #tracker = new RateTracker();
  readonly #versions = new Map<string, string>();
  readonly #shown: (Shown | undefined)[];
  order: SortOrder = DEFAULT_SORT;

  constructor(options: ViewOptions) {
    this.#options = options;
    this.#shown = options.servers.map(() => undefined);
  }

  get serverCount(): number {
    return this.#options.servers.length;
  }

  /** Reads server `index` (in -H order); a dead server yields its error line. Never rejects. */
  async refreshOne(index: number): Promise<void> {
    const address = this.#options.servers[index];
    if (address === undefined) return;
    const snapshot = await readServerStatus(address, { timeoutMs: this.#options.timeoutMs });
    if (snapshot.version !== undefined) this.#versions.set(snapshot.server, snapshot.version);
    this.#shown[index] = { snapshot, rates: this.#tracker.update(snapshot) };
  }

  /** Reads every server at once. */
  async refresh(): Promise<void> {
    await Promise.all(this.#options.servers.map((_, i) => this.refreshOne(i)));
  }

  /** The lines of every server, in -H order; a server not read yet says so. */
  lines(markOrphans: boolean): ScreenLine[] {
    return this.#shown.flatMap((shown, i): ScreenLine[] => {
      if (shown === undefined) {
        const server = formatServerAddress(this.#options.servers[i] as ServerAddress);
        return [{ text: `${server}: connecting...`, kind: 'title' }, { text: '', kind: 'text' }];
      }
      const { snapshot, rates } = shown;
      return renderServer(snapshot, { quiet: this.#options.quiet, order: this.order, rates, knownVersion: this.#versions.get(snapshot.server), markOrphans });
    });
  }
}
