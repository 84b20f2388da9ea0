// The internal check_dummy: the monitoring-plugins check_dummy without a fork. Texts match the real plugin
// (v2.3.3, measured), not the Go worker's (`OK:` with a dangling colon when no text is given).

export interface InternalResult {
  readonly exitCode: number;
  readonly output: string;
}

const STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
const USAGE = 'Usage:\n check_dummy <integer state> [optional text]\n';
const HELP = `check_dummy (mg-workhorse internal)

This plugin will simply return the state corresponding to the numeric value
of the <state> argument with optional text


${USAGE}
Options:
 -h, --help
    Print detailed help screen
 -V, --version
    Print version information
`;

/** Runs check_dummy with `args` (argv without the program). */
export function checkDummy(args: readonly string[]): InternalResult {
  const first = args[0];
  if (first === undefined) return { exitCode: 3, output: `check_dummy: Could not parse arguments\n${USAGE}` };
  if (first === '-h' || first === '--help') return { exitCode: 3, output: HELP };
  if (first === '-V' || first === '--version') return { exitCode: 3, output: 'check_dummy (mg-workhorse internal)\n' };
  if (!/^[+-]?\d+$/.test(first)) return { exitCode: 3, output: `check_dummy: Arguments to check_dummy must be an integer\n${USAGE}` };
  const state = Number.parseInt(first, 10);
  const name = STATES[state];
  if (name === undefined) return { exitCode: 3, output: `UNKNOWN: Status ${state} is not a supported error state\n` };
  const text = args[1];
  return { exitCode: state, output: text === undefined ? `${name}\n` : `${name}: ${text}\n` };
}
