// The operating-system side of one farm process: spawn `perl mg-epn-farm.pl` with three pipes, split its stdout
// and stderr into lines, notice its end exactly once, and make sure nothing it forked outlives it. FarmProcess
// keeps the protocol and the checks; this keeps the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_PIPE_DRAIN_MS, killSession, registerCleanup, timerMs } from '../exec/kill.js';
import { splitLines } from './line-splitter.js';

export interface FarmChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (ENOENT, EACCES, EMFILE, ...). */
  readonly spawnError?: Error;
}

export interface FarmChildHandlers {
  readonly onLine: (line: string) => void;
  readonly onStderr: (line: string) => void;
  /** Called once, after the last stdout line. */
  readonly onExit: (exit: FarmChildExit) => void;
  /** A process error other than a failed spawn (rare: a failed kill or IPC error). */
  readonly onError: (err: Error) => void;
}

export class FarmChild {
  readonly #proc: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #unregisterCleanup: () => void;

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv, handlers: FarmChildHandlers) {
    // detached: the farm leads its own session, so terminal signals (Ctrl-C) reach the daemon only, and its
    // checks (which only change their process group) can all be found by session when it dies.
    const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env });
    this.#proc = proc;
    proc.stdin?.on('error', () => undefined); // EPIPE after a crash; the exit handler does the bookkeeping
    // On our way out (process 'exit'): the farm and everything it forked.
    this.#unregisterCleanup = registerCleanup(() => {
      proc.kill('SIGKILL');
      if (proc.pid !== undefined) killSession(proc.pid);
    });
    this.#exited = new Promise<void>((resolve) => {
      let done = false;
      const end = (exit: FarmChildExit): void => {
        if (done) return;
        done = true;
        this.#unregisterCleanup();
        // Checks whose `started` line never reached Node are still in the farm's session: nobody supervises them.
        if (proc.pid !== undefined) killSession(proc.pid);
        handlers.onExit(exit);
        resolve();
      };
      proc.on('error', (err) => (proc.pid === undefined ? end({ code: null, signal: null, spawnError: err }) : handlers.onError(err)));
      // 'close', not 'exit': answers may still sit in the stdout pipe when the process has exited. But a check's
      // child could hold a copy of the pipe (a farm bug, or a daemonizing plugin): after a short drain, go on.
      proc.on('close', (code, signal) => end({ code, signal }));
      proc.on('exit', (code, signal) => {
        setTimeout(() => {
          proc.stdout?.destroy();
          proc.stderr?.destroy();
          end({ code, signal });
        }, DEFAULT_PIPE_DRAIN_MS).unref();
      });
    });
    if (proc.stdout) splitLines(proc.stdout, handlers.onLine);
    if (proc.stderr) splitLines(proc.stderr, handlers.onStderr);
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Writes one protocol line; dropped silently when the farm is gone (its exit fails what was pending). */
  send(line: string): void {
    const stdin = this.#proc.stdin;
    if (stdin && !stdin.destroyed && stdin.writable) stdin.write(line);
  }

  kill(signal: NodeJS.Signals): void {
    this.#proc.kill(signal);
  }

  /** Closes stdin (the farm then stops its checks and exits), SIGKILL after `ms`; resolves once it is gone. */
  async stop(ms: number): Promise<void> {
    this.#proc.stdin?.end();
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), timerMs(ms));
    await this.#exited;
    clearTimeout(timer);
  }

  /** An idle farm must not keep a CLI alive; a busy or starting one must. */
  setRef(on: boolean): void {
    const p = this.#proc;
    for (const h of [p, p.stdout, p.stderr, p.stdin] as Array<{ ref?: () => void; unref?: () => void } | null>) (on ? h?.ref : h?.unref)?.call(h);
  }
}
