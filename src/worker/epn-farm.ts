// The worker's embedded Perl: the farm pool, the hot-reload watcher and the fallback counter, built when
// enable_embedded_perl is on. A plugin file that changes is recompiled in every farm process ahead of its next
// check (a compile error is logged at once, naming file:line); a deleted one is forgotten. The farm also checks
// (dev, inode, mtime, size) before every run, so a missed watcher event can never serve a stale sub.
import type { WorkerConfig } from '../config/worker-config.js';
import { coerceError } from '../errors.js';
import { EpnFallbacks, type EpnBackend } from '../epn/epn-check.js';
import { FarmPool } from '../epn/farm-pool.js';
import { PluginWatcher } from '../epn/plugin-watcher.js';
import type { Logger } from '../log.js';

export class EpnFarm {
  readonly pool: FarmPool;
  readonly watcher: PluginWatcher;
  readonly fallbacks = new EpnFallbacks();
  readonly backend: EpnBackend;
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  constructor(config: WorkerConfig, logger: Logger) {
    this.#log = logger;
    this.pool = new FarmPool({
      processes: config.epnProcesses,
      maxChecksPerProcess: config.epnMaxChecksPerProcess,
      preloadModules: config.epnPreloadModules,
      persistentRunners: config.epnPersistentRunners,
      persistentMaxChecks: config.epnPersistentMaxChecks,
      logger,
    });
    this.watcher = new PluginWatcher({
      dirs: config.pluginDirs,
      logger,
      onChange: (file) => void this.#recompile(file),
      onDelete: (file) => {
        logger.info({ file }, `epn:deleted ${file} is gone; its compiled sub is dropped`);
        this.pool.invalidateEverywhere(file);
      },
    });
    this.backend = {
      run: (file, args, options) => this.pool.run(file, args, options),
      noteRun: (file) => this.watcher.noteRun(file),
    };
  }

  /** Starts the farm processes now, so the first EPN check does not pay their start. */
  start(): Promise<void> {
    return this.pool.start();
  }

  async #recompile(file: string): Promise<void> {
    if (!this.pool.knowsFile(file)) return; // never ran here: nothing stale to replace
    try {
      const results = await this.pool.compileEverywhere(file);
      const failed = results.find((r) => !r.ok);
      if (failed === undefined) this.#log.info({ file }, `epn:recompiled ${file} changed and was compiled again`);
      else this.#log.error({ file, error: failed.problem?.message }, `epn:compile-error ${file} changed and no longer compiles: ${failed.problem?.message ?? ''}`);
    } catch (err) {
      this.#log.error({ file, err: coerceError(err) }, 'epn:recompile failed');
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const step of [() => this.watcher.close(), () => this.pool.close()]) {
        try {
          await step();
        } catch (err) {
          this.#log.error({ err: coerceError(err) }, 'epn:close a close step failed');
        }
      }
    })();
    return this.#closing;
  }

  destroy(err: Error): void {
    void this.watcher.close();
    void this.pool.destroy(err);
  }
}
