// Signals of the worker process (docs/signals.md): the first SIGTERM/SIGINT stops grabbing and lets running
// checks finish within shutdown_timeout, then exits 0; a second one (or the timeout) kills every plugin group
// and exits 1. SIGHUP re-reads the config and applies it without dropping running checks.
import { coerceError } from '../errors.js';
import type { Logger } from '../log.js';
import type { WorkerDaemon } from './daemon.js';

export interface SignalOptions {
  readonly daemon: WorkerDaemon;
  readonly logger: Logger;
  /** Re-reads the config for SIGHUP; a throw keeps the old config. */
  readonly reload: () => Parameters<WorkerDaemon['reload']>[0];
  readonly exit?: (code: number) => void;
}

/** Installs the handlers; returns a function that removes them. */
export function installSignalHandlers(options: SignalOptions): () => void {
  const { daemon, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'worker:kill second signal: killing running checks');
      daemon.destroy();
      exit(1);
      return;
    }
    stopping = true;
    const timeoutMs = daemon.config.shutdownTimeout * 1000;
    logger.info({ signal, timeoutMs }, 'worker:stop stopping gracefully');
    // The forced path if the graceful one overruns (a hanging plugin past its own timeout, a job server away).
    const force = setTimeout(() => {
      logger.error({ timeoutMs }, 'worker:kill shutdown_timeout passed: killing running checks');
      daemon.destroy();
      exit(1);
    }, timeoutMs + 5000);
    force.unref();
    daemon.close().then(
      () => {
        clearTimeout(force);
        exit(0);
      },
      (err: unknown) => {
        logger.error({ err: coerceError(err) }, 'worker:stop failed');
        exit(1);
      },
    );
  };
  const onHup = (): void => {
    if (stopping) {
      logger.warn('worker:reload ignored: the worker is shutting down');
      return;
    }
    try {
      daemon.reload(options.reload());
    } catch (err) {
      logger.error({ err: coerceError(err) }, 'worker:reload cannot reload configuration, keeping the old one');
    }
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
