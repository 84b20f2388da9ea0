// Loading the native spawner addon (native/mg_spawn.c, built by `npm run build:native` with node-gyp). It is
// optional: where it is not built (no compiler when installing, another OS) spawner=auto falls back to the
// vfork launchers, and the reason is kept for the log line and `testcmd --explain`.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/mg_spawn.c, section "the main thread"). */
export interface NativeSpawnAddon {
  /**
   * A spawner with its I/O thread; `onDone` gets every finished run on the main thread. `noPidfd`: see exits by
   * polling waitpid every millisecond, as when pidfd_open fails (out of fds, kernels before 5.3). `groupsFile`:
   * an existing file the addon sizes and maps, and keeps the running plugin groups in (for perl/mg-guard.pl).
   */
  create(onDone: NativeDoneCallback, noPidfd?: boolean, groupsFile?: string): NativeHandle;
  /** Queues a run; its answer comes to onDone with the same id. `env` null: the environment at create(). */
  spawn(h: NativeHandle, id: number, argv: readonly string[], env: readonly string[] | null, cwd: string | null,
    timeoutMs: number, killGraceMs: number, maxOutputBytes: number, pipeDrainMs: number): void;
  /** Aborts run `id` as on a timeout (TERM, then KILL to its group); it is answered with the aborted flag. */
  cancel(h: NativeHandle, id: number): void;
  /** Aborts every run in flight. */
  abortAll(h: NativeHandle): void;
  /** Sends `signal` to every live plugin group now (synchronous: the exit path); returns how many. */
  killAll(h: NativeHandle, signal: number): number;
  /** Whether the spawner keeps Node alive (on while runs are in flight). */
  ref(h: NativeHandle, on: boolean): void;
  /** Ends the I/O thread once no run is in flight; the handle takes no runs after. */
  stop(h: NativeHandle): void;
}

/** An opaque handle (a napi external). */
export type NativeHandle = { readonly __brand: 'mg_spawn' };

/** Flag bits of a finished run (native/mg_spawn.c F_*). */
export const NativeFlags = { timedOut: 1, aborted: 2, forcefullyKilled: 4, stdoutTruncated: 8, stderrTruncated: 16 } as const;

export type NativeDoneCallback = (id: number, exitCode: number | null, signal: number | null, flags: number,
  stdout: Buffer, stderr: Buffer, startedAt: number, durationMs: number, errno: number) => void;

/** Where the build puts the addon, relative to this module (the same from src/ under tsx and from dist/). */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/mg_spawn.node', import.meta.url));

let loaded: { readonly addon?: NativeSpawnAddon; readonly error?: string } | undefined;

/** The addon, or undefined when it cannot be loaded here (see nativeAddonError()). Loaded once. */
export function loadNativeAddon(): NativeSpawnAddon | undefined {
  if (loaded === undefined) {
    if (process.platform !== 'linux') {
      loaded = { error: `the native spawner is Linux only (this is ${process.platform})` };
    } else {
      try {
        loaded = { addon: createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeSpawnAddon };
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'it is not built (npm run build:native)' : (err as Error).message;
        loaded = { error: `cannot load ${NATIVE_ADDON_PATH}: ${why}` };
      }
    }
  }
  return loaded.addon;
}

/** Why loadNativeAddon() gave undefined, else undefined. */
export function nativeAddonError(): string | undefined {
  loadNativeAddon();
  return loaded?.error;
}
