#!/usr/bin/env node
// mg-workhorse (also installed as mod_gearman_worker): the worker daemon, and `testcmd` to try one command line.
// Thin: parse arguments, build config, call the library, map the outcome to an exit code (conventions §2.11).
import { loadConfig } from '../config/load.js';
import { WORKER_ARGV } from '../config/parse-argv.js';
import { coerceError, isMgError } from '../errors.js';
import { createLogger } from '../log.js';
import { VERSION } from '../version.js';
import { createSpawner, WorkerDaemon } from '../worker/daemon.js';
import { installSignalHandlers } from '../worker/signals.js';
import { testcmd } from '../worker/testcmd.js';
import { EpnFarm } from '../worker/epn-farm.js';

const USAGE = `usage: mg-workhorse [options] [key=value ...]
       mg-workhorse [options] testcmd [--explain] <command line>

Options are worker.cfg keys, as --key=value, -key=value or bare key=value (C worker style);
a bare --flag means yes. Files: --config=FILE (repeatable; worker.cfg syntax, or YAML for .yaml/.yml/.json;
folders read every *.cfg/*.conf/*.yaml inside). Every key is listed in docs/config.md.

  -h, --help       this text
  -V, --version    print the version
  -d, --daemon     (accepted for compatibility; run under systemd instead)
  testcmd          run one command line as a service check, print its output, exit with its return code
  --explain        with testcmd: say on stderr how the command ran (exec, shell, pty, internal) and why

Signals: SIGTERM/SIGINT stop gracefully (a second one kills running checks), SIGHUP reloads the config.`;

async function main(argv: string[]): Promise<number> {
  const syntax = { ...WORKER_ARGV, local: { ...WORKER_ARGV.local, explain: false } };
  const isTestcmd = (positionals: string[]): boolean => positionals[0] === 'testcmd';
  const load = (): ReturnType<typeof loadConfig> => {
    const probe = loadConfig({ argv, scope: 'worker', argvSyntax: syntax, requireServer: false, requireKey: false });
    // --help and --version answer without a usable config (no server= needed to print the version).
    const asks = probe.local.some((o) => ['h', 'help', 'V', 'version'].includes(o.name));
    if (isTestcmd(probe.positionals) || asks) return probe;
    return loadConfig({ argv, scope: 'worker', argvSyntax: syntax });
  };
  const { config, warnings, local, positionals } = load();
  const has = (...names: string[]): boolean => local.some((o) => names.includes(o.name));
  if (has('h', 'help')) {
    console.log(USAGE);
    return 0;
  }
  if (has('V', 'version')) {
    console.log(`mg-workhorse ${VERSION}`);
    return 0;
  }
  const logger = createLogger({ debug: config.debug, logfile: isTestcmd(positionals) ? 'stderr' : config.logfile });
  for (const w of warnings) logger.warn({ code: w.code }, w.message);

  if (isTestcmd(positionals)) {
    const args = positionals.slice(1);
    const explain = has('explain') || args[0] === '--explain';
    const line = (args[0] === '--explain' ? args.slice(1) : args).join(' ');
    const spawner = createSpawner(config, logger);
    const farm = config.enableEmbeddedPerl ? new EpnFarm({ ...config, epnProcesses: 1 }, logger) : undefined;
    try {
      const r = await testcmd(line, config, spawner, farm ? { backend: farm.backend, fallbacks: farm.fallbacks, logger } : undefined);
      process.stdout.write(r.output.endsWith('\n') || r.output === '' ? r.output : `${r.output}\n`);
      if (explain) for (const l of r.explanation) process.stderr.write(`explain: ${l}\n`);
      return r.returnCode;
    } finally {
      await farm?.close();
      await spawner.close();
    }
  }

  const daemon = new WorkerDaemon(config, logger);
  installSignalHandlers({ daemon, logger, reload: () => load().config });
  daemon.start();
  return new Promise<number>(() => {
    // Runs until a signal handler exits the process.
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = coerceError(err);
    console.error(isMgError(e) ? `mg-workhorse: ${e.message} (${e.code})` : `mg-workhorse: ${e.stack ?? e.message}`);
    process.exit(3);
  },
);
