// Test support for test/unit/worker: a pino logger that writes into an array, WorkerConfig objects from loadConfig,
// a spawner that answers with chosen outcomes, and temp folders removed after the test file.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../../src/config/load.js';
import type { WorkerConfig } from '../../../src/config/worker-config.js';
import { internalOutcome, type CheckOutcome } from '../../../src/exec/outcome.js';
import type { PluginCommand, SpawnOptions, Spawner } from '../../../src/exec/spawner.js';
import type { JobTextInput } from '../../../src/job/job-text.js';
import type { Logger } from '../../../src/log.js';

/** One parsed log line (no time, pid or hostname: the logger leaves them out). */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A pino logger whose lines land, parsed, in `lines`. Writes are synchronous. */
export function memoryLogger(level: pino.Level = 'trace'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = {
    write(s: string): void {
      lines.push(JSON.parse(s) as LogLine);
    },
  };
  return { logger: pino({ level, base: null, timestamp: false }, stream), lines };
}

/** The argv the worker tests start from: one server, no encryption, identifier `box`, 2..7 slots. */
export const BASE_ARGV = ['server=h:1', 'encryption=no', 'identifier=box', 'min-worker=2', 'max-worker=7'] as const;

/** A validated worker config from `base` plus `extra` (later words win), independent of the host. */
export function workerConfig(extra: readonly string[] = [], base: readonly string[] = BASE_ARGV): WorkerConfig {
  return loadConfig({ scope: 'worker', argv: [...base, ...extra], env: {}, hostname: 'box', cpuCount: 2 }).config;
}

/** A new temp folder (real path), removed after the test file. */
export function tmpDir(prefix = 'mg-worker-'): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** Records each run and answers with `answer`; never starts a process. */
export class FakeSpawner implements Spawner {
  readonly name = 'node' as const;
  readonly calls: { command: PluginCommand; options: SpawnOptions }[] = [];
  readonly #answer: (command: PluginCommand) => CheckOutcome;

  constructor(answer: (command: PluginCommand) => CheckOutcome) {
    this.#answer = answer;
  }

  run(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
    this.calls.push({ command, options });
    return Promise.resolve(this.#answer(command));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    return Promise.resolve();
  }
}

/** The service job the worker tests decode and run: check_disk on web1, core time x.5, timeout 30 s. */
export const SERVICE_JOB: Readonly<JobTextInput> = {
  type: 'service',
  resultQueue: 'check_results',
  hostName: 'web1',
  serviceDescription: 'disk /',
  coreTime: 1_700_000_000.5,
  timeout: 30,
  commandLine: '/usr/lib/nagios/plugins/check_disk -w 10% -p /',
};

/** An outcome of a forked plugin that exited with `exitCode`. */
export function execOutcome(exitCode: number, stdout: string, fields: Partial<CheckOutcome> = {}): CheckOutcome {
  return { ...internalOutcome(exitCode, stdout, 1_700_000_100_000, 250), via: 'exec', ...fields };
}

/** Lets pending promise callbacks and I/O callbacks run (setImmediate is never faked here). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve and reject exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
