// send_multi's options: the C tool's long options, all option-table keys.
import type { ToolSpec } from '../tool-spec.js';

export const SEND_MULTI_SPEC: ToolSpec = {
  name: 'send_multi',
  usage: ['send_multi --server=HOST[:PORT] --host=NAME [--key=SECRET] < report of check_multi -r 256'],
  description:
    'Reads the XML report of check_multi (-r 256) on stdin and submits every child check as a passive service result of --host, ' +
    'service = the child\'s name, start time = now - runtime, stderr appended as " [error]", perfdata prefixed with "<name>::<plugin>::".',
  tableKeys: ['server', 'config', 'host', 'result_queue', 'timeout', 'encryption', 'key', 'keyfile', 'dupserver', 'active', 'retries', 'retry-interval'],
  aliases: {},
  overrides: {
    server: { defaultText: 'localhost:4730, or $CONFIG_GEARMAND_PORT' },
    encryption: { defaultText: 'yes when key or keyfile is set, else no' },
    host: { defaultText: 'none (required)', meaning: 'host the child checks belong to' },
    timeout: { meaning: 'seconds to wait for input on stdin' },
  },
  local: [],
  notes: [
    'Exit codes: 0 every child submitted; 1 some children were invalid or not sent (reported on stderr, the rest submitted);',
    '2 no input within --timeout; 3 nothing submitted, bad options, --help, --version.',
  ],
};
