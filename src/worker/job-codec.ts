// The per-job CPU work around a check: payload → validated job (base64, AES, text parse), and result text →
// payload. Pure functions here; the inline codec calls them on the main thread, the pool codec
// (job-codec-pool.ts) in piscina worker threads. Which one is faster is measured in bench/throughput.
import { isMgError, type ErrorCode } from '../errors.js';
import { PayloadCodec, type PayloadCodecOptions } from '../job/crypto.js';
import { parseJobText, validateJob, type ParsedJob, type ValidJob } from '../job/job-text.js';

/** A decoded job, or why not. A job that decoded but is invalid keeps what was parsed, to answer it if it can. */
export type DecodedJob =
  | { readonly ok: true; readonly job: ValidJob }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly partial?: ParsedJob };

export interface JobCodec {
  decode(payload: Buffer): Promise<DecodedJob>;
  encode(text: string): Promise<string>;
  close(): Promise<void>;
}

/** Decodes and validates one job payload. Never throws. */
export function decodeJobPayload(codec: PayloadCodec, payload: Buffer): DecodedJob {
  let text: string;
  try {
    text = codec.decode(payload);
  } catch (err) {
    return failure(err);
  }
  const parsed = parseJobText(text);
  try {
    return { ok: true, job: validateJob(parsed) };
  } catch (err) {
    return { ...failure(err), partial: parsed };
  }
}

function failure(err: unknown): { ok: false; code: ErrorCode; message: string } {
  if (isMgError(err)) return { ok: false, code: err.code, message: err.message };
  return { ok: false, code: 'MG_ERR_INTERNAL', message: String(err) };
}

/** Runs the codec work on the main thread. */
export class InlineJobCodec implements JobCodec {
  readonly #codec: PayloadCodec;

  constructor(options: PayloadCodecOptions) {
    this.#codec = new PayloadCodec(options);
  }

  decode(payload: Buffer): Promise<DecodedJob> {
    return Promise.resolve(decodeJobPayload(this.#codec, payload));
  }

  encode(text: string): Promise<string> {
    try {
      return Promise.resolve(this.#codec.encode(text));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
