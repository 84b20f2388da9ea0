// Gearman binary packet encoding and an incremental parser. Pure: no sockets, no timers, so that every
// framing case (splits at any byte, many packets per chunk, garbage, oversize) is tested without a network.
// @see http://gearman.org/protocol/ "Binary Packet"
import { MgError } from '../errors.js';
import {
  DEFAULT_MAX_PACKET_SIZE,
  HEADER_SIZE,
  MAGIC_REQ,
  MAGIC_RES,
  packetTypeInfo,
  packetTypeName,
} from './constants.js';
import type { Magic } from './constants.js';

export interface Packet {
  readonly magic: Magic;
  readonly type: number;
  /** The body split into the type's arguments; the last one keeps any NUL bytes. */
  readonly args: Buffer[];
}

/** Builds one packet. Throws MG_ERR_INVALID_ARGUMENT for our own mistakes: unknown type, wrong arg count, NUL in a separated argument. */
export function encodePacket(magic: Magic, type: number, args: readonly (Buffer | string)[] = []): Buffer {
  const info = packetTypeInfo(type);
  if (info === undefined) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `cannot encode packet type ${type}: not a known Gearman type`);
  }
  if (args.length !== info.argCount) {
    throw new MgError(
      'MG_ERR_INVALID_ARGUMENT',
      `${info.name} takes ${info.argCount} argument(s), got ${args.length}`,
    );
  }
  const buffers = args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'utf8') : a));
  let size = buffers.length > 0 ? buffers.length - 1 : 0; // the NUL separators
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i] as Buffer;
    if (i < buffers.length - 1 && b.includes(0)) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', `${info.name} argument ${i + 1} must not contain a NUL byte`);
    }
    size += b.length;
  }
  if (size > 0xffffffff) {
    throw new MgError('MG_ERR_INVALID_ARGUMENT', `${info.name} body of ${size} bytes exceeds the 4 GiB size field`);
  }
  const out = Buffer.allocUnsafe(HEADER_SIZE + size);
  (magic === 'REQ' ? MAGIC_REQ : MAGIC_RES).copy(out, 0);
  out.writeUInt32BE(type, 4);
  out.writeUInt32BE(size, 8);
  let offset = HEADER_SIZE;
  for (let i = 0; i < buffers.length; i++) {
    if (i > 0) out[offset++] = 0;
    offset += (buffers[i] as Buffer).copy(out, offset);
  }
  return out;
}

export interface PacketParserOptions {
  /** Largest body accepted, in bytes; larger ones fail before they are buffered. @defaultValue 64 MiB */
  maxPacketSize?: number;
}

interface Header {
  magic: Magic;
  type: number;
  size: number;
}

type ParserState = { kind: 'header' } | { kind: 'body'; header: Header } | { kind: 'failed'; error: MgError };

/**
 * Turns a byte stream into packets. Chunks are kept in a list with a read offset and a byte count; a packet
 * inside one chunk is a view into it (no copy), one spanning chunks is copied once. So many small packets
 * cost no copies and a big body costs one, never the quadratic cost of re-concatenating on every chunk.
 * After an error every push() throws that error again until reset(): a byte stream has no resync point.
 */
export class PacketParser {
  readonly #maxPacketSize: number;
  #chunks: Buffer[] = [];
  #offset = 0; // read position in #chunks[0]
  #buffered = 0;
  #state: ParserState = { kind: 'header' };

  constructor(options: PacketParserOptions = {}) {
    const max = options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new MgError('MG_ERR_INVALID_ARGUMENT', `maxPacketSize must be an integer 0..4294967295, got ${String(max)}`);
    }
    this.#maxPacketSize = max;
  }

  /** Bytes held that do not yet form a whole packet. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Forgets buffered bytes and a previous error; use it for a new connection. */
  reset(): void {
    this.#chunks = [];
    this.#offset = 0;
    this.#buffered = 0;
    this.#state = { kind: 'header' };
  }

  /**
   * Adds bytes and returns every packet they complete. Throws an MgError (BAD_MAGIC, UNKNOWN_PACKET,
   * PACKET_TOO_LARGE, PROTOCOL) on a framing fault; packets completed earlier in the same chunk are dropped
   * with it, since the caller resets the connection anyway.
   */
  push(chunk: Buffer): Packet[] {
    if (this.#state.kind === 'failed') throw this.#state.error;
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const packets: Packet[] = [];
    try {
      for (;;) {
        const state = this.#state;
        if (state.kind === 'header') {
          this.#checkMagicPrefix();
          if (this.#buffered < HEADER_SIZE) break;
          this.#state = { kind: 'body', header: this.#readHeader() };
        } else if (state.kind === 'body') {
          if (this.#buffered < state.header.size) break;
          const body = this.#take(state.header.size);
          packets.push({ magic: state.header.magic, type: state.header.type, args: splitArgs(state.header, body) });
          this.#state = { kind: 'header' };
        } else {
          break;
        }
      }
    } catch (err) {
      const error = err instanceof MgError ? err : new MgError('MG_ERR_INTERNAL', 'packet parser failed', { cause: err });
      this.#state = { kind: 'failed', error };
      this.#chunks = [];
      this.#offset = 0;
      this.#buffered = 0;
      throw error;
    }
    return packets;
  }

  // Garbage is refused as soon as a byte differs from "\0REQ"/"\0RES", not only once 12 bytes arrived:
  // a text answer ("ERR ...") or an HTTP server is then reported at once.
  #checkMagicPrefix(): void {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= 4) {
      // Fast path: bytes 0-2 are "\0RE" and byte 3 is 'Q' or 'S'.
      const o = this.#offset;
      const last = first[o + 3];
      if (first[o] === 0 && first[o + 1] === 0x52 && first[o + 2] === 0x45 && (last === 0x51 || last === 0x53)) return;
    }
    const n = Math.min(4, this.#buffered);
    let req = true;
    let res = true;
    for (let i = 0; i < n; i++) {
      const b = this.#byteAt(i);
      req &&= b === MAGIC_REQ[i];
      res &&= b === MAGIC_RES[i];
    }
    if (req || res) return;
    const seen = Buffer.from(Array.from({ length: n }, (_, i) => this.#byteAt(i)));
    throw new MgError('MG_ERR_GEARMAN_BAD_MAGIC', `expected a Gearman packet (\\0REQ or \\0RES), got bytes ${JSON.stringify(seen.toString('latin1'))}`);
  }

  #byteAt(i: number): number {
    let pos = this.#offset + i;
    for (const c of this.#chunks) {
      if (pos < c.length) return c[pos] as number;
      pos -= c.length;
    }
    return -1;
  }

  #readHeader(): Header {
    const first = this.#chunks[0] as Buffer;
    let bytes: Buffer;
    let at: number;
    if (first.length - this.#offset >= HEADER_SIZE) {
      bytes = first; // fast path: read in place
      at = this.#offset;
      this.#advance(HEADER_SIZE);
    } else {
      bytes = this.#take(HEADER_SIZE);
      at = 0;
    }
    const magic: Magic = bytes[at + 3] === 0x51 ? 'REQ' : 'RES'; // 'Q' ends "\0REQ"; the prefix is already checked
    const type = bytes.readUInt32BE(at + 4);
    const size = bytes.readUInt32BE(at + 8);
    if (packetTypeInfo(type) === undefined) {
      throw new MgError('MG_ERR_GEARMAN_UNKNOWN_PACKET', `unknown Gearman packet type ${type} (body ${size} bytes)`, {
        details: { type, size },
      });
    }
    if (size > this.#maxPacketSize) {
      throw new MgError(
        'MG_ERR_GEARMAN_PACKET_TOO_LARGE',
        `${packetTypeName(type)} packet announces a body of ${size} bytes, above the limit of ${this.#maxPacketSize}`,
        { details: { type, size, maxPacketSize: this.#maxPacketSize } },
      );
    }
    return { magic, type, size };
  }

  // Consumes n bytes that lie within the first chunk.
  #advance(n: number): void {
    this.#offset += n;
    this.#buffered -= n;
    if (this.#offset === (this.#chunks[0] as Buffer).length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }

  // Removes and returns the first n bytes: a view into the first chunk when it holds them all, else one copy.
  #take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let used = 0;
    let offset = this.#offset;
    while (filled < n) {
      const c = this.#chunks[used] as Buffer;
      const want = n - filled;
      const available = c.length - offset;
      if (available <= want) {
        filled += c.copy(out, filled, offset);
        used++;
        offset = 0;
      } else {
        filled += c.copy(out, filled, offset, offset + want);
        offset += want;
      }
    }
    this.#chunks.splice(0, used);
    this.#offset = offset;
    this.#buffered -= n;
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

// Splits a body on the first argCount-1 NULs; the rest is the last argument (data may hold NULs).
function splitArgs(header: Header, body: Buffer): Buffer[] {
  const info = packetTypeInfo(header.type);
  const argCount = info?.argCount ?? 0;
  if (argCount === 0) {
    if (body.length > 0) {
      throw new MgError('MG_ERR_GEARMAN_PROTOCOL', `${packetTypeName(header.type)} must have an empty body, got ${body.length} bytes`);
    }
    return [];
  }
  const args: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < argCount - 1; i++) {
    const nul = body.indexOf(0, start);
    if (nul < 0) {
      throw new MgError(
        'MG_ERR_GEARMAN_PROTOCOL',
        `${packetTypeName(header.type)} needs ${argCount} NUL-separated arguments, got ${i + 1}`,
        { details: { type: header.type, size: header.size } },
      );
    }
    args.push(body.subarray(start, nul));
    start = nul + 1;
  }
  args.push(body.subarray(start));
  return args;
}

