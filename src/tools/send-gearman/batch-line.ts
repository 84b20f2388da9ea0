// send_gearman's batch input (no --host): one result per line, `host<d>service<d>rc<d>output` or
// `host<d>rc<d>output` (the send_nsca format the C tool reads; <d> is --delimiter, a tab by default).
// The output is everything after the return code, delimiters included. A line that fits neither form
// is reported by the caller and skipped; the batch goes on.

export interface BatchResult {
  readonly host: string;
  /** Undefined for a host result. */
  readonly service: string | undefined;
  readonly returnCode: number;
  readonly output: string;
}

export type BatchLine = { readonly ok: true; readonly result: BatchResult } | { readonly ok: false; readonly reason: string };

const RC = /^[0-3]$/;

/** Parses one input line (without its line end). */
export function parseBatchLine(line: string, delimiter: string): BatchLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const fields = text.split(delimiter);
  const host = fields[0] ?? '';
  const shape = `expected host${show(delimiter)}[service${show(delimiter)}]returncode${show(delimiter)}output`;
  if (host.trim() === '') return { ok: false, reason: `${shape}, got no host name` };
  // A C reader would cut the text at a NUL byte, so it cannot travel in a result.
  if (text.includes('\0')) return { ok: false, reason: 'a NUL byte cannot be sent in a result' };
  // Service form first; a host line whose output holds the delimiter falls through to the host form.
  if (fields.length >= 4 && RC.test((fields[2] ?? '').trim()) && (fields[1] ?? '') !== '') {
    return { ok: true, result: { host, service: fields[1], returnCode: Number((fields[2] as string).trim()), output: fields.slice(3).join(delimiter) } };
  }
  if (fields.length >= 3 && RC.test((fields[1] ?? '').trim())) {
    return { ok: true, result: { host, service: undefined, returnCode: Number((fields[1] as string).trim()), output: fields.slice(2).join(delimiter) } };
  }
  if (fields.length < 3) return { ok: false, reason: `${shape}, got ${fields.length} field${fields.length === 1 ? '' : 's'}` };
  return { ok: false, reason: `${shape}, got no return code 0-3` };
}

function show(delimiter: string): string {
  return delimiter === '\t' ? '<TAB>' : delimiter;
}
