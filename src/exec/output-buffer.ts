// A capped byte collector for one plugin stream. The Go worker buffered output without a bound (reference
// mod-gearman-worker-go.md §10 item 3); C kept 10 MiB. We keep the first maxOutputBytes, count and discard the
// rest without buffering it (the pipe must still be drained or the plugin blocks), and mark the cut.

/** C's cap, and ours by default: 10 MiB per stream. */
export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

/** The text appended to a capped stream; the Perl spawn helper's output goes through the same function. */
export function truncationMarker(keptBytes: number): string {
  return `\n[... output truncated by mg-workhorse after ${keptBytes} bytes]`;
}

export class OutputBuffer {
  readonly #max: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #seen = 0;

  constructor(maxBytes = DEFAULT_MAX_OUTPUT_BYTES) {
    this.#max = maxBytes;
  }

  /** Keeps what fits under the cap; the rest is only counted. */
  push(chunk: Buffer): void {
    this.#seen += chunk.length;
    const room = this.#max - this.#kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.#chunks.push(part);
    this.#kept += part.length;
  }

  /** Bytes received in total, kept or not. */
  get seenBytes(): number {
    return this.#seen;
  }

  get truncated(): boolean {
    return this.#seen > this.#max;
  }

  /** The kept bytes alone. */
  kept(): Buffer {
    return Buffer.concat(this.#chunks, this.#kept);
  }

  /** The kept bytes, with the truncation marker when something was dropped. */
  toBuffer(): Buffer {
    return withMarker(this.kept(), this.truncated);
  }
}

/** Appends the marker to bytes capped elsewhere (the Perl spawn helper caps on its side). */
export function withMarker(kept: Buffer, truncated: boolean): Buffer {
  return truncated ? Buffer.concat([kept, Buffer.from(truncationMarker(kept.length))]) : kept;
}
