// Splits a child's byte stream into lines, for the farm's stdout (JSON) and stderr (free text). Lines can be
// megabytes (base64 of a 10 MiB plugin output), so chunks are collected and only the new chunk is searched
// for '\n' (the same technique as src/exec/helper-spawner.ts, which could use this class).
import type { Readable } from 'node:stream';

/** Calls `onLine` with each complete line of `stream` (without the '\n'), decoded as UTF-8. */
export function splitLines(stream: Readable, onLine: (line: string) => void): void {
  let parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl >= 0) {
      parts.push(chunk.subarray(start, nl));
      const line = parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts).toString('utf8');
      parts = [];
      onLine(line);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
  });
  // A last line without '\n' (a farm that died mid-write) is still worth logging.
  stream.on('end', () => {
    if (parts.length > 0) onLine(Buffer.concat(parts).toString('utf8'));
    parts = [];
  });
}
