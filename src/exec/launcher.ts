// One vfork launcher (perl/mg-launcher.pl): a small Perl process that leads its own session and process group
// and runs one plugin at a time with Proc::FastSpawn. The plugin shares the launcher's group, so the group id
// to kill on our exit is the launcher's pid. Pooled by launcher-spawner.ts; speaks spawner-protocol.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log.js';
import { encodeJsonLine } from './json-line.js';
import { encodeRunLine, resultOutcome, runWatchdogMs } from './helper-messages.js';
import { isRunning, logStderrLines, readProtocolLines, setProcessRef } from './helper-stream.js';
import { killSession, registerGroup, timerMs } from './kill.js';
import { notStartedOutcome, type CheckOutcome } from './outcome.js';
import { parseHelperLine, type ToHelper } from './spawner-protocol.js';
import type { PluginCommand, SpawnOptions } from './spawner.js';

export interface LauncherOptions {
  readonly perl: string;
  readonly script: string;
  readonly logger: Logger;
  readonly watchdogSlackMs: number;
  /** Called once when the process is gone (after its run, if any, was answered). */
  readonly onExit: (launcher: Launcher) => void;
}

/** The run in flight: plain fields, no per-run cleanup closure (this is built for every forked check). */
interface Current {
  readonly id: number;
  readonly command: PluginCommand;
  readonly cwd: string | undefined;
  readonly resolve: (o: CheckOutcome) => void;
  readonly watchdog: NodeJS.Timeout;
  readonly signal: AbortSignal | undefined;
}

export class Launcher {
  readonly #proc: ChildProcess;
  readonly #o: LauncherOptions;
  #current: Current | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #exited = false;
  readonly #closed: Promise<void>;

  constructor(options: LauncherOptions) {
    this.#o = options;
    // detached: a session and process group of its own, which its plugins share (vfork cannot give them theirs);
    // terminal signals reach the daemon only.
    const proc = spawn(options.perl, [options.script], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.#proc = proc;
    const unregister = proc.pid === undefined ? undefined : registerGroup(proc.pid);
    proc.stdin?.on('error', () => undefined); // EPIPE after a crash; 'close' does the bookkeeping
    this.#closed = new Promise((resolve) => {
      let done = false;
      const gone = (why: string): void => {
        if (done) return;
        done = true;
        unregister?.();
        this.#onGone(why);
        resolve();
      };
      proc.on('error', (err) => {
        options.logger.error({ err }, 'spawner:launcher:error');
        if (proc.pid === undefined) gone(`could not start ${options.perl} ${options.script}: ${err.message}`);
      });
      // 'close', not 'exit': the result may still sit in the stdout pipe when the process has exited.
      proc.on('close', (code, signal) => gone(`the launcher (pid ${proc.pid}) exited with ${signal ?? `code ${code}`}`));
    });
    readProtocolLines(proc, (line) => this.#onLine(line));
    logStderrLines(proc, options.logger, 'spawner:launcher:stderr');
    // Never keeps Node alive by itself: a run's watchdog timer (ref'd) does that while the run is in flight.
    setProcessRef(proc, false);
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Alive and not told to leave: may take a run. */
  get usable(): boolean {
    return !this.#exited && isRunning(this.#proc) && this.#proc.stdin?.writable === true;
  }

  /** Resolves once the process is gone. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Runs one plugin; the caller gives a launcher one run at a time. */
  run(id: number, command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
    this.keep();
    return new Promise<CheckOutcome>((resolve) => {
      const signal = options.signal;
      signal?.addEventListener('abort', this.#onAbort, { once: true });
      const watchdog = setTimeout(this.#onWatchdog, timerMs(runWatchdogMs(options, this.#o.watchdogSlackMs)), id);
      this.#current = { id, command, cwd: options.cwd, resolve, watchdog, signal };
      if (this.#proc.stdin?.writable) this.#proc.stdin.write(encodeRunLine(id, command, options));
    });
  }

  // Bound once per launcher, not once per run: the run they act on is #current.
  readonly #onAbort = (): void => {
    const c = this.#current;
    if (c !== undefined) this.#send({ type: 'cancel', id: c.id });
  };

  readonly #onWatchdog = (id: number): void => this.#stuck(id);

  /** Ends the launcher after `ms` unless it is taken for a run first (keep()); a pending deadline stays. */
  retireAfter(ms: number): void {
    if (this.#idleTimer) return;
    this.#idleTimer = setTimeout(() => this.retire(), ms);
    this.#idleTimer.unref();
  }

  /** Cancels a pending retireAfter(). */
  keep(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** Closes its stdin: the launcher aborts its run (TERM, then KILL), answers it, and exits. */
  retire(): void {
    this.keep();
    this.#proc.stdin?.end();
  }

  /** SIGKILL now (a stuck launcher); its plugin dies with the session on 'close'. */
  kill(): void {
    this.#proc.kill('SIGKILL');
  }

  #send(msg: ToHelper): void {
    if (this.#proc.stdin?.writable) this.#proc.stdin.write(encodeJsonLine(msg));
  }

  #onLine(line: string): void {
    const msg = parseHelperLine(line);
    const log = this.#o.logger;
    if (msg === null) return void log.error({ line: line.slice(0, 200) }, 'spawner:launcher:garbage');
    if (msg.type === 'ready') return void log.debug({ pid: msg.pid, version: msg.version }, 'spawner:launcher:ready');
    if (msg.type === 'started') return;
    if (msg.type === 'error') {
      log.error({ id: msg.id, pid: this.pid }, `spawner:launcher:protocol ${msg.message}`);
      if (msg.id !== undefined && msg.id === this.#current?.id) {
        const c = this.#current;
        this.#settle(notStartedOutcome(c.command.mode, { code: 'HELPER_PROTOCOL', message: msg.message }));
      }
      return;
    }
    const c = this.#current;
    if (c && c.id === msg.id) this.#settle(resultOutcome(msg, c.command, c.cwd));
  }

  #settle(outcome: CheckOutcome): void {
    const c = this.#current;
    if (!c) return;
    this.#current = undefined;
    clearTimeout(c.watchdog);
    c.signal?.removeEventListener('abort', this.#onAbort);
    c.resolve(outcome);
  }

  #stuck(id: number): void {
    if (this.#current?.id !== id) return;
    this.#o.logger.error({ id, pid: this.pid }, 'spawner:launcher:stuck no answer past the deadline; killing the launcher');
    // The fired watchdog no longer holds the event loop: the process handles must, until 'close' answers the run.
    setProcessRef(this.#proc, true);
    this.kill();
  }

  #onGone(why: string): void {
    this.#exited = true;
    this.keep();
    // Its plugin shares its session: kill everything left there, also a child that moved to a group of its own.
    if (this.#proc.pid !== undefined) killSession(this.#proc.pid);
    const c = this.#current;
    if (c) {
      this.#o.logger.error({ id: c.id }, `spawner:launcher:died ${why}`);
      this.#settle(notStartedOutcome(c.command.mode, { code: 'HELPER_DIED', message: `${why} while the check was running` }));
    }
    this.#o.onExit(this);
  }
}
