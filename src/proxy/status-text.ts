// The status answer check_gearman reads (gearman-proxy.md §3): `<rc>:<STATUS> - <text>|<perfdata>`, the Perl
// proxy's metric names (counters suffixed `c`, global keys first, then `<queue>::<metric>`), `perfdatafilter=`
// in the request. Unlike the original it names every failed server and gives the oldest backlog age instead
// of letting one message overwrite the other (a source the proxy cannot reach counts as failed too), and it goes
// CRITICAL if a job was ever dropped.
import { VERSION } from '../version.js';
import type { RouteStats } from './route-stats.js';

export interface StatusInput {
  readonly stats: readonly RouteStats[];
  /** Source servers (`host:port`) of the routes. */
  readonly sourceServers: number;
  readonly now?: number;
}

/** Reads `perfdatafilter=<regex>` from a status request; undefined when absent. Throws on a bad regex. */
export function perfdataFilter(request: string): RegExp | undefined {
  const m = /(?:^|\s)perfdatafilter=(\S+)/.exec(request);
  return m === null ? undefined : new RegExp(m[1] as string);
}

/** Builds the answer to one status request. */
export function buildStatusText(input: StatusInput, request = ''): string {
  const now = input.now ?? Date.now();
  let filter: RegExp | undefined;
  let filterError = '';
  try {
    filter = perfdataFilter(request);
  } catch (err) {
    filterError = ` perfdatafilter ignored: ${(err as Error).message}.`;
  }
  const sum = (f: (s: RouteStats) => number): number => input.stats.reduce((a, s) => a + f(s), 0);
  const backlog = sum((s) => s.backlog);
  const oldest = Math.max(0, ...input.stats.map((s) => s.oldestBacklogAge(now)));
  const dropped = sum((s) => s.dropped);
  // Destinations and sources alike: a source the proxy cannot reach leaves its queue unserved.
  const failed = [
    ...new Set(
      input.stats.flatMap((s) => [
        ...(s.destination.up === false ? [s.destinationServer] : []),
        ...(s.source.up === false ? [s.sourceServer] : []),
      ]),
    ),
  ].sort();

  const global: [string, number, string][] = [
    ['backlog', backlog, ''],
    ['backlog_oldest_age', Math.round(oldest * 1000) / 1000, 's'],
    ['bytes_in', sum((s) => s.bytesIn), 'c'],
    ['bytes_out', sum((s) => s.bytesOut), 'c'],
    ['dead_letter', sum((s) => s.deadLettered), 'c'],
    ['dropped', dropped, 'c'],
    ['failed_servers', failed.length, ''],
    ['queues', input.stats.length, ''],
    ['released', sum((s) => s.released), 'c'],
    ['server', input.sourceServers, ''],
    ['total_errors', sum((s) => s.retried + s.failed), 'c'],
    ['total_jobs', sum((s) => s.jobsIn), 'c'],
  ];
  const perQueue: [string, number, string][] = [];
  for (const s of [...input.stats].sort((a, b) => a.queue.localeCompare(b.queue))) {
    perQueue.push([`${s.queue}::bytes_out`, s.bytesOut, 'c'], [`${s.queue}::jobs`, s.jobsIn, 'c']);
  }
  const perfdata = [...global, ...perQueue]
    .filter(([k]) => filter === undefined || filter.test(k))
    .map(([k, v, unit]) => `'${k}'=${v}${unit};;;`)
    .join(' ');

  const problems: string[] = [];
  if (dropped > 0) problems.push(`${dropped} jobs dropped.`);
  if (failed.length > 0) problems.push(`${failed.length} server${failed.length === 1 ? '' : 's'} failed: ${failed.join(', ')}.`);
  if (backlog > 0) problems.push(`backlog contains ${backlog} job${backlog === 1 ? '' : 's'}, oldest ${Math.round(oldest)}s.`);
  const rc = dropped > 0 ? 2 : problems.length > 0 ? 1 : 0;
  const word = ['OK', 'WARNING', 'CRITICAL'][rc] as string;
  const extra = problems.length > 0 ? ` ${problems.join(' ')}` : '';
  return `${rc}:${word} - mg-gearman-proxy version v${VERSION} running.${extra}${filterError}|${perfdata}`;
}
