// Command-line arguments → the same raw entries as a config file. Accepted forms:
//   --key=value  -key=value  key=value (C: every argument goes through the config line parser)
//   --flag (a boolean, yes)  --key value / -k value (a non-boolean takes the next argument, as the
//   tools' getopt options -r 1, -m text, -H host, -t 10 do)  --  (the rest are positionals)
// The first argument that is none of these (Go's `testcmd`, a tool's operand) ends option parsing.
// An unknown option is an error here: a typo typed on the command line is fixed at once, unlike a
// stale line in a shared file (a warning there). node:util parseArgs cannot express C's `-key=value`
// single-dash long options or bare `key=value` arguments, hence this small tokenizer.
import { MgError } from '../errors.js';
import { findOption, suggestOption } from './find-option.js';
import type { ConfigOrigin, RawEntry } from './raw-entry.js';
import { formatOrigin } from './raw-entry.js';

/** Per-program argument syntax: the hook each CLI passes in. */
export interface ArgvSyntax {
  /** Short or extra names (case-sensitive) → a key of the option table, e.g. `{ H: 'server', r: 'returncode' }`. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Options the program handles itself (not config keys) → whether they take a value, e.g. `{ help: false, w: true }`. */
  readonly local?: Readonly<Record<string, boolean>>;
}

/** An option from ArgvSyntax.local, returned as written for the program to interpret. */
export interface LocalOption {
  readonly name: string;
  readonly value: string | undefined;
  readonly origin: ConfigOrigin;
}

export interface ParsedArgv {
  readonly entries: RawEntry[];
  readonly local: LocalOption[];
  readonly positionals: string[];
}

const HELP_AND_VERSION = { h: false, help: false, V: false, version: false } as const;

/** mod_gearman_worker: `-d` daemon (C and Go), `-c FILE` config, `-h`/`--help`, `-V`/`--version`. */
export const WORKER_ARGV: ArgvSyntax = { aliases: { d: 'daemon', c: 'config' }, local: { ...HELP_AND_VERSION, v: false } };

/** send_gearman: `-d` is the delimiter there (C and Go); -t, -m, -r are table aliases already. */
export const SEND_GEARMAN_ARGV: ArgvSyntax = { aliases: { d: 'delimiter' }, local: HELP_AND_VERSION };

/** Splits argv (without node and script) into config entries, program-local options and positionals. */
export function parseArgv(argv: readonly string[], syntax: ArgvSyntax = WORKER_ARGV): ParsedArgv {
  const entries: RawEntry[] = [];
  const local: LocalOption[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const dashed = arg.startsWith('-') && arg !== '-';
    if (!dashed && !arg.includes('=')) {
      positionals.push(...argv.slice(i));
      break;
    }
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg : arg.slice(0, eq)).replace(/^-+/, '').trim();
    let value = eq < 0 ? undefined : arg.slice(eq + 1).trim();
    let origin: ConfigOrigin = { kind: 'argv', index: i, arg };

    // Takes the next argument as the value, unless it looks like an option itself.
    const takeNext = (): boolean => {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) return false;
      value = next;
      origin = { kind: 'argv', index: i, arg: `${arg} ${next}` };
      i++;
      return true;
    };

    const takesValue = dashed ? syntax.local?.[name] : undefined;
    if (takesValue !== undefined) {
      if (takesValue && value === undefined && !takeNext()) throw missingValue(origin, name, arg);
      local.push({ name, value, origin });
      continue;
    }
    const key = (dashed ? syntax.aliases?.[name] : undefined) ?? name;
    const spec = findOption(key);
    if (spec === undefined) throw unknownOption(origin, name);
    if (value === undefined && spec.type !== 'bool' && !takeNext()) throw missingValue(origin, spec.name, arg);
    entries.push({ key, value, origin });
  }
  return { entries, local, positionals };
}

function unknownOption(origin: ConfigOrigin, name: string): MgError {
  const suggestion = suggestOption(name);
  const hint = suggestion === undefined ? '' : `: did you mean "${suggestion}"?`;
  return new MgError('MG_ERR_CONFIG_UNKNOWN_KEY', `${formatOrigin(origin)}: unknown option "${name}"${hint}`, {
    details: { key: name },
  });
}

function missingValue(origin: ConfigOrigin, name: string, arg: string): MgError {
  return new MgError(
    'MG_ERR_CONFIG_INVALID',
    `${formatOrigin(origin)}: invalid value for "${name}": expected a value (${arg}=VALUE or ${arg} VALUE), got none`,
    { details: { key: name } },
  );
}
