// The native spawner's guard (perl/mg-guard.pl): a small process that outlives a worker killed by SIGKILL or the
// OOM killer and kills the plugin groups that were still running. The spawn helper and the vfork launchers do
// this by themselves when their stdin closes; plugins the native spawner starts have no such process above them.
// The addon keeps the running groups in a file it maps (the guard reads it once the worker is gone); the guard
// waits on a pipe whose only other end is ours, and that end closing is the signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import { processExists } from './kill.js';

const SCRIPT = fileURLToPath(new URL('../../perl/mg-guard.pl', import.meta.url));

/** /dev/shm when we may write there (the file then never touches a disk), else the temp folder. */
function groupFileDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

const PREFIX = 'mg-workhorse-groups-';

/**
 * Removes group files whose worker is gone and whose guard could not remove them (the guard was SIGKILLed too,
 * e.g. with the whole cgroup). Returns the names removed.
 */
export function removeStaleGroupFiles(dir = groupFileDir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length).split('-')[0]) : NaN;
    if (!Number.isInteger(pid) || pid <= 0 || processExists(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

export class NativeGuard {
  /** The group file the addon maps; the guard removes it when it leaves. */
  readonly file: string;
  readonly #proc: ChildProcess;
  readonly #pipe: Socket | undefined;

  /** Starts the guard; the file exists (empty) when this returns, the addon sizes and maps it. */
  constructor(logger: Logger, perl = 'perl') {
    const dir = groupFileDir();
    const stale = removeStaleGroupFiles(dir);
    if (stale.length > 0) logger.info({ files: stale }, 'spawner:guard removed group files of workers that are gone');
    this.file = join(dir, `${PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    writeFileSync(this.file, '', { mode: 0o600, flag: 'wx' });
    // detached: a session of its own, so a Ctrl-C or a plugin's group kill does not reach it.
    this.#proc = spawn(perl, [SCRIPT, this.file], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], detached: true });
    this.#proc.on('error', (err) => {
      logger.warn({ err }, 'spawner:guard cannot start perl/mg-guard.pl: plugins would outlive a worker killed by SIGKILL');
      rmSync(this.file, { force: true });
    });
    this.#proc.unref();
    this.#pipe = this.#proc.stdio[3] as Socket | undefined;
    this.#pipe?.on('error', () => undefined);
    this.#pipe?.unref(); // the guard never keeps the worker alive
  }

  /** The guard's pid (tests). */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Ends the guard: it finds no group left (the spawner is stopped), removes the file and exits. */
  close(): void {
    this.#pipe?.destroy();
  }
}
