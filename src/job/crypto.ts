// Mod-Gearman payload encoding: base64( AES-256-ECB( text + NUL padding ) ), or base64(text) with
// encryption=no. Byte for byte what the C NEB module and C worker send (mod-gearman-c.md §2.9,
// mod-gearman-worker-go.md §3, the captures in fixtures/golden/); docs/wire-format.md explains each rule.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Cipher, Decipher } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MgError, coerceError } from '../errors.js';
import { looksLikeModGearmanText, startsWithClearKey } from './text-shape.js';

/** AES-256 key size; every key is cut or NUL-padded to it. */
export const AES_KEY_BYTES = 32;
const BLOCK = 16;
/** The C side logs "encryption key should be at least 8 bytes!" below this length. */
export const SHORT_KEY_BYTES = 8;

/**
 * Whose keyfile and key rules to follow (mod-gearman-worker-go.md §3):
 * - `c` (the NEB module and C worker): a keyfile's first line only, at most 32 bytes, right-trimmed
 *   of whitespace; the key ends at its first NUL byte (it is a C string).
 * - `go` (mod-gearman-worker-go): the whole keyfile minus one trailing LF; NUL bytes are key bytes.
 * Both agree for any ordinary one-line text key; they differ for CRLF, trailing blanks, several
 * lines and binary keyfiles. The NEB is C, so `c` is the default.
 */
export type KeyFlavour = 'c' | 'go';

/** The 32 AES key bytes for `key`: cut to 32 bytes or NUL-padded (C also cuts at the first NUL). */
export function deriveKey(key: string | Buffer, flavour: KeyFlavour = 'c'): Buffer {
  let bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (flavour === 'c') {
    // gm_crypt.c copies `*password++` until the first NUL, then pads with zeros.
    const nul = bytes.indexOf(0);
    if (nul !== -1) bytes = bytes.subarray(0, nul);
  }
  if (bytes.length === 0) {
    throw new MgError('MG_ERR_CRYPTO_KEY', 'encryption is on but the key is empty');
  }
  const out = Buffer.alloc(AES_KEY_BYTES);
  bytes.copy(out, 0, 0, Math.min(bytes.length, AES_KEY_BYTES));
  return out;
}

/**
 * Reads a `keyfile=` the way the given side does (see KeyFlavour). Synchronous: it runs once at
 * start-up or reload, never per job. Returns the key bytes before deriveKey().
 */
export function readKeyFile(path: string, flavour: KeyFlavour = 'c'): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const cause = coerceError(err);
    throw new MgError('MG_ERR_CRYPTO_KEY', `cannot read keyfile ${path}: ${cause.message}`, {
      cause,
      details: { path },
    });
  }
  let key: Buffer;
  if (flavour === 'go') {
    key = data.at(-1) === 0x0a ? data.subarray(0, -1) : data;
  } else {
    // C: fgets() of at most 32 bytes of the first line, then rtrim() of isspace().
    const lf = data.indexOf(0x0a);
    key = data.subarray(0, Math.min(lf === -1 ? data.length : lf, AES_KEY_BYTES));
    let end = key.length;
    while (end > 0 && (key[end - 1] === 0x20 || (key[end - 1] >= 0x09 && key[end - 1] <= 0x0d))) end--;
    key = key.subarray(0, end);
  }
  if (key.length === 0) {
    throw new MgError('MG_ERR_CRYPTO_KEY', `keyfile ${path} holds no key`, { details: { path } });
  }
  return key;
}

export interface PayloadCodecOptions {
  /** AES-256-ECB on (the default of the NEB and the worker) or base64 only. */
  encryption: boolean;
  /** key= as text, or key bytes (e.g. from readKeyFile). Required when encryption is on. */
  key?: string | Buffer;
  /** @defaultValue 'c' */
  keyFlavour?: KeyFlavour;
  /**
   * With encryption on, also accept a clear payload whose text starts with `type=` or `host_name=`,
   * like the NEB's accept_clear_results=yes (results from send_gearman without --encryption).
   * @defaultValue false
   */
  acceptClear?: boolean;
}

const DECRYPT_HINT = 'the key or the encryption= setting differs from the sender\'s';

/**
 * Encodes and decodes Mod-Gearman payloads. Create it once per key (the key is derived and the
 * AES contexts are set up here); encode() and decode() run per job.
 */
export class PayloadCodec {
  readonly encryption: boolean;
  /** True when the effective key is shorter than SHORT_KEY_BYTES (the C side warns then). */
  readonly weakKey: boolean;
  readonly #acceptClear: boolean;
  // One long-lived cipher each way. ECB keeps no state between blocks and auto padding is off, so
  // update() on whole blocks returns every block at once and leaves nothing buffered: the same
  // context serves every payload, and final() is never called. decode() only passes whole blocks.
  readonly #cipher: Cipher | undefined;
  readonly #decipher: Decipher | undefined;

  constructor(options: PayloadCodecOptions) {
    this.encryption = options.encryption;
    this.#acceptClear = options.acceptClear ?? false;
    if (!options.encryption) {
      this.weakKey = false;
      return;
    }
    if (options.key === undefined) {
      throw new MgError('MG_ERR_CRYPTO_KEY', 'encryption is on but no key= or keyfile= is set');
    }
    const key = deriveKey(options.key, options.keyFlavour ?? 'c');
    const used = key.indexOf(0);
    this.weakKey = (used === -1 ? AES_KEY_BYTES : used) < SHORT_KEY_BYTES;
    this.#cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    this.#decipher = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  }

  /**
   * Encodes a text for the wire. Encrypted: the text plus 1..16 NUL bytes up to a multiple of 16,
   * as the captures of the C NEB and worker show (v3 appends NULs, v5 encrypts the terminating NUL
   * and pads: the same bytes). Then standard base64 on one line.
   */
  encode(text: string | Buffer): string {
    const plain = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (plain.indexOf(0) !== -1) {
      // A C reader would silently cut the text there.
      throw new MgError('MG_ERR_INVALID_ARGUMENT', 'a Mod-Gearman text cannot contain a NUL byte');
    }
    if (this.#cipher === undefined) return plain.toString('base64');
    const padded = Buffer.alloc((Math.floor(plain.length / BLOCK) + 1) * BLOCK);
    plain.copy(padded);
    return this.#cipher.update(padded).toString('base64');
  }

  /** Decodes a payload into its text (UTF-8). See decodeToBuffer() for the rules. */
  decode(payload: string | Buffer): string {
    return this.#decode(payload, true).toString('utf8');
  }

  /**
   * Decodes a payload into the exact text bytes, cut at the first NUL. Tolerates base64 wrapped in
   * lines and surrounding whitespace (Perl's encode_base64, C 5.1.1+ retries without LFs), NUL
   * padding of any length (C: 1..16, the Perl gearman-proxy: up to a multiple of 32) and the Go
   * worker's LF padding (trailing LFs are dropped when the text has no NUL). Throws MgError:
   * MG_ERR_JOB_EMPTY, MG_ERR_JOB_BASE64, or MG_ERR_JOB_DECRYPT when the result is no Mod-Gearman text.
   */
  decodeToBuffer(payload: string | Buffer): Buffer {
    return this.#decode(payload, true);
  }

  /**
   * Like decodeToBuffer() but without the check that the result is a Mod-Gearman text, for relays
   * that pass any payload on and for test vectors (`encrypt me please`). Still throws for empty
   * input, bad base64 and a ciphertext that is not whole AES blocks.
   */
  decodeUnchecked(payload: string | Buffer): Buffer {
    return this.#decode(payload, false);
  }

  #decode(payload: string | Buffer, check: boolean): Buffer {
    const raw = decodeBase64(payload);
    if (this.#decipher === undefined) {
      const text = cutAtNul(raw);
      if (text.length === 0) throw emptyError();
      if (check && !looksLikeModGearmanText(text)) {
        throw new MgError(
          'MG_ERR_JOB_DECRYPT',
          `payload is not a clear Mod-Gearman text (encryption=no here; the sender probably encrypts): ${DECRYPT_HINT}`,
          { details: { bytes: raw.length } },
        );
      }
      return text;
    }
    if (this.#acceptClear && startsWithClearKey(raw)) return cutAtNul(raw);
    if (raw.length % BLOCK !== 0) {
      throw new MgError(
        'MG_ERR_JOB_DECRYPT',
        `cannot decrypt: ${raw.length} bytes is not a multiple of the AES block (16)${clearHint(raw)}; ${DECRYPT_HINT}`,
        { details: { bytes: raw.length } },
      );
    }
    const plain = this.#decipher.update(raw);
    let text = cutAtNul(plain);
    if (text.length === plain.length) text = stripTrailingLf(text);
    // Only padding means an empty text; a wrong key yields a leading NUL in 1 of 256 payloads.
    if (text.length === 0 && (!check || isAllPadding(plain))) throw emptyError();
    if (check && !looksLikeModGearmanText(text)) {
      throw new MgError('MG_ERR_JOB_DECRYPT', `decrypted payload is no Mod-Gearman text${clearHint(raw)}: ${DECRYPT_HINT}`, {
        details: { bytes: raw.length },
      });
    }
    return text;
  }
}

/** Shorthand for `new PayloadCodec(options)`. */
export function createPayloadCodec(options: PayloadCodecOptions): PayloadCodec {
  return new PayloadCodec(options);
}

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[\t\n\v\f\r ]+/g; // ASCII only: a latin1 0xA0 byte is no whitespace here

// Strict base64: Buffer.from(x, 'base64') silently skips bad characters, which would turn garbage
// into a misleading "wrong key" error. Whitespace anywhere is dropped first (wrapped lines, CRLF).
function decodeBase64(payload: string | Buffer): Buffer {
  let text = typeof payload === 'string' ? payload : payload.toString('latin1');
  if (!STRICT_BASE64.test(text)) {
    text = text.replace(WHITESPACE, '');
    if (!STRICT_BASE64.test(text)) {
      throw new MgError('MG_ERR_JOB_BASE64', `payload is not base64${describeBadByte(text)}`, {
        details: { length: text.length },
      });
    }
  }
  if (text.length === 0) throw emptyError();
  if (text.length % 4 === 1 || (text.includes('=') && text.length % 4 !== 0)) {
    throw new MgError('MG_ERR_JOB_BASE64', `payload is not base64: ${text.length} characters is not a valid length`, {
      details: { length: text.length },
    });
  }
  return Buffer.from(text, 'base64');
}

function describeBadByte(text: string): string {
  const at = text.search(/[^A-Za-z0-9+/=]/);
  if (at !== -1) return `: unexpected byte 0x${text.charCodeAt(at).toString(16).padStart(2, '0')} at offset ${at}`;
  return ': misplaced "=" padding';
}

function emptyError(): MgError {
  return new MgError('MG_ERR_JOB_EMPTY', 'payload is empty');
}

function cutAtNul(buf: Buffer): Buffer {
  const nul = buf.indexOf(0);
  return nul === -1 ? buf : buf.subarray(0, nul);
}

// The Go worker pads with LF instead of NUL (mod-gearman-worker-go.md §3). Only called when no NUL
// was found, so a C text keeps its `\n\n\n` terminator byte for byte.
function stripTrailingLf(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0x0a) end--;
  return buf.subarray(0, end);
}

function isAllPadding(buf: Buffer): boolean {
  for (const byte of buf) if (byte !== 0 && byte !== 0x0a) return false;
  return true;
}

function clearHint(raw: Buffer): string {
  return startsWithClearKey(raw) ? ' (it is clear text: the sender has encryption=no)' : '';
}
