// The Spawner on vfork launchers (perl/mg-launcher.pl, Proc::FastSpawn). fork() is what costs here: the spawn
// helper's fork copies its page tables and the child takes copy-on-write faults until it execs (about 2.6 ms of
// CPU per check on this VM, measured); vfork+exec does neither. vfork cannot put the plugin in a process group
// of its own, so each launcher leads a group and runs one plugin at a time in it; this pool keeps one launcher
// per run in flight. Same protocol and outcomes as HelperSpawner (helper-messages.ts).
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../log.js';
import { DEFAULT_KILL_GRACE_PERIOD_MS } from './kill.js';
import { Launcher } from './launcher.js';
import type { CheckOutcome } from './outcome.js';
import { refusedBeforeStart } from './run-plugin.js';
import type { PluginCommand, SpawnOptions, Spawner } from './spawner.js';
import { HELPER_WATCHDOG_SLACK_MS } from './helper-spawner.js';

/** Idle launchers kept without a time limit; more idle ones than this exit after LAUNCHER_IDLE_MS. */
export const DEFAULT_KEEP_IDLE_LAUNCHERS = 2;
/** How long a launcher above DEFAULT_KEEP_IDLE_LAUNCHERS may stay idle. */
export const DEFAULT_LAUNCHER_IDLE_MS = 30_000;

const DEFAULT_SCRIPT = fileURLToPath(new URL('../../perl/mg-launcher.pl', import.meta.url));

export interface LauncherSpawnerOptions {
  /** @defaultValue 'perl' (found in PATH) */
  readonly perl?: string;
  /** @defaultValue perl/mg-launcher.pl of this package */
  readonly script?: string;
  /** @defaultValue silentLogger() */
  readonly logger?: Logger;
  /** @defaultValue DEFAULT_KEEP_IDLE_LAUNCHERS */
  readonly keepIdle?: number;
  /** @defaultValue DEFAULT_LAUNCHER_IDLE_MS */
  readonly idleMs?: number;
  /** @defaultValue HELPER_WATCHDOG_SLACK_MS */
  readonly watchdogSlackMs?: number;
}

export class LauncherSpawner implements Spawner {
  readonly name = 'vfork' as const;
  readonly #perl: string;
  readonly #script: string;
  readonly #log: Logger;
  readonly #keepIdle: number;
  readonly #idleMs: number;
  readonly #slack: number;
  /** Idle launchers, most recently used last: the hot ones are reused, the cold ones age out. */
  readonly #idle: Launcher[] = [];
  readonly #all = new Set<Launcher>();
  readonly #inFlight = new Set<Promise<CheckOutcome>>();
  #nextId = 1;
  #closing: Promise<void> | undefined;

  constructor(options: LauncherSpawnerOptions = {}) {
    this.#perl = options.perl ?? 'perl';
    this.#script = options.script ?? DEFAULT_SCRIPT;
    this.#log = options.logger ?? silentLogger();
    this.#keepIdle = options.keepIdle ?? DEFAULT_KEEP_IDLE_LAUNCHERS;
    this.#idleMs = options.idleMs ?? DEFAULT_LAUNCHER_IDLE_MS;
    this.#slack = options.watchdogSlackMs ?? HELPER_WATCHDOG_SLACK_MS;
  }

  /** Pids of the launchers alive now (tests kill one; the bench reads their CPU). */
  get launcherPids(): number[] {
    return [...this.#all].map((l) => l.pid).filter((p): p is number => p !== undefined);
  }

  /** How many launchers wait for a run. */
  get idleCount(): number {
    return this.#idle.length;
  }

  run(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
    const refused = refusedBeforeStart(command, options, this.#closing !== undefined);
    if (refused) return Promise.resolve(refused);
    const launcher = this.#take();
    const promise = launcher.run(this.#nextId++, command, options);
    this.#inFlight.add(promise);
    void promise.finally(() => {
      this.#inFlight.delete(promise);
      this.#release(launcher);
    });
    return promise;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown(false);
    return this.#closing;
  }

  /** Ends every launcher now: each aborts its run (TERM, then KILL to its group) and answers it before exiting. */
  destroy(): Promise<void> {
    this.#closing ??= this.#shutdown(true);
    return this.#closing;
  }

  async #shutdown(now: boolean): Promise<void> {
    if (!now) await Promise.allSettled([...this.#inFlight]);
    const all = [...this.#all];
    for (const l of all) l.retire();
    this.#idle.length = 0;
    // A launcher that does not leave (stuck in a plugin's KILL passes) is killed; its session goes with it.
    const timer = setTimeout(() => all.forEach((l) => l.kill()), DEFAULT_KILL_GRACE_PERIOD_MS * 2 + 1000);
    await Promise.allSettled([...this.#inFlight, ...all.map((l) => l.closed)]);
    clearTimeout(timer);
  }

  #take(): Launcher {
    for (let l = this.#idle.pop(); l !== undefined; l = this.#idle.pop()) {
      if (l.usable) return l;
    }
    const launcher = new Launcher({
      perl: this.#perl,
      script: this.#script,
      logger: this.#log,
      watchdogSlackMs: this.#slack,
      onExit: (gone) => this.#forget(gone),
    });
    this.#all.add(launcher);
    this.#log.debug({ pid: launcher.pid, launchers: this.#all.size }, 'spawner:launcher:start');
    return launcher;
  }

  #release(launcher: Launcher): void {
    if (this.#closing) return launcher.retire();
    if (!launcher.usable) return;
    this.#idle.push(launcher);
    // The oldest idle ones beyond keepIdle leave after idleMs; the most recently used stay hot.
    const extra = this.#idle.length - this.#keepIdle;
    for (let i = 0; i < this.#idle.length; i++) {
      const l = this.#idle[i] as Launcher;
      if (i < extra) l.retireAfter(this.#idleMs);
      else l.keep();
    }
  }

  #forget(launcher: Launcher): void {
    this.#all.delete(launcher);
    const i = this.#idle.indexOf(launcher);
    if (i >= 0) this.#idle.splice(i, 1);
  }
}
