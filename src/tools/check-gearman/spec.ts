// check_gearman's options: the C tool's getopt letters (mod-gearman-c.md §4), defaults from its usage.
import type { ToolSpec } from '../tool-spec.js';
import { DEFAULT_THRESHOLDS } from './server-check.js';

export const CHECK_GEARMAN_SPEC: ToolSpec = {
  name: 'check_gearman',
  usage: ['check_gearman [-H host[:port]]... [-t sec] [-q queue] [-w N] [-c N] [-W N] [-C N] [-x]', 'check_gearman [-H host[:port]]... [-t sec] -q queue -s text [-e text] [-u id] [-a]'],
  description:
    'Nagios plugin for Mod-Gearman. Without -s it checks the job server (the last -H): queues with waiting jobs and no worker are CRITICAL, ' +
    'thresholds apply per queue. With -s it sends a test job to the queue -q (a worker\'s worker_<identifier>, the proxy\'s proxy_status, ' +
    'check_results with -s check) and reports the answer.',
  tableKeys: ['server', 'timeout', 'config'],
  aliases: { H: 'server' },
  overrides: {
    server: { defaultText: 'localhost:4730, or $CONFIG_GEARMAND_PORT', meaning: 'job server host[:port], IPv6 as [::1]:4730; repeatable, the server check reads the last one' },
    timeout: { meaning: 'seconds until the plugin gives up with CRITICAL "timeout while waiting for host:port"' },
  },
  local: [
    { names: ['q'], value: 'QUEUE', defaultText: 'all queues', meaning: 'check only this queue; with -s the queue the job goes to' },
    { names: ['w'], value: 'N', defaultText: String(DEFAULT_THRESHOLDS.jobWarning), meaning: 'WARNING at this many waiting jobs in a queue (0 = off)' },
    { names: ['c'], value: 'N', defaultText: String(DEFAULT_THRESHOLDS.jobCritical), meaning: 'CRITICAL at this many waiting jobs in a queue (0 = off)' },
    { names: ['W'], value: 'N', defaultText: String(DEFAULT_THRESHOLDS.workerWarning), meaning: 'WARNING at this many workers on a queue (0 = off)' },
    { names: ['C'], value: 'N', defaultText: String(DEFAULT_THRESHOLDS.workerCritical), meaning: 'CRITICAL at this many workers on a queue (0 = off)' },
    { names: ['x'], defaultText: 'off', meaning: 'CRITICAL when a queue has no worker at all' },
    { names: ['s'], value: 'TEXT', defaultText: 'none', meaning: 'send TEXT as a job to the queue -q and check the answer' },
    { names: ['e'], value: 'TEXT', defaultText: 'none', meaning: 'with -s: CRITICAL unless the answer contains TEXT' },
    { names: ['u'], value: 'ID', defaultText: 'check', meaning: 'with -s: unique id of the test job' },
    { names: ['a'], defaultText: 'off', meaning: 'with -s: submit in the background, do not wait for the answer (ignores -e)' },
    { names: ['v'], defaultText: 'off', meaning: 'verbose: print what was sent and received on stderr' },
    { names: ['p'], value: 'PORT', defaultText: 'none', meaning: 'accepted for old command definitions (C 1.x) and ignored, as C does since; write -H host:port' },
  ],
  notes: [
    'Exit codes: 0 OK, 1 WARNING, 2 CRITICAL (also: job server down, timeout), 3 UNKNOWN (bad options, --help, --version).',
    "Perfdata (server check): 'QUEUE_waiting'=N;w;c;0 'QUEUE_running'=N 'QUEUE_worker'=N;W;C;0 per queue.",
    'An answer of the form "<digit>:<text>" (proxy_status, check_results) sets the exit code to that digit.',
    '',
    'Examples:',
    '  check_gearman -H localhost:4730 -q perfdata -x',
    '  check_gearman -H localhost:4730 -q worker_$(hostname) -s check',
  ],
};
