// docs/config.md, generated from the option table by scripts/gen-docs.ts (`--check` in CI fails when
// the page is stale). Pure and deterministic: no dates, no hostnames, table order.
import type { OptionGroup, OptionSpec } from './option-spec.js';
import { OPTIONS } from './options.js';

const GROUP_TITLES: Record<OptionGroup, string> = {
  general: 'General',
  servers: 'Job servers',
  queues: 'Queues',
  encryption: 'Encryption',
  execution: 'Execution',
  epn: 'Embedded Perl',
  limits: 'Limits',
  logging: 'Logging and metrics',
  tools: 'Tools only (send_gearman, send_multi, check_gearman)',
  neb: 'NEB module only (accepted, ignored)',
};

const SYNTAX = `## Syntax

- **worker.cfg files** (the C and Go format): one \`key=value\` per line; key and value are trimmed,
  keys are case-insensitive, and \`-\` and \`_\` in key names are the same (\`min-worker\` = \`min_worker\`).
  Leading \`-\`/\`--\` on a key are ignored, so every line can also be written as a command-line option.
- **Comments**: \`#\` starts a comment anywhere in a line, as in the C worker and the NEB module, which read
  the same shared file. When a \`#\` directly follows text (\`key=abc#def\`) the value ends before it and a
  warning says so. To keep a \`#\` in a value, use a YAML file or the command line.
- **Booleans**: \`yes\`/\`on\`/\`true\`/\`1\` and \`no\`/\`off\`/\`false\`/\`0\`, in any case. A bare flag
  (\`hosts\` on its own line, \`--hosts\` on the command line) or an empty value means yes. In a file, a line
  without \`=\` is a syntax error unless the key is a boolean.
- **Numbers** must be written in full: \`max-worker=abc\` or \`max-worker=3.7\` is an error, not 0 or 3.
  Durations are seconds and may carry a unit (\`1.5\`, \`500ms\`, \`2m\`, \`1h\`); sizes are bytes and may carry
  a binary unit (\`512K\`, \`10M\`, \`1G\`).
- **Lists** (\`server\`, \`hostgroups\`, ...) are comma separated (commas inside \`{...}\` globs do not
  split), may be repeated, and accumulate over all files and the command line, without duplicates.
  Repeatable options (\`restrict_path\`, \`queue\`) take one value per line. An empty value (\`server=\`)
  clears the list gathered so far.
- **Includes**: \`config=\`, \`configfile=\` and \`include=\` read a file, or every \`*.cfg\`, \`*.conf\`,
  \`*.yaml\` and \`*.yml\` file in a folder (recursively, sorted by name, dotfiles skipped), at the place of
  the line. Relative paths are relative to the including file (to the working directory on the command
  line). An include loop is an error naming the chain.
- **YAML files** (\`.yaml\`, \`.yml\`, \`.json\`): a mapping of the same keys to a value or a list of values
  (a list repeats the key); \`include:\` works there too. Errors name the file and line.
- **Command line**: \`--key=value\`, \`-key=value\`, the C worker's bare \`key=value\`, \`--flag\` (yes), and
  \`--key value\` / \`-c FILE\` for options that take a value. \`-d\` is \`daemon\` for the worker and
  \`delimiter\` for send_gearman. \`--\` ends the options; so does the first other argument. An unknown
  option on the command line is an error; in a file it is a warning with the nearest known name.
- **Precedence**: files in the order given, then the command line, each read top to bottom; an include is
  read where it stands. The last value of a single-valued option wins. So \`--config=worker.cfg
  --debug=2\` overrides the file's debug, while \`--debug=2 --config=worker.cfg\` lets the file win (as in
  C and Go).
- **Scope**: options of the NEB module and of the tools are accepted silently by the worker (and the
  other way round), so one \`mod_gearman.conf\` can serve all of them.
`;

const GENERAL_DIFFERENCES = [
  'Comments: C cuts at `#` anywhere, Go only skips lines that start with `#`. We follow C (the NEB reads the same file) and warn when a `#` directly follows text.',
  'A line without `=`: C reads a bare boolean as yes and logs "unknown switch" for anything else; Go rejects every such line. We accept bare booleans and reject the rest with file:line.',
  'Booleans: C accepts yes/on/true/1 and no/off/false/0, case-insensitively; Go only yes/on/1, case-sensitively (`Yes` and `true` are false). We follow C.',
  'Numbers: C (`atoi`) reads `abc` as 0; Go reads `3.7` as 3 and bad numbers as 0. We reject both with the file, line, key and value.',
  'Aliases: Go dropped `eventhandlers`, `notification`, `hostgroup`, `servicegroup`, `password`, `passwordfile`, `restrictpath`, `include`, `configfile` and `returncode`. We accept all C and Go spellings.',
  'Includes: C reads files relative to the working directory with a depth limit of 10; Go walks folders. We read files and folders relative to the including file and report loops.',
  'Unknown keys: C logs "unknown option", Go warns "unknown configuration option". We warn with the nearest known name; on the command line it is an error.',
  'Queues: C serves host, service, eventhandler and notification when no queue option is set; Go refuses to start. We follow C, and add `queue=`/`queues=` for any queue name.',
];

/** Renders docs/config.md from the option table. */
export function renderConfigMarkdown(): string {
  const out: string[] = [
    '# Configuration',
    '',
    '<!-- generated by scripts/gen-docs.ts from src/config/options.ts: do not edit by hand -->',
    '',
    'mg-workhorse reads the worker.cfg of the C worker and of the Go worker (mod-gearman-worker-go) unchanged,',
    'plus YAML files and command-line options. Every key of both workers, of the NEB module and of the tools is',
    'listed below, once, with its aliases. "Accepted, ignored" keys parse without a warning and change nothing.',
    'Workers: C = the C mod_gearman_worker (and NEB module/tools), Go = mod-gearman-worker-go, mg = mg-workhorse.',
    '',
    SYNTAX,
    '## C vs Go vs mg-workhorse',
    '',
    ...GENERAL_DIFFERENCES.map((line) => `- ${line}`),
    ...OPTIONS.filter((spec) => spec.differs !== undefined).map((spec) => `- \`${spec.name}\`: ${spec.differs ?? ''}`),
    '',
  ];
  for (const [group, title] of Object.entries(GROUP_TITLES) as [OptionGroup, string][]) {
    out.push(`## ${title}`, '', '| Name | Aliases | Type | Default | Workers | Meaning |', '| --- | --- | --- | --- | --- | --- |');
    for (const spec of OPTIONS.filter((s) => s.group === group)) out.push(row(spec));
    out.push('');
  }
  return out.join('\n');
}

function row(spec: OptionSpec): string {
  const aliases = spec.aliases.map((a) => `\`${a}\``).join(', ');
  const workers = spec.workers.map((w) => ({ c: 'C', go: 'Go', mg: 'mg' })[w]).join(', ');
  const cells = [`\`${spec.name}\``, aliases, typeText(spec), defaultText(spec), workers, spec.meaning];
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}

function typeText(spec: OptionSpec): string {
  const range = rangeText(spec);
  switch (spec.type) {
    case 'enum':
      return (spec.values ?? []).join(' | ');
    case 'multi':
      return 'repeatable';
    case 'servers':
      return 'server list';
    case 'duration':
      return `seconds${range}`;
    case 'size':
      return `bytes${range}`;
    case 'include':
      return 'path';
    default:
      return `${spec.type}${range}`;
  }
}

function rangeText(spec: OptionSpec): string {
  if (spec.field === undefined) return '';
  if (spec.min !== undefined && spec.max !== undefined) return ` ${spec.min}-${spec.max}`;
  if (spec.type === 'duration' && spec.min !== undefined && spec.min > 0) return ' > 0';
  if (spec.min !== undefined && spec.min !== 0) return ` ≥ ${spec.type === 'size' ? sizeText(spec.min) : spec.min}`;
  return '';
}

function defaultText(spec: OptionSpec): string {
  if (spec.defaultDoc !== undefined) return spec.defaultDoc;
  if (spec.field === undefined) return '';
  const value = spec.default;
  if (value === undefined) return 'unset';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(', ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return spec.type === 'size' ? sizeText(value) : String(value);
  // A value holding a backtick needs a double-backtick code span (restrict_command_characters).
  const text = String(value);
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function sizeText(bytes: number): string {
  for (const [unit, size] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
