// The Spawner on child_process.spawn: no extra process, but every fork happens on the event loop (about 620
// forks/s measured on 2 cores). Use it where the Perl spawn helper is not wanted, and as the reference the
// helper is tested against.
import { runPlugin } from './run-plugin.js';
import { notStartedOutcome, type CheckOutcome } from './outcome.js';
import type { PluginCommand, SpawnOptions, Spawner } from './spawner.js';

export class NodeSpawner implements Spawner {
  readonly name = 'node' as const;
  readonly #inFlight = new Set<{ promise: Promise<CheckOutcome>; abort: AbortController }>();
  #closing: Promise<void> | undefined;

  run(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
    if (this.#closing) {
      return Promise.resolve(notStartedOutcome(command.mode, { code: 'SPAWNER_CLOSED', message: 'the spawner is closed' }));
    }
    // Our own controller lets destroy() abort runs; it follows the caller's signal.
    const abort = new AbortController();
    const onCallerAbort = (): void => abort.abort();
    if (options.signal?.aborted) abort.abort();
    else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const entry = { promise: runPlugin(command, { ...options, signal: abort.signal }), abort };
    this.#inFlight.add(entry);
    return entry.promise.finally(() => {
      this.#inFlight.delete(entry);
      options.signal?.removeEventListener('abort', onCallerAbort);
    });
  }

  close(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#inFlight].map((e) => e.promise)).then(() => undefined);
    return this.#closing;
  }

  destroy(): Promise<void> {
    for (const e of this.#inFlight) e.abort.abort();
    return this.close();
  }
}
