// The JSON-line framing both Perl helpers speak (perl/mg-spawner.pl and perl/mg-epn-farm.pl): one JSON object per
// line, each with a string `type`. Each protocol file checks its own message shapes on top of this.

/** A parsed protocol line: an object whose `type` is a string (fields not yet checked). */
export interface JsonLine {
  readonly type: string;
  readonly value: Readonly<Record<string, unknown>>;
}

/** Parses one line; null when it is not JSON, not an object, or has no string `type` (the caller logs it). */
export function parseJsonLine(line: string): JsonLine | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return null;
  return { type, value: value as Record<string, unknown> };
}

/** One message as a protocol line (newline-terminated). */
export function encodeJsonLine(message: object): string {
  return `${JSON.stringify(message)}\n`;
}
