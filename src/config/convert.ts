// Raw text → typed value for one option, per OptionType. Returns what was expected instead of throwing
// so validate.ts can build one message format for all types (execa's "expected X, got Y").
// Stricter than C (atoi: "abc" → 0) and Go (bad numbers → 0, "3.7" → 3): a typo must not silently
// become 0 workers or a 0-second timeout.
import { formatServerAddress, parseServerAddress } from '../gearman/address.js';
import type { OptionSpec } from './option-spec.js';

export type Converted =
  | { readonly ok: true; readonly value: boolean | number | string | undefined | readonly string[] }
  | { readonly ok: false; readonly expected: string; readonly got?: string };

const TRUE = new Set(['yes', 'on', 'true', '1']);
const FALSE = new Set(['no', 'off', 'false', '0']);

/**
 * Reads a boolean as C does: yes/on/true/1 and no/off/false/0 in any case; a bare flag or an empty
 * value means yes (C parse_yes_or_no falls back to "enabled"). Go only knows yes/on/1, case-sensitive.
 */
export function parseBool(text: string | undefined): boolean | undefined {
  if (text === undefined) return true;
  const t = text.trim().toLowerCase();
  if (t === '' || TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/i;
const DURATION_UNIT: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds from `30`, `1.5`, `500ms`, `2m`, `1h`; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (m === null) return undefined;
  return Number(m[1]) * DURATION_UNIT[(m[2] ?? 's').toLowerCase()];
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmg])?(?:i?b)?$/i;
const SIZE_UNIT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes from `65536`, `512K`, `10M`, `10MiB`, `1G` (binary units); undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (m === null) return undefined;
  return Math.floor(Number(m[1]) * SIZE_UNIT[(m[2] ?? '').toLowerCase()]);
}

/**
 * Splits a comma list, trimming items and dropping empty ones. Commas inside `{...}` do not split, so
 * a glob like `/opt/{a,b}/check_*` stays one item.
 */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
    if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** Converts one raw value of `spec`; list types return the items of this one entry. */
export function convertValue(spec: OptionSpec, raw: string | undefined): Converted {
  const text = (raw ?? '').trim();
  switch (spec.type) {
    case 'bool': {
      const value = parseBool(raw);
      return value === undefined ? { ok: false, expected: 'yes or no (also on/off, true/false, 1/0)' } : { ok: true, value };
    }
    case 'int':
      return number(spec, /^[+-]?\d+$/.test(text) ? Number(text) : undefined, 'integer');
    case 'float':
      return number(spec, /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined, 'number');
    case 'duration':
      return number(spec, parseDuration(text), 'duration');
    case 'size':
      return number(spec, parseSize(text), 'size');
    case 'enum': {
      const value = text.toLowerCase();
      const values = spec.values ?? [];
      return values.includes(value) ? { ok: true, value } : { ok: false, expected: `one of ${values.join(', ')}` };
    }
    case 'string':
    case 'include':
      return { ok: true, value: text === '' ? undefined : text };
    case 'list':
      return { ok: true, value: splitList(text) };
    case 'multi':
      return { ok: true, value: text === '' ? [] : [text] };
    case 'servers':
      return servers(text);
  }
}

function servers(text: string): Converted {
  const out: string[] = [];
  for (const item of splitList(text)) {
    try {
      out.push(formatServerAddress(parseServerAddress(item)));
    } catch {
      return { ok: false, expected: 'a job server address host[:port] (port 1-65535)', got: item };
    }
  }
  return { ok: true, value: out };
}

type NumberKind = 'integer' | 'number' | 'duration' | 'size';

function number(spec: OptionSpec, value: number | undefined, kind: NumberKind): Converted {
  const { min, max } = spec;
  const fits = value !== undefined && Number.isFinite(value) && (min === undefined || value >= min) && (max === undefined || value <= max);
  return fits ? { ok: true, value } : { ok: false, expected: describe(kind, min, max) };
}

// "a positive integer", "an integer from 0 to 3", "a duration in seconds (e.g. ...)" ...
function describe(kind: NumberKind, min: number | undefined, max: number | undefined): string {
  if (kind === 'duration') {
    const what = min !== undefined && min > 0 ? 'a positive duration' : 'a duration';
    return `${what} in seconds (e.g. 30, 1.5, 500ms, 2m)`;
  }
  if (kind === 'size') {
    const least = min !== undefined && min > 0 ? ` of at least ${min}` : '';
    return `a size in bytes${least} (e.g. 65536, 512K, 10M, 1G)`;
  }
  if (min !== undefined && max !== undefined) return `${kind === 'integer' ? 'an integer' : 'a number'} from ${min} to ${max}`;
  if (min === 1 && kind === 'integer') return 'a positive integer';
  if (min === 0) return `a non-negative ${kind}`;
  if (min !== undefined) return `${kind === 'integer' ? 'an integer' : 'a number'} of at least ${min}`;
  return kind === 'integer' ? 'an integer' : 'a number';
}
