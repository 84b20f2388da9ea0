// YAML (and JSON, a YAML subset) config text → the same raw entries as worker.cfg. A mapping of option
// name → scalar or list of scalars; a list is the YAML way of repeating a key (server:, queue:,
// include:). Line numbers come from yaml's LineCounter so errors read like worker.cfg errors.
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { MgError } from '../errors.js';
import type { ParsedConfig } from './parse-cfg.js';
import type { RawEntry } from './raw-entry.js';

/** Parses the text of one YAML/JSON config; `file` is only used in origins and messages. */
export function parseYamlText(text: string, file: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw syntax(file, line, `invalid YAML: ${first.message.split('\n')[0]}`);
  }
  const entries: RawEntry[] = [];
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { entries, warnings: [] };
  if (!isMap(root)) throw syntax(file, lineOf(root, lineCounter), 'expected a mapping of option names to values');

  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const keyLine = lineOf(keyNode, lineCounter);
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') throw syntax(file, keyLine, 'expected an option name as key');
    const key = keyNode.value.replace(/^-+/, '');
    const valueNode = pair.value as Node | null;
    if (isSeq(valueNode)) {
      // An empty list still says something: "this list is empty" clears earlier values, like `server=`.
      if (valueNode.items.length === 0) entries.push(entry(key, '', file, keyLine));
      for (const item of valueNode.items as (Node | null)[]) {
        entries.push(entry(key, scalarText(item, file, key, lineCounter), file, lineOf(item, lineCounter, keyLine)));
      }
    } else {
      const line = valueNode === null ? keyLine : lineOf(valueNode, lineCounter, keyLine);
      entries.push(entry(key, scalarText(valueNode, file, key, lineCounter), file, line));
    }
  }
  return { entries, warnings: [] };
}

// Scalars become the text a worker.cfg would hold: true → yes, false → no, numbers as written.
// A YAML null (`hosts:`) is an empty value, which C reads as "yes" for booleans and as "clear" for lists.
function scalarText(node: Node | null, file: string, key: string, lineCounter: LineCounter): string {
  if (node === null) return '';
  if (!isScalar(node)) throw syntax(file, lineOf(node, lineCounter), `"${key}": expected a single value or a list of values`);
  const value = node.value;
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return node.source ?? String(value);
  return String(value);
}

function entry(key: string, value: string, file: string, line: number): RawEntry {
  return { key, value, origin: { kind: 'file', file, line } };
}

function lineOf(node: Node | null | undefined, lineCounter: LineCounter, fallback = 1): number {
  const start = node?.range?.[0];
  return start === undefined ? fallback : lineCounter.linePos(start).line;
}

function syntax(file: string, line: number, text: string): MgError {
  return new MgError('MG_ERR_CONFIG_SYNTAX', `${file}:${line}: ${text}`, { details: { file, line } });
}
