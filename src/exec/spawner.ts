// The Spawner: what runs a plugin process. Forking is a measured choice on this hardware: child_process.spawn
// on the main thread did about 620 forks/s on 2 cores (each fork of the large Node process blocks the event
// loop), a small long-lived helper that forks and execs did about 1,100/s. Both implementations produce the
// same CheckOutcome for the same command; test/integration runs one matrix against both.
import type { CheckOutcome } from './outcome.js';

/** What to start: an argv to exec (argv[0] looked up in PATH like execvp) or a line for `/bin/sh -c`. */
export type PluginCommand = { readonly mode: 'exec'; readonly argv: readonly string[] } | { readonly mode: 'shell'; readonly line: string };

export interface SpawnOptions {
  /** Deadline from start; then SIGTERM to the group, SIGKILL after killGracePeriodMs. */
  readonly timeoutMs: number;
  /** @defaultValue DEFAULT_KILL_GRACE_PERIOD_MS (2000) */
  readonly killGracePeriodMs?: number;
  /** Per stream. @defaultValue DEFAULT_MAX_OUTPUT_BYTES (10 MiB) */
  readonly maxOutputBytes?: number;
  /** Wait for the pipes after the plugin exited, then kill what still holds them. @defaultValue DEFAULT_PIPE_DRAIN_MS (100) */
  readonly pipeDrainMs?: number;
  /** Added to the inherited environment: the command's KEY=VALUE prefixes, NAGIOS_* for notifications. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Aborting signals the group like a timeout and gives an outcome with `aborted: true`. */
  readonly signal?: AbortSignal;
}

export interface Spawner {
  readonly name: 'node' | 'helper' | 'vfork' | 'native';
  /** Runs one plugin. Never rejects for a plugin failure: failures are outcomes. */
  run(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome>;
  /** Stops taking runs, waits for those in flight, releases resources. Repeated calls share one promise. */
  close(): Promise<void>;
  /** Aborts what runs now (outcomes with `aborted: true`); later runs get spawnError SPAWNER_CLOSED. */
  destroy(err?: Error): Promise<void>;
}
