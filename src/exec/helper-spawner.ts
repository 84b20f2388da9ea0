// The Spawner that hands forks to one long-lived Perl process (perl/mg-spawner.pl). The helper is small, so
// its forks are cheap, and they happen off our event loop: about 1,100 runs/s where spawn() on the main
// thread managed 620 (bench/spawn.ts prints the figures). Protocol: src/exec/spawner-protocol.ts.
//
// The helper is started on first use and restarted on the next run after it dies. Runs in flight when it dies
// get an outcome with spawnError HELPER_DIED, never a hang, and their plugins are killed (everything left in
// the helper's session). A watchdog per run also covers a helper that is alive but stuck, by killing it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../log.js';
import { DEFAULT_KILL_GRACE_PERIOD_MS, killGroup, killSession, registerCleanup, registerGroup, timerMs } from './kill.js';
import { notStartedOutcome, type CheckOutcome, type SpawnError } from './outcome.js';
import { refusedBeforeStart } from './run-plugin.js';
import { encodeJsonLine } from './json-line.js';
import { encodeRunLine, resultOutcome, runWatchdogMs } from './helper-messages.js';
import { isRunning, logStderrLines, readProtocolLines, setProcessRef } from './helper-stream.js';
import { parseHelperLine, type ToHelper } from './spawner-protocol.js';
import type { PluginCommand, SpawnOptions, Spawner } from './spawner.js';

/** Slack on top of timeout + grace + drains before a silent helper is declared stuck and killed. */
export const HELPER_WATCHDOG_SLACK_MS = 5000;

const DEFAULT_SCRIPT = fileURLToPath(new URL('../../perl/mg-spawner.pl', import.meta.url));

export interface HelperSpawnerOptions {
  /** @defaultValue 'perl' (found in PATH) */
  readonly perl?: string;
  /** @defaultValue perl/mg-spawner.pl of this package */
  readonly script?: string;
  /** Receives the helper's stderr and its restarts. @defaultValue silentLogger() */
  readonly logger?: Logger;
  /** Slack before a silent helper counts as stuck. @defaultValue HELPER_WATCHDOG_SLACK_MS */
  readonly watchdogSlackMs?: number;
}

interface Pending {
  readonly command: PluginCommand;
  readonly cwd: string | undefined;
  /** The helper the run was sent to: only its death fails the run. */
  readonly proc: ChildProcess;
  readonly resolve: (o: CheckOutcome) => void;
  readonly cleanup: () => void;
  /** The plugin's process group, once the helper said `started`. */
  pgid?: number;
  unregisterGroup?: () => void;
}

export class HelperSpawner implements Spawner {
  readonly name = 'helper' as const;
  readonly #perl: string;
  readonly #script: string;
  readonly #log: Logger;
  readonly #slack: number;
  readonly #pending = new Map<number, Pending>();
  readonly #inFlight = new Set<Promise<CheckOutcome>>();
  #proc: ChildProcess | undefined;
  #nextId = 1;
  #closing: Promise<void> | undefined;
  #unregisterCleanup: (() => void) | undefined;

  constructor(options: HelperSpawnerOptions = {}) {
    this.#perl = options.perl ?? 'perl';
    this.#script = options.script ?? DEFAULT_SCRIPT;
    this.#log = options.logger ?? silentLogger();
    this.#slack = options.watchdogSlackMs ?? HELPER_WATCHDOG_SLACK_MS;
  }

  /** The pid of the running helper, if one runs (tests kill it to check the restart). */
  get helperPid(): number | undefined {
    return this.#proc?.pid;
  }

  run(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
    const refused = refusedBeforeStart(command, options, this.#closing !== undefined);
    if (refused) return Promise.resolve(refused);
    const proc = this.#ensureHelper();
    const id = this.#nextId++;
    const promise = new Promise<CheckOutcome>((resolve) => {
      const onAbort = (): void => this.#send({ type: 'cancel', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const watchdog = setTimeout(() => this.#stuck(proc, id), timerMs(runWatchdogMs(options, this.#slack)));
      watchdog.unref();
      const pending: Pending = {
        command,
        cwd: options.cwd,
        proc,
        resolve,
        cleanup: () => {
          clearTimeout(watchdog);
          options.signal?.removeEventListener('abort', onAbort);
          pending.unregisterGroup?.();
        },
      };
      this.#pending.set(id, pending);
      this.#setRef(true);
      this.#proc?.stdin?.write(encodeRunLine(id, command, options));
    });
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
    return promise;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown(false);
    return this.#closing;
  }

  /** Ends the helper now: it aborts every run (TERM, then KILL to each group) and answers them before exiting. */
  destroy(): Promise<void> {
    if (this.#closing) {
      this.#proc?.stdin?.end();
      return this.#closing;
    }
    this.#closing = this.#shutdown(true);
    return this.#closing;
  }

  async #shutdown(now: boolean): Promise<void> {
    if (!now) await Promise.allSettled([...this.#inFlight]);
    const proc = this.#proc;
    if (proc && isRunning(proc)) {
      const exited = once(proc, 'close');
      proc.stdin?.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), DEFAULT_KILL_GRACE_PERIOD_MS * 2 + 1000);
      await exited;
      clearTimeout(timer);
    }
    this.#failAll(undefined, { code: 'SPAWNER_CLOSED', message: 'the spawner was closed with the check in flight' });
    this.#unregisterCleanup?.();
  }

  #ensureHelper(): ChildProcess {
    if (this.#proc && isRunning(this.#proc)) return this.#proc;
    // detached: terminal signals (Ctrl-C) reach the daemon only; it decides when the helper stops.
    const proc = spawn(this.#perl, [this.#script], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.#proc = proc;
    this.#log.debug({ pid: proc.pid }, 'spawner:helper:start');
    this.#unregisterCleanup ??= registerCleanup(() => this.#proc?.kill('SIGTERM'));
    proc.stdin?.on('error', () => undefined); // EPIPE after a crash; 'exit' does the bookkeeping
    proc.on('error', (err) => {
      this.#log.error({ err }, 'spawner:helper:error');
      if (proc.pid === undefined) this.#onExit(proc, `could not start ${this.#perl} ${this.#script}: ${err.message}`);
    });
    // 'close', not 'exit': results may still sit in the stdout pipe when the process has exited.
    proc.on('close', (code, signal) => this.#onExit(proc, `the spawn helper (pid ${proc.pid}) exited with ${signal ?? `code ${code}`}`));
    readProtocolLines(proc, (line) => this.#onLine(line));
    logStderrLines(proc, this.#log, 'spawner:helper:stderr');
    return proc;
  }

  #onExit(proc: ChildProcess, why: string): void {
    if (this.#proc === proc) this.#proc = undefined;
    // Its plugins share its session: kill them all, also those whose `started` line was still unsent.
    if (proc.pid !== undefined) killSession(proc.pid);
    const n = this.#failAll(proc, { code: 'HELPER_DIED', message: `${why} while the check was running` });
    if (n > 0) this.#log.error({ inFlight: n }, `spawner:helper:died ${why}`);
  }

  /** Resolves the runs sent to `proc` (all runs when undefined) with `error`; returns how many. */
  #failAll(proc: ChildProcess | undefined, error: SpawnError): number {
    let n = 0;
    for (const [id, p] of this.#pending) {
      if (proc !== undefined && p.proc !== proc) continue;
      // Nobody is left to time these plugins out: kill their groups now rather than leave orphans.
      if (p.pgid !== undefined) killGroup(p.pgid, 'SIGKILL');
      this.#pending.delete(id);
      p.cleanup();
      p.resolve(notStartedOutcome(p.command.mode, error));
      n++;
    }
    if (this.#pending.size === 0) this.#setRef(false);
    return n;
  }

  #stuck(proc: ChildProcess, id: number): void {
    if (!this.#pending.has(id) || this.#proc !== proc) return;
    this.#log.error({ id, pid: proc.pid }, 'spawner:helper:stuck no answer past the deadline; killing the helper');
    proc.kill('SIGKILL');
  }

  #send(msg: ToHelper): void {
    this.#proc?.stdin?.write(encodeJsonLine(msg));
  }

  #onLine(line: string): void {
    const msg = parseHelperLine(line);
    if (msg === null) return void this.#log.error({ line: line.slice(0, 200) }, 'spawner:helper:garbage');
    if (msg.type === 'ready') return void this.#log.debug({ pid: msg.pid, version: msg.version }, 'spawner:helper:ready');
    if (msg.type === 'started') {
      const p = this.#pending.get(msg.id);
      if (p) {
        p.pgid = msg.pid;
        p.unregisterGroup = registerGroup(msg.pid);
      }
      return;
    }
    if (msg.type === 'error') {
      this.#log.error({ id: msg.id }, `spawner:helper:protocol ${msg.message}`);
      if (msg.id !== undefined) this.#settle(msg.id, (p) => notStartedOutcome(p.command.mode, { code: 'HELPER_PROTOCOL', message: msg.message }));
      return;
    }
    this.#settle(msg.id, (p) => resultOutcome(msg, p.command, p.cwd));
  }

  #settle(id: number, make: (p: Pending) => CheckOutcome): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    p.cleanup();
    if (this.#pending.size === 0) this.#setRef(false);
    p.resolve(make(p));
  }

  /** An idle helper must not keep a CLI alive; a busy one must. */
  #setRef(on: boolean): void {
    if (this.#proc) setProcessRef(this.#proc, on);
  }
}
