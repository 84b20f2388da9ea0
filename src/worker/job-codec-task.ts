// Runs inside a piscina worker thread (see job-codec-pool.ts): one PayloadCodec per thread, built from workerData.
import { workerData } from 'node:worker_threads';
import { PayloadCodec, type PayloadCodecOptions } from '../job/crypto.js';
import { decodeJobPayload, type DecodedJob } from './job-codec.js';

export type CodecTask = { readonly op: 'decode'; readonly payload: Uint8Array } | { readonly op: 'encode'; readonly text: string };

// Structured clone delivers a Buffer key (keyfile=) as a plain Uint8Array: make it a Buffer again.
const data = workerData as PayloadCodecOptions;
const raw = data.key as string | Uint8Array | undefined;
const key = raw instanceof Uint8Array && !Buffer.isBuffer(raw) ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : data.key;
const codec = new PayloadCodec({ ...data, ...(key === undefined ? {} : { key }) });

export default function run(task: CodecTask): DecodedJob | string {
  if (task.op === 'encode') return codec.encode(task.text);
  // Structured clone turns a Buffer into a Uint8Array; wrap it without copying.
  const p = task.payload;
  return decodeJobPayload(codec, Buffer.from(p.buffer, p.byteOffset, p.byteLength));
}
