#!/usr/bin/env node
// mg-gearman-proxy: relays jobs between job servers without losing them, and `migrate` converts a Perl
// gearman_proxy.cfg into YAML. Thin: parse arguments, build config, call the library, map to an exit code.
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { coerceError, isMgError } from '../errors.js';
import { createLogger } from '../log.js';
import { ProxyDaemon } from '../proxy/daemon.js';
import { migratePerlConfig } from '../proxy/migrate.js';
import { loadProxyConfig } from '../proxy/read-config.js';
import { installProxySignals } from '../proxy/signals.js';
import { VERSION } from '../version.js';

const USAGE = `usage: mg-gearman-proxy --config=FILE|DIR [--config=...] [--debug=N] [--logfile=PATH]
       mg-gearman-proxy migrate gearman_proxy.cfg > proxy.yaml

  --config     a YAML or JSON proxy config (repeatable; a folder means every *.yaml/*.yml/*.json in it)
  --debug      0 info, 1 debug, 2 trace (overrides \`debug:\` in the config)
  --logfile    stdout (default), stderr or a file (overrides \`logfile:\`)
  migrate      convert the declarative part of a Perl gearman_proxy.cfg to YAML on stdout;
               refuses \`sub {...}\` callbacks (write them as a callback module, see docs/proxy.md)
  -h, --help / -V, --version

Exit codes: 0 stopped cleanly, 1 forced stop, 3 bad configuration or start failure.
Signals: SIGTERM/SIGINT drain and stop (a second one stops at once), SIGHUP reloads changed routes.`;

async function main(argv: string[]): Promise<number> {
  const syntax = { local: { config: true, h: false, help: false, V: false, version: false } };
  const { config: base, local, positionals } = loadConfig({ argv, scope: 'tools', argvSyntax: syntax, requireServer: false, requireKey: false });
  const has = (...names: string[]): boolean => local.some((o) => names.includes(o.name));
  if (has('h', 'help')) return (console.log(USAGE), 0);
  if (has('V', 'version')) return (console.log(`mg-gearman-proxy ${VERSION}`), 0);
  if (positionals[0] === 'migrate') {
    if (positionals.length !== 2) throw new Error('usage: mg-gearman-proxy migrate gearman_proxy.cfg');
    const file = positionals[1] as string;
    process.stdout.write(migratePerlConfig(readFileSync(file, 'utf8'), file));
    return 0;
  }
  if (positionals.length > 0) throw new Error(`unknown argument "${positionals[0]}"\n${USAGE}`);
  const paths = local.filter((o) => o.name === 'config').map((o) => o.value as string);
  const read = (): ReturnType<typeof loadProxyConfig> => loadProxyConfig(paths);
  const config = read();
  const explicit = (key: string): boolean => argv.some((a) => a.replace(/^-+/, '').startsWith(`${key}`));
  const logger = createLogger({
    name: 'mg-gearman-proxy',
    debug: explicit('debug') ? base.debug : (config.debug ?? base.debug),
    logfile: explicit('logfile') ? base.logfile : (config.logfile ?? base.logfile),
  });
  const daemon = new ProxyDaemon(config, logger);
  installProxySignals({ daemon, logger, reload: read });
  await daemon.start();
  return new Promise<number>(() => {
    // Runs until a signal handler exits the process.
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = coerceError(err);
    console.error(isMgError(e) ? `mg-gearman-proxy: ${e.message} (${e.code})` : `mg-gearman-proxy: ${e.message}`);
    process.exit(3);
  },
);
