// The one entry point: files, then argv (includes expanded where they stand), then validation.
// `.yaml`, `.yml` and `.json` files are read as YAML, everything else as worker.cfg.
import { cwd as processCwd } from 'node:process';
import { findOption } from './find-option.js';
import type { ArgvSyntax, LocalOption } from './parse-argv.js';
import { SEND_GEARMAN_ARGV, WORKER_ARGV, parseArgv } from './parse-argv.js';
import type { ConfigWarning, RawEntry } from './raw-entry.js';
import { expandIncludes, newReadContext, readConfigPath } from './read-files.js';
import { validateEntries } from './validate.js';
import type { WorkerConfig } from './worker-config.js';

export interface LoadOptions {
  /** Command-line arguments without node and the script (process.argv.slice(2)). @defaultValue [] */
  readonly argv?: readonly string[];
  /** Config files or conf.d folders read before argv, in order. @defaultValue [] */
  readonly files?: readonly string[];
  /**
   * Environment. Only CONFIG_GEARMAND_PORT is read: in the tools scope it is the default server when
   * none is configured (C gearman_top 3.3.2+, Go check_gearman). @defaultValue process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** 'worker' checks server, key and queues; 'tools' does not and encrypts only with a key. */
  readonly scope: 'worker' | 'tools';
  /** Short options and program-local options of the calling CLI. @defaultValue WORKER_ARGV or SEND_GEARMAN_ARGV */
  readonly argvSyntax?: ArgvSyntax;
  /** Base for relative paths on the command line and in `files`. @defaultValue process.cwd() */
  readonly cwd?: string;
  /** Overrides the key= requirement, e.g. for a tool that never encrypts. */
  readonly requireKey?: boolean;
  /** Overrides the server= requirement. */
  readonly requireServer?: boolean;
  /** Default identifier (tests). @defaultValue os.hostname() */
  readonly hostname?: string;
  /** CPU count used by load_cpu_multi (tests). @defaultValue os.availableParallelism() */
  readonly cpuCount?: number;
}

export interface LoadResult {
  readonly config: WorkerConfig;
  readonly warnings: ConfigWarning[];
  /** Options from argvSyntax.local (help, version, a tool's own switches), as written. */
  readonly local: LocalOption[];
  /** Arguments after `--` or after the first non-option (Go's `testcmd <cmd> <args>`). */
  readonly positionals: string[];
}

/** Reads, merges and validates the configuration; throws MgError (MG_ERR_CONFIG_*) on a bad one. */
export function loadConfig(options: LoadOptions): LoadResult {
  const cwd = options.cwd ?? processCwd();
  const ctx = newReadContext();
  const entries: RawEntry[] = [];
  for (const file of options.files ?? []) entries.push(...readConfigPath(file, cwd, undefined, ctx));

  const syntax = options.argvSyntax ?? (options.scope === 'worker' ? WORKER_ARGV : SEND_GEARMAN_ARGV);
  const argv = parseArgv(options.argv ?? [], syntax);
  entries.push(...expandIncludes(argv.entries, cwd, ctx));

  const env = options.env ?? process.env;
  const port = env.CONFIG_GEARMAND_PORT;
  if (options.scope === 'tools' && port !== undefined && port !== '' && !entries.some((e) => findOption(e.key)?.name === 'server')) {
    entries.unshift({ key: 'server', value: port, origin: { kind: 'env', name: 'CONFIG_GEARMAND_PORT' } });
  }

  const { config, warnings } = validateEntries(entries, {
    scope: options.scope,
    requireKey: options.requireKey,
    requireServer: options.requireServer,
    hostname: options.hostname,
    cpuCount: options.cpuCount,
    files: ctx.files,
  });
  return { config, warnings: [...ctx.warnings, ...warnings], local: argv.local, positionals: argv.positionals };
}
