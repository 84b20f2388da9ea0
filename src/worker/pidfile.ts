// pidfile=: written as `<pid>\n` at start, removed at exit. A live pid in an existing file means another worker
// runs with this pid file: refuse to start. A stale one is replaced with a warning (as the Go worker does).
import { readFileSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MgError } from '../errors.js';
import { processExists } from '../exec/kill.js';

/** Writes the pid file; returns a remover, and whether a stale file was replaced. */
export function writePidFile(path: string): { remove: () => void; replacedStale: number | undefined } {
  let replacedStale: number | undefined;
  try {
    const old = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (Number.isInteger(old) && old > 0 && old !== process.pid) {
      if (processExists(old)) {
        throw new MgError('MG_ERR_CONFIG_INVALID', `worker already running: pidfile ${path} holds the live pid ${old}`, { details: { path, pid: old } });
      }
      replacedStale = old;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${process.pid}\n`);
  return {
    replacedStale,
    remove: () => {
      try {
        if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
