// Reads a tool's stdin to the end, giving up when no byte arrives for `idleMs` (the C tools' alarm on
// stdin: a forgotten pipe must not hang a Nagios event handler forever).
import type { Readable } from 'node:stream';

export interface InputRead {
  readonly text: string;
  /** True when the idle timeout ended the read, not the end of the stream. */
  readonly timedOut: boolean;
}

/** All of `stream` as UTF-8, or what arrived before it went quiet for idleMs. */
export function readInput(stream: Readable, idleMs: number): Promise<InputRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout;
    const finish = (timedOut: boolean): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      if (timedOut) stream.pause();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), timedOut });
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(true), idleMs);
    };
    const onData = (chunk: Buffer | string): void => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      arm();
    };
    const onEnd = (): void => finish(false);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    arm();
  });
}
