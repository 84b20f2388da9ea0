// send_gearman's options: the C tool's long options (all option-table keys) plus its short forms.
import type { ToolSpec } from '../tool-spec.js';

export const SEND_GEARMAN_SPEC: ToolSpec = {
  name: 'send_gearman',
  usage: [
    'send_gearman --server=HOST[:PORT] --host=NAME [--service=DESC] [--returncode=N] [--message=TEXT | < output]',
    'send_gearman --server=HOST[:PORT] < lines of host<TAB>[service<TAB>]returncode<TAB>output',
  ],
  description:
    'Submits passive check results to the Mod-Gearman result queue, where the NEB module hands them to the core. With --host one ' +
    'result (output from --message, else all of stdin); without --host one result per stdin line. Encrypted when a key is set.',
  tableKeys: [
    'server', 'config', 'host', 'service', 'message', 'returncode', 'active', 'starttime', 'finishtime', 'latency',
    'result_queue', 'delimiter', 'timeout', 'encryption', 'key', 'keyfile', 'dupserver', 'retries', 'retry-interval',
  ],
  aliases: { d: 'delimiter' },
  overrides: {
    server: { defaultText: 'localhost:4730, or $CONFIG_GEARMAND_PORT' },
    encryption: { defaultText: 'yes when key or keyfile is set, else no' },
    latency: { defaultText: '0' },
  },
  local: [],
  notes: [
    'Exit codes: 0 every result sent; 3 bad options, no input within --timeout, or any result not sent',
    '(a bad input line is reported on stderr and skipped; the other lines are still sent).',
    'Batch mode prints "<n> data packet(s) sent to host successfully." on stdout.',
    '',
    'Examples:',
    "  send_gearman --server=localhost --key=secret --host=web1 --service=backup -r=0 --message='OK - backup done'",
    "  printf 'web1\\tbackup\\t2\\tCRITICAL - disk full\\n' | send_gearman --server=localhost --key=secret",
  ],
};
