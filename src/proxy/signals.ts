// Signals of mg-gearman-proxy (docs/proxy.md): SIGTERM/SIGINT stop grabbing and drain held jobs up to
// drainTimeoutMs (what is left goes back to the source gearmand, which requeues it), then exit 0; a second
// signal drops every connection at once and exits 1. SIGHUP re-reads the config and restarts changed routes.
import { coerceError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ProxyDaemon } from './daemon.js';
import type { ProxyConfig } from './route-config.js';

export interface ProxySignalOptions {
  readonly daemon: ProxyDaemon;
  readonly logger: Logger;
  /** Re-reads the configuration; a throw keeps the running one. */
  readonly reload: () => ProxyConfig;
  readonly exit?: (code: number) => void;
}

/** Installs the handlers; returns a function that removes them. */
export function installProxySignals(options: ProxySignalOptions): () => void {
  const { daemon, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  let reloading = Promise.resolve();
  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'proxy:kill second signal: dropping connections (gearmand requeues held jobs)');
      daemon.destroy();
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, drainTimeoutMs: daemon.config.drainTimeoutMs }, 'proxy:stop draining');
    daemon.close().then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err: coerceError(err) }, 'proxy:stop failed');
        exit(1);
      },
    );
  };
  const onHup = (): void => {
    if (stopping) return;
    // Reloads run one after the other: a second SIGHUP during a reload waits for it.
    reloading = reloading.then(async () => {
      try {
        await daemon.reload(options.reload());
      } catch (err) {
        logger.error({ err: coerceError(err) }, 'proxy:reload failed; keeping the running configuration');
      }
    });
  };
  const handlers: [NodeJS.Signals, (signal: NodeJS.Signals) => void][] = [
    ['SIGTERM', onStop],
    ['SIGINT', onStop],
    ['SIGHUP', onHup],
  ];
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
