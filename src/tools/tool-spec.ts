// What each operator tool accepts: option-table keys (documented once in src/config/options.ts) plus the
// tool's own switches (check_gearman's thresholds, gearman_top's -i/-b/-q), which are not config keys.
// From one ToolSpec come the argv syntax handed to loadConfig and the --help text, so the help cannot
// forget an option or show a default the code does not use.
import { optionByName } from '../config/find-option.js';
import type { OptionSpec } from '../config/option-spec.js';
import type { ArgvSyntax } from '../config/parse-argv.js';

/** A switch of one tool that is not a config key. */
export interface LocalOptionSpec {
  /** Spellings without dashes, the first one shown first: `['w']`, `['i', 'interval']`. */
  readonly names: readonly string[];
  /** Placeholder of the value (`N`, `TEXT`); absent for a flag. */
  readonly value?: string;
  /** The default as shown in --help. */
  readonly defaultText: string;
  readonly meaning: string;
}

export interface ToolSpec {
  readonly name: string;
  /** Usage lines after `usage: `. */
  readonly usage: readonly string[];
  /** One paragraph under the usage. */
  readonly description: string;
  /** Option-table keys the tool reads, in help order. */
  readonly tableKeys: readonly string[];
  /** Short spellings of table keys, case-sensitive: `{ H: 'server' }`. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly local: readonly LocalOptionSpec[];
  /** Per table key: the tool's own default or meaning where the table's (worker-centric) text would mislead. */
  readonly overrides?: Readonly<Record<string, { readonly defaultText?: string; readonly meaning?: string }>>;
  /** Lines after the option list (exit codes, examples). */
  readonly notes: readonly string[];
}

const HELP: LocalOptionSpec = { names: ['h', 'help'], defaultText: 'off', meaning: 'print this help and exit' };
const VERSION: LocalOptionSpec = { names: ['V', 'version'], defaultText: 'off', meaning: 'print the version and exit' };

/** The local options of a spec plus -h/--help and -V/--version, which every tool has. */
export function allLocalOptions(spec: ToolSpec): LocalOptionSpec[] {
  return [...spec.local, HELP, VERSION];
}

/** The syntax loadConfig needs to tell the tool's switches from config keys. */
export function argvSyntaxOf(spec: ToolSpec): ArgvSyntax {
  const local: Record<string, boolean> = {};
  for (const option of allLocalOptions(spec)) for (const name of option.names) local[name] = option.value !== undefined;
  return { aliases: spec.aliases, local };
}

/** The default of a table row as --help shows it. */
export function tableDefaultText(spec: OptionSpec): string {
  if (spec.defaultDoc !== undefined) return spec.defaultDoc;
  const value = spec.default;
  if (value === undefined) return 'unset';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(',');
  return String(value);
}

// `-H, --server=VALUE`: short aliases the tool declares or the table holds, then the long name.
function tableSpellings(tool: ToolSpec, spec: OptionSpec): string {
  const shorts = [
    ...Object.entries(tool.aliases).filter(([, key]) => key === spec.name).map(([short]) => short),
    ...spec.aliases.filter((a) => a.length === 1),
  ];
  const placeholder = spec.type === 'servers' ? 'HOST[:PORT]' : spec.type === 'include' ? 'FILE' : spec.type === 'duration' ? 'SECONDS' : 'VALUE';
  const value = spec.type === 'bool' ? '' : `=${placeholder}`;
  return [...new Set(shorts)].map((s) => `-${s}`).concat(`--${spec.name}${value}`).join(', ');
}

function localSpellings(option: LocalOptionSpec): string {
  const value = option.value === undefined ? '' : ` ${option.value}`;
  return option.names.map((n) => (n.length === 1 ? `-${n}${value}` : `--${n}${option.value === undefined ? '' : `=${option.value}`}`)).join(', ');
}

/** The --help text: usage, description, every option with its default, notes. */
export function renderHelp(tool: ToolSpec): string {
  const rows: [string, string][] = [];
  for (const option of allLocalOptions(tool)) rows.push([localSpellings(option), `${option.meaning} (default: ${option.defaultText})`]);
  for (const key of tool.tableKeys) {
    const spec = optionByName(key);
    const own = tool.overrides?.[key];
    rows.push([tableSpellings(tool, spec), `${own?.meaning ?? spec.meaning} (default: ${own?.defaultText ?? tableDefaultText(spec)})`]);
  }
  const width = Math.min(34, Math.max(...rows.map(([left]) => left.length)) + 2);
  const lines = rows.map(([left, right]) => (left.length + 2 > width ? `  ${left}\n  ${' '.repeat(width)}${right}` : `  ${left.padEnd(width)}${right}`));
  return [
    ...tool.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`),
    '',
    tool.description,
    '',
    'Options (also as --key=value, -key=value or key=value; --config=FILE reads a worker.cfg or YAML file):',
    ...lines,
    '',
    ...tool.notes,
  ].join('\n');
}
