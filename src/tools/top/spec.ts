// gearman_top's options: the C tool's letters (mod-gearman-c.md §4 gearman_top).
import type { ToolSpec } from '../tool-spec.js';

export const GEARMAN_TOP_SPEC: ToolSpec = {
  name: 'gearman_top',
  usage: ['gearman_top [-H host[:port]]... [-i seconds] [-q] [-b]'],
  description:
    'Live view of job servers: per queue the workers available, jobs waiting and running, and the rate (change of the jobs in the ' +
    'queue per second since the last refresh: + fills, - drains). Queues with jobs waiting and no worker are highlighted: their checks ' +
    'go orphaned. Each server shows its gearmand version or its connection error. Batch mode (-b, or when stdout is no terminal) prints ' +
    'the same table as plain text, once, or every -i seconds when -i is given.',
  tableKeys: ['server', 'timeout', 'config'],
  aliases: { H: 'server', s: 'server' },
  overrides: {
    server: { defaultText: 'localhost:4730, or $CONFIG_GEARMAND_PORT', meaning: 'job server host[:port], IPv6 as [::1]:4730; repeatable, one table each' },
    timeout: { meaning: 'seconds to wait for each server\'s answer per refresh' },
  },
  local: [
    { names: ['i', 'interval'], value: 'SECONDS', defaultText: '1', meaning: 'refresh interval (fractions allowed); with -b: print every SECONDS' },
    { names: ['q', 'quiet'], defaultText: 'off', meaning: 'hide queues with no worker and no job' },
    { names: ['b', 'batch'], defaultText: 'off', meaning: 'print plain text instead of the live screen' },
    { names: ['v', 'verbose'], defaultText: 'off', meaning: 'accepted for compatibility; no effect' },
  ],
  notes: [
    'Keys (live screen): q, Esc or Ctrl-C quit; n, w, j, r, c sort by name, workers, jobs waiting, jobs running, rate; the same key again reverses;',
    'arrows, PgUp/PgDn (or space), Home/End scroll when the tables do not fit the terminal.',
    'Exit codes: 0 (also when a server is down: its error is shown), 3 bad options.',
  ],
};
