// .mg-epn-check.yaml: per-plugin sample arguments, rules to ignore (each with a required reason), the paths to
// check when none are given, and the EPN setting the classification assumes. Example in docs/epn-check.md.
import { readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { MgError } from '../errors.js';
import { isRuleId, type RuleId, type Target } from './rules.js';

export const CONFIG_FILE = '.mg-epn-check.yaml';

export interface IgnoreEntry {
  readonly rule: RuleId;
  readonly reason: string;
  /** Plugin paths (relative to the config file, or base names) it applies to; empty: every plugin. */
  readonly paths: readonly string[];
}

export interface LintConfig {
  /** Folder of the config file: relative paths in it resolve from here. */
  readonly dir: string;
  readonly paths: readonly string[];
  readonly implicit: boolean;
  /** The hosts the verdict is for (--target overrides it). */
  readonly target: Target;
  /** Sample argument strings per plugin key. */
  readonly plugins: ReadonlyMap<string, readonly string[]>;
  readonly ignore: readonly IgnoreEntry[];
}

/** The config used when there is no file. */
export function emptyConfig(dir = process.cwd()): LintConfig {
  return { dir, paths: [], implicit: false, target: 'all', plugins: new Map(), ignore: [] };
}

const bad = (file: string, message: string): MgError => new MgError('MG_ERR_LINT_CONFIG', `${file}: ${message}`);

function stringList(file: string, key: string, v: unknown): string[] {
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string')) throw bad(file, `${key} must be a string or a list of strings, got ${JSON.stringify(v)}`);
  return list;
}

function onlyKeys(file: string, where: string, o: object, keys: readonly string[]): void {
  const unknown = Object.keys(o).filter((k) => !keys.includes(k));
  if (unknown.length > 0) throw bad(file, `unknown key ${JSON.stringify(unknown[0])} in ${where} (expected one of ${keys.join(', ')})`);
}

/** Reads and validates a config file. */
export function loadLintConfig(file: string): LintConfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MgError('MG_ERR_LINT_CONFIG', `${file}: ${(e as Error).message}`, { cause: e });
  }
  doc ??= {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw bad(file, 'the top level must be a mapping');
  const d = doc as Record<string, unknown>;
  onlyKeys(file, 'the top level', d, ['paths', 'implicit', 'target', 'plugins', 'ignore']);
  if (d.target !== undefined && d.target !== 'all' && d.target !== 'mg-workhorse') throw bad(file, `target must be all or mg-workhorse, got ${JSON.stringify(d.target)}`);
  if (d.implicit !== undefined && typeof d.implicit !== 'boolean') throw bad(file, `implicit must be true or false, got ${JSON.stringify(d.implicit)}`);
  const plugins = new Map<string, string[]>();
  const p = d.plugins ?? {};
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw bad(file, 'plugins must be a mapping of plugin path to settings');
  for (const [key, value] of Object.entries(p as Record<string, unknown>)) {
    const v = (value ?? {}) as Record<string, unknown>;
    if (typeof v !== 'object' || Array.isArray(v)) throw bad(file, `plugins.${key} must be a mapping (args: ...)`);
    onlyKeys(file, `plugins.${key}`, v, ['args']);
    plugins.set(key, stringList(file, `plugins.${key}.args`, v.args));
  }
  const ig = d.ignore ?? [];
  if (!Array.isArray(ig)) throw bad(file, 'ignore must be a list of {rule, reason, paths}');
  const ignore = ig.map((entry: unknown, i): IgnoreEntry => {
    const e = (entry ?? {}) as Record<string, unknown>;
    onlyKeys(file, `ignore[${i}]`, e, ['rule', 'reason', 'paths']);
    const rule = String(e.rule);
    if (!isRuleId(rule)) throw bad(file, `ignore[${i}].rule ${JSON.stringify(e.rule)} is not a rule id (R1-R24, C1-C3, E1-E3)`);
    if (typeof e.reason !== 'string' || e.reason.trim() === '') throw bad(file, `ignore[${i}] (${rule}) needs a reason: say why the rule does not apply`);
    return { rule, reason: e.reason, paths: stringList(file, `ignore[${i}].paths`, e.paths) };
  });
  const target: Target = d.target === 'mg-workhorse' ? 'mg-workhorse' : 'all';
  return { dir: dirname(resolve(file)), paths: stringList(file, 'paths', d.paths), implicit: d.implicit === true, target, plugins, ignore };
}

/** Whether a config key (relative path or base name) names `file`. */
export function keyMatches(config: LintConfig, key: string, file: string): boolean {
  const abs = resolve(file);
  return resolve(config.dir, key) === abs || key === basename(abs) || key === relative(config.dir, abs);
}

/** The sample argument strings configured for `file`. */
export function sampleArgsFor(config: LintConfig, file: string): string[] {
  const out: string[] = [];
  for (const [key, args] of config.plugins) if (keyMatches(config, key, file)) out.push(...args);
  return out;
}

/** The ignore entry that silences `rule` for `file`, if any. */
export function ignoredBy(config: LintConfig, rule: RuleId, file: string): IgnoreEntry | undefined {
  return config.ignore.find((e) => e.rule === rule && (e.paths.length === 0 || e.paths.some((k) => keyMatches(config, k, file))));
}
