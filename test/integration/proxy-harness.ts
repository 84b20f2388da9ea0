// Shared pieces of the proxy integration tests: a proxy in this process or as the real CLI in a child process,
// a sink that records every job reaching a queue (to count losses and duplicates), and a burst submitter.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ServerAddress } from '../../src/gearman/address.js';
import type { GearmanClient } from '../../src/gearman/client.js';
import { GearmanWorker } from '../../src/gearman/worker.js';
import { ProxyDaemon } from '../../src/proxy/daemon.js';
import { validateProxyConfig } from '../../src/proxy/validate-config.js';
import { captureLog } from '../helpers/capture-log.js';
import type { CapturedLog } from '../helpers/capture-log.js';
import { waitFor } from '../helpers/wait-for.js';

export const PROXY_FIXTURES = fileURLToPath(new URL('../../fixtures/proxy/', import.meta.url));
export const PROXY_CLI = fileURLToPath(new URL('../../src/cli/proxy.ts', import.meta.url));

/** Retry settings that keep outage tests short. */
export const FAST_RETRY = { initialDelayMs: 50, maxDelayMs: 300 };

/** A proxy daemon in this process, with its log captured. */
export async function startProxy(data: Record<string, unknown>): Promise<{ daemon: ProxyDaemon; log: CapturedLog }> {
  const log = captureLog();
  const daemon = new ProxyDaemon(validateProxyConfig([{ data, source: 'test', baseDir: PROXY_FIXTURES }]), log.logger);
  await daemon.start();
  return { daemon, log };
}

export interface SunkJob {
  readonly payload: Buffer;
  readonly unique: string;
}

/** Records every job that reaches `queue`, completing each at once. */
export class JobSink {
  readonly jobs: SunkJob[] = [];
  readonly #worker: GearmanWorker;

  constructor(servers: readonly ServerAddress[], queue: string) {
    this.#worker = new GearmanWorker({
      servers,
      functions: [queue],
      maxJobs: 50,
      connection: { backoff: { initialDelayMs: 50, maxDelayMs: 200 } },
      handler: (job) => void this.jobs.push({ payload: job.payload, unique: job.unique }),
    });
    this.#worker.start();
  }

  texts(): string[] {
    return this.jobs.map((j) => j.payload.toString('latin1'));
  }

  /** Waits until every one of `expected` arrived at least once. */
  async waitForAll(expected: readonly string[], timeoutMs = 30_000): Promise<void> {
    await waitFor(
      () => {
        const got = new Set(this.texts());
        return expected.every((e) => got.has(e));
      },
      { timeoutMs, message: `all ${expected.length} jobs (have ${new Set(this.texts()).size} distinct)` },
    );
  }

  /** Copies of each text beyond the first; at-least-once allows a few, a bug shows as many. */
  duplicates(): number {
    return this.jobs.length - new Set(this.texts()).size;
  }

  close(): Promise<void> {
    return this.#worker.close({ timeoutMs: 1000 });
  }
}

/** The unique id submitAll gives a payload (short: gearmand limits unique ids to 64 bytes). */
export function uniqueFor(payload: string): string {
  return `u-${createHash('sha1').update(payload).digest('hex').slice(0, 20)}`;
}

/** Submits background jobs one after the other; resolves when gearmand holds them all. */
export async function submitAll(client: GearmanClient, queue: string, payloads: readonly string[]): Promise<void> {
  for (const p of payloads) await client.submitBackground(queue, p, { unique: uniqueFor(p) });
}

/** `prefix-0` … `prefix-(n-1)`. */
export function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

export interface ProxyProcess {
  readonly proc: ChildProcess;
  output(): string;
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  /** Log lines whose msg contains `text` (and whose fields match `where`). */
  count(text: string, where?: Record<string, unknown>): number;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) if (p.pid !== undefined) try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
});

/** Writes `data` as YAML to `file`. */
export function writeYaml(file: string, data: Record<string, unknown>): void {
  writeFileSync(file, stringify(data));
}

/** Runs the real `mg-gearman-proxy` CLI under tsx in its own process group; waits for `proxy:start`. */
export async function startProxyProcess(args: string[]): Promise<ProxyProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', PROXY_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = once(proc, 'exit').then(([code, signal]) => {
    live.delete(proc);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const count = (text: string, where: Record<string, unknown> = {}): number =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => String(e.msg).includes(text) && Object.entries(where).every(([k, v]) => e[k] === v)).length;
  const p: ProxyProcess = {
    proc,
    output: () => out,
    count,
    waitForLog: async (text, timeoutMs = 20_000) => {
      await waitFor(() => count(text) > 0, { timeoutMs, message: `proxy log "${text}"; output so far:\n${out}` });
    },
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exit;
    },
  };
  await p.waitForLog('proxy:start');
  return p;
}

/**
 * A TCP relay in front of a gearmand that a test can cut: every open socket is destroyed and new connections are
 * refused until restore(). It models a network outage without restarting gearmand, whose queue lives in memory
 * and would take the jobs already forwarded down with it.
 */
export class TcpRelay {
  readonly #target: number;
  readonly #sockets = new Set<net.Socket>();
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  #server: net.Server | undefined;
  port = 0;

  constructor(targetPort: number) {
    this.#target = targetPort;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.#pairs.add(pair);
      client.on('close', () => this.#pairs.delete(pair));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Makes every open connection half-open: nothing passes any more in either direction and no FIN or RST is sent,
   * as when a firewall or NAT forgets the connection. New connections work.
   */
  freeze(): void {
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.#pairs.clear();
  }

  /** Accepts connections again on the same port. */
  restore(): Promise<void> {
    return this.start();
  }
}
