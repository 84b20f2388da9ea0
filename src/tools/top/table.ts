// gearman_top's text for one server, shared by batch mode and the live screen: a title line with the
// time, server and gearmand version, then the C tool's table (Queue Name | Worker Available | Jobs
// Waiting | Jobs Running) plus our rate column, or "no queues found", or the server's error. Lines
// carry a kind so the live screen can colour them; batch mode marks orphaned queues in plain text.
import type { ServerSnapshot } from '../queue-status.js';
import { formatRate } from './rates.js';
import type { SortOrder } from './sort.js';
import { sortRows } from './sort.js';

export type LineKind = 'title' | 'text' | 'orphaned' | 'error';

export interface ScreenLine {
  readonly text: string;
  readonly kind: LineKind;
}

export interface TableOptions {
  /** -q: hide queues with no worker and no job. */
  readonly quiet: boolean;
  readonly order: SortOrder;
  readonly rates: ReadonlyMap<string, number>;
  /** The last version this server reported: shown while it is down (as C does). */
  readonly knownVersion?: string;
  /** Append a plain-text marker to orphaned rows (batch mode has no colours). */
  readonly markOrphans: boolean;
}

export const ORPHAN_MARK = '  <- jobs waiting, no worker';

/** `YYYY-MM-DD HH:MM:SS` in local time, as C's strftime("%Y-%m-%d %H:%M:%S"). */
export function localTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The lines for one server (ending with an empty line as separator). */
export function renderServer(snapshot: ServerSnapshot, options: TableOptions): ScreenLine[] {
  const version = snapshot.version ?? options.knownVersion;
  const title = `${localTimestamp(snapshot.at)}  -  ${snapshot.server}${version === undefined ? '' : `  -  v${version}`}`;
  const lines: ScreenLine[] = [{ text: title, kind: 'title' }, { text: '', kind: 'text' }];
  if (snapshot.error !== undefined) return [...lines, { text: ` ${snapshot.error}`, kind: 'error' }, { text: '', kind: 'text' }];
  const rows = sortRows(
    snapshot.queues.filter((q) => !(options.quiet && q.workers === 0 && q.total === 0)),
    options.order,
    options.rates,
  );
  const width = Math.max(12, ...rows.map((q) => q.name.length));
  const rule = { text: '-'.repeat(width + 63), kind: 'text' as const };
  lines.push({ text: ` ${'Queue Name'.padEnd(width)} | ${'Worker Available'.padStart(16)} | ${'Jobs Waiting'.padStart(12)} | ${'Jobs Running'.padStart(12)} | ${'Rate/s'.padStart(9)}`, kind: 'text' }, rule);
  for (const q of rows) {
    const orphaned = q.waiting > 0 && q.workers === 0;
    const text =
      ` ${q.name.padEnd(width)} |${String(q.workers).padStart(16)}  |${String(q.waiting).padStart(12)}  |${String(q.running).padStart(12)}  |` +
      `${formatRate(options.rates.get(q.name)).padStart(9)} ${orphaned && options.markOrphans ? ORPHAN_MARK : ''}`;
    lines.push({ text: text.trimEnd(), kind: orphaned ? 'orphaned' : 'text' });
  }
  if (rows.length === 0) lines.push({ text: `${' '.repeat(width + 25)}no queues found`, kind: 'text' });
  lines.push(rule, { text: '', kind: 'text' });
  return lines;
}
