// The Spawner on the native addon (native/mg_spawn.c): posix_spawn from an I/O thread inside the worker, no
// helper process and no protocol lines. The cheapest way to start a plugin measured here (bench/RESULTS.md):
// the launcher's process, its wake-ups and its JSON line each way are gone; the main thread queues a request
// and takes a finished run. Each plugin gets a session and process group of its own, as with spawner=spawn and
// spawner=helper. Same outcomes as every other spawner (test/integration/exec-spawners.test.ts).
import { constants } from 'node:os';
import { DEFAULT_KILL_GRACE_PERIOD_MS, DEFAULT_PIPE_DRAIN_MS, registerCleanup } from './kill.js';
import { loadNativeAddon, nativeAddonError, NativeFlags, type NativeHandle, type NativeSpawnAddon } from './native-addon.js';
import { DEFAULT_MAX_OUTPUT_BYTES, withMarker } from './output-buffer.js';
import { errnoName, notStartedOutcome, signalName, spawnErrorFor, type CheckOutcome } from './outcome.js';
import { commandArgv, refusedBeforeStart } from './run-plugin.js';
import type { PluginCommand, SpawnOptions, Spawner } from './spawner.js';
import { MgError } from '../errors.js';
import type { Logger } from '../log.js';
import { NativeGuard } from './native-guard.js';

/** A run in flight. */
interface Pending {
  readonly command: PluginCommand;
  readonly cwd: string | undefined;
  readonly resolve: (o: CheckOutcome) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

export class NativeSpawner implements Spawner {
  readonly name = 'native' as const;
  readonly #addon: NativeSpawnAddon;
  readonly #h: NativeHandle;
  readonly #pending = new Map<number, Pending>();
  /** The environment plugins inherit, taken once (as the addon's own copy): a run's `env` is added to it. */
  readonly #baseEnv: Readonly<Record<string, string | undefined>>;
  readonly #unregister: () => void;
  readonly #guard: NativeGuard | undefined;
  #nextId = 1;
  #closing: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  /**
   * Throws MG_ERR_SPAWNER_UNAVAILABLE when the addon is not built or cannot load here, or cannot start its thread.
   * `noPidfd` makes it watch exits by polling, the path it takes by itself when pidfd_open fails (tests use it).
   * `guard` starts perl/mg-guard.pl, which kills the running plugins' groups should the worker die by SIGKILL
   * (the daemon asks for it; a logger is needed then).
   */
  constructor(options: { readonly noPidfd?: boolean; readonly guard?: Logger } = {}) {
    const addon = loadNativeAddon();
    if (addon === undefined) throw new MgError('MG_ERR_SPAWNER_UNAVAILABLE', `spawner=native: ${nativeAddonError() ?? 'unavailable'}`);
    this.#addon = addon;
    this.#baseEnv = { ...process.env };
    const guard = options.guard === undefined ? undefined : new NativeGuard(options.guard);
    try {
      this.#h = addon.create(this.#onDone, options.noPidfd === true, guard?.file);
    } catch (err) {
      guard?.close();
      throw new MgError('MG_ERR_SPAWNER_UNAVAILABLE', `spawner=native: cannot start: ${(err as Error).message}`, { cause: err });
    }
    this.#guard = guard;
    // The worker's exit path kills every plugin group synchronously, also those only the addon knows.
    this.#unregister = registerCleanup(() => void addon.killAll(this.#h, constants.signals.SIGKILL));
  }

  /** The guard's pid, when there is one (tests). */
  get guardPid(): number | undefined {
    return this.#guard?.pid;
  }

  /** Runs in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  run(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
    const refused = refusedBeforeStart(command, options, this.#closing !== undefined);
    if (refused) return Promise.resolve(refused);
    const signal = options.signal;
    const id = this.#nextId;
    this.#nextId = id >= 0xffff_fff0 ? 1 : id + 1;
    try {
      this.#addon.spawn(
        this.#h,
        id,
        commandArgv(command),
        options.env === undefined ? null : this.#environment(options.env),
        options.cwd ?? null,
        options.timeoutMs,
        options.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS,
        options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        options.pipeDrainMs ?? DEFAULT_PIPE_DRAIN_MS,
      );
    } catch (err) {
      // Out of memory in the addon, or a stopped spawner: the check gets a result that says so, never a throw.
      const why = (err as Error).message;
      return Promise.resolve(notStartedOutcome(command.mode, { code: /stopped/.test(why) ? 'SPAWNER_CLOSED' : 'ENOMEM', message: `the native spawner refused the run: ${why}` }));
    }
    if (this.#pending.size === 0) this.#addon.ref(this.#h, true); // a run in flight keeps Node alive
    return new Promise<CheckOutcome>((resolve) => {
      let onAbort: (() => void) | undefined;
      if (signal !== undefined) {
        onAbort = () => this.#addon.cancel(this.#h, id);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#pending.set(id, { command, cwd: options.cwd, resolve, signal, onAbort });
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown(false);
    return this.#closing;
  }

  /** Aborts every run (TERM, then KILL to each group), answers them, then stops. */
  destroy(): Promise<void> {
    this.#closing ??= this.#shutdown(true);
    return this.#closing;
  }

  async #shutdown(now: boolean): Promise<void> {
    if (now) this.#addon.abortAll(this.#h);
    if (this.#pending.size > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#addon.stop(this.#h);
    this.#guard?.close();
    this.#unregister();
  }

  /** The plugin's environment as KEY=VALUE entries: ours, then the run's (which win). Only for runs with env. */
  #environment(extra: Readonly<Record<string, string>>): string[] {
    const merged: Record<string, string | undefined> = { ...this.#baseEnv, ...extra };
    const out: string[] = [];
    for (const k of Object.keys(merged)) {
      const v = merged[k];
      if (v !== undefined) out.push(`${k}=${v}`);
    }
    return out;
  }

  // Bound once: the addon calls it on the main thread for every finished run.
  readonly #onDone = (id: number, exitCode: number | null, signal: number | null, flags: number, stdout: Buffer,
    stderr: Buffer, startedAt: number, durationMs: number, errno: number): void => {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    const stdoutTruncated = (flags & NativeFlags.stdoutTruncated) !== 0;
    const stderrTruncated = (flags & NativeFlags.stderrTruncated) !== 0;
    const outcome: CheckOutcome = {
      exitCode,
      signal: signal === null ? null : signalName(signal),
      timedOut: (flags & NativeFlags.timedOut) !== 0,
      aborted: (flags & NativeFlags.aborted) !== 0,
      forcefullyKilled: (flags & NativeFlags.forcefullyKilled) !== 0,
      stdout: withMarker(stdout, stdoutTruncated),
      stderr: withMarker(stderr, stderrTruncated),
      stdoutTruncated,
      stderrTruncated,
      startedAt,
      durationMs,
      via: p.command.mode,
    };
    if (this.#pending.size === 0) {
      this.#addon.ref(this.#h, false);
      this.#idle?.();
    }
    if (errno === 0) return p.resolve(outcome);
    p.resolve({ ...outcome, spawnError: spawnErrorFor(errnoName(errno), commandArgv(p.command)[0] as string, p.cwd) });
  };
}
