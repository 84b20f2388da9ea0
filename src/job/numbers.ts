// Number rules of the Mod-Gearman texts: the C side reads integers with atoi() and floats with
// atof()/strtod (a bad value reads as 0, never as an error) and writes times with "%Lf"/"%f",
// i.e. exactly six decimals (mod-gearman-c.md §2.3, §2.4).
import { MgError } from '../errors.js';

const MICROS_PER_SECOND = 1_000_000;

/**
 * Renders seconds with exactly six decimals, like C's "%f", without float drift: the value is
 * rounded to whole microseconds first, so 1795347352.772192 renders as written. A time parsed from
 * a 6-decimal text renders back exactly up to 2^32 s (the year 2106): a double's error there stays
 * below half a microsecond. Beyond 2^53 µs it throws.
 */
export function formatSeconds6(seconds: number): string {
  const micros = Math.round(seconds * MICROS_PER_SECOND);
  if (!Number.isSafeInteger(micros)) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `expected a finite time in seconds, got \`${seconds}\``);
  }
  const abs = Math.abs(micros);
  const frac = abs % MICROS_PER_SECOND;
  const whole = (abs - frac) / MICROS_PER_SECOND;
  // `micros < 0` keeps the sign of e.g. -0.5 s; -0 rounds to 0 and prints without a sign.
  return `${micros < 0 ? '-' : ''}${whole}.${String(frac).padStart(6, '0')}`;
}

/** C atoi(): optional leading whitespace and sign, then digits; anything else ends it; no digits → 0. */
export function parseCInt(text: string): number {
  let i = 0;
  const n = text.length;
  while (i < n && (text.charCodeAt(i) === 0x20 || (text.charCodeAt(i) >= 0x09 && text.charCodeAt(i) <= 0x0d))) i++;
  let sign = 1;
  if (i < n && (text[i] === '-' || text[i] === '+')) {
    if (text[i] === '-') sign = -1;
    i++;
  }
  let value = 0;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  // Overflow is undefined in C; we saturate to a safe integer instead of wrapping.
  return sign * Math.min(value, Number.MAX_SAFE_INTEGER);
}

/** C atof(): the longest decimal prefix (parseFloat does the same); no number or ±inf → 0. */
export function parseCFloat(text: string): number {
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : 0;
}
