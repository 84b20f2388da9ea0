// Loads a tool's configuration through the one config loader (scope 'tools'): option-table keys from
// --config files and argv, the tool's own switches as LocalOption values, and the job servers.
import { findOption } from '../config/find-option.js';
import { loadConfig } from '../config/load.js';
import type { ConfigWarning } from '../config/raw-entry.js';
import type { WorkerConfig } from '../config/worker-config.js';
import { MgError } from '../errors.js';
import { parseServerAddress } from '../gearman/address.js';
import type { ServerAddress } from '../gearman/address.js';
import type { ToolSpec } from './tool-spec.js';
import { allLocalOptions, argvSyntaxOf } from './tool-spec.js';

/** Where the C tools look when no server is given (gearman_top, send_multi; Go's check_gearman). */
export const DEFAULT_SERVER = 'localhost:4730';

export interface ToolConfig {
  readonly config: WorkerConfig;
  readonly warnings: readonly ConfigWarning[];
  /** The tool's own switches by their first name (`i` for -i/--interval); the last one given wins. */
  readonly local: ReadonlyMap<string, string | undefined>;
  /** Arguments left after the options. */
  readonly positionals: readonly string[];
}

export interface LoadToolOptions {
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** Parses argv (and any --config file) for `spec`; throws MgError MG_ERR_CONFIG_* on bad input. */
export function loadToolConfig(spec: ToolSpec, options: LoadToolOptions): ToolConfig {
  const syntax = argvSyntaxOf(spec);
  const argv = splitGluedShortOptions(options.argv, spec);
  const result = loadConfig({ argv, scope: 'tools', argvSyntax: syntax, env: options.env, cwd: options.cwd });
  const firstName = new Map<string, string>();
  for (const option of allLocalOptions(spec)) for (const name of option.names) firstName.set(name, option.names[0] as string);
  const local = new Map<string, string | undefined>();
  for (const o of result.local) local.set(firstName.get(o.name) ?? o.name, o.value);
  return { config: result.config, warnings: result.warnings, local, positionals: result.positionals };
}

/** The configured job servers, or localhost:4730 when none is set. */
export function toolServers(config: WorkerConfig): ServerAddress[] {
  const servers = config.servers.length > 0 ? config.servers : [DEFAULT_SERVER];
  return servers.map((s) => parseServerAddress(s));
}

/** A number from a local switch, or the default; throws MG_ERR_CONFIG_INVALID naming the switch. */
export function localNumber(tool: ToolConfig, name: string, fallback: number, options: { integer?: boolean; min?: number } = {}): number {
  const text = tool.local.get(name);
  if (text === undefined) return fallback;
  const value = Number(text.trim());
  const ok = text.trim() !== '' && Number.isFinite(value) && (options.integer !== true || Number.isInteger(value)) && value >= (options.min ?? -Infinity);
  if (!ok) {
    const expected = `${options.integer === true ? 'an integer' : 'a number'}${options.min === undefined ? '' : ` >= ${options.min}`}`;
    throw new MgError('MG_ERR_CONFIG_INVALID', `invalid value for "-${name}": expected ${expected}, got "${text}"`, { details: { key: name, value: text } });
  }
  return value;
}

// getopt lets the value stick to a short option (`-w5`, `-Hlocalhost:4730`), and Nagios command
// definitions use that form. Split such an argument when its first letter is a short option that
// takes a value and the whole word is no option name of its own (`-timeout=5` stays as it is).
function splitGluedShortOptions(argv: readonly string[], spec: ToolSpec): string[] {
  const locals = allLocalOptions(spec);
  const takesValue = (letter: string): boolean => {
    const local = locals.find((o) => o.names.includes(letter));
    if (local !== undefined) return local.value !== undefined;
    const table = findOption(spec.aliases[letter] ?? letter);
    return table !== undefined && table.type !== 'bool';
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^-([A-Za-z])([^=-].*)$/.exec(arg);
    const word = arg.slice(1).split('=')[0] as string;
    const isName = findOption(word) !== undefined || locals.some((o) => o.names.includes(word));
    if (m !== null && takesValue(m[1] as string) && !isName) out.push(`-${m[1]}`, m[2] as string);
    else out.push(arg);
  }
  return out;
}
