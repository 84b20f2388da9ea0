// Reading a Perl spawner process (the spawn helper or a vfork launcher): its stdout as protocol lines, its
// stderr as log lines, and whether its handles keep Node alive.
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../log.js';

/** Calls `onLine` for each line on the process's stdout (latin1: every field is ASCII or base64). */
export function readProtocolLines(proc: ChildProcess, onLine: (line: string) => void): void {
  // Lines can be megabytes (base64 of 10 MiB); collect chunks and only search the new one for '\n'.
  let parts: Buffer[] = [];
  proc.stdout?.on('data', (chunk: Buffer) => {
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl >= 0) {
      parts.push(chunk.subarray(start, nl));
      onLine(Buffer.concat(parts).toString('latin1'));
      parts = [];
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
  });
}

/** Logs each stderr line of the process as a warning `<event> <line>`. */
export function logStderrLines(proc: ChildProcess, log: Logger, event: string): void {
  let errText = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (s: string) => {
    errText += s;
    let nl: number;
    while ((nl = errText.indexOf('\n')) >= 0) {
      log.warn({ helperPid: proc.pid }, `${event} ${errText.slice(0, nl)}`);
      errText = errText.slice(nl + 1);
    }
  });
}

/** An idle spawner process must not keep a CLI alive; a busy one must. */
export function setProcessRef(proc: ChildProcess, on: boolean): void {
  const handles = [proc, proc.stdout, proc.stderr, proc.stdin] as Array<{ ref?: () => void; unref?: () => void } | null>;
  for (const h of handles) (on ? h?.ref : h?.unref)?.call(h);
}

/** True while the process has neither exited nor been killed. */
export function isRunning(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null;
}
