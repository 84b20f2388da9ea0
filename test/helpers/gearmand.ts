// Starts a real gearmand (Debian gearman-job-server, 1.1.20) on 127.0.0.1 with a free port for integration tests.
// Every process started here is SIGKILLed when the test process exits, so no gearmand outlives a test run.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerAddress } from '../../src/gearman/address.js';

export const GEARMAND_BIN = process.env.GEARMAND_BIN ?? '/usr/sbin/gearmand';

export interface GearmandOptions {
  /** Port to use; a free one is found when unset. */
  port?: number;
  /** gearmand I/O threads. @defaultValue 1 */
  threads?: number;
  /** More command-line arguments. */
  args?: string[];
  /** How long to wait for gearmand to answer on its port. @defaultValue 5000 */
  startTimeoutMs?: number;
}

export interface Gearmand {
  readonly host: string;
  readonly port: number;
  readonly address: ServerAddress;
  readonly pid: number | undefined;
  /** The last lines of gearmand's log, for assertion messages. */
  logTail(): string;
  /** SIGTERM, then SIGKILL after 2 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops (if running) and starts again on the same port. */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  // 'exit' does not run when a signal ends the process (the test runner's timeout sends SIGTERM): kill the
  // children, then die of the same signal so the exit status stays honest.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/** A port that was free a moment ago (listen(0) probe on 127.0.0.1). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startGearmand(options: GearmandOptions = {}): Promise<Gearmand> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'mg-gearmand-'));
  tempDirs.add(dir);
  const host = '127.0.0.1';
  const logFile = join(dir, 'gearmand.log');
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  const spawnOnce = async (): Promise<void> => {
    const args = [
      `--listen=${host}`,
      `--port=${port}`,
      // Never /dev/null: gearmand deletes its pid file on exit.
      `--pid-file=${join(dir, 'gearmand.pid')}`,
      `--log-file=${logFile}`,
      `--threads=${options.threads ?? 1}`,
      '--job-retries=0',
      '--verbose=INFO',
      ...(options.args ?? []),
    ];
    const proc = spawn(GEARMAND_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    child = proc;
    await waitUntilServing(proc, host, port, options.startTimeoutMs ?? 5_000, () => `${stderr}\n${tail(logFile)}`);
  };

  // keepPort: a restart must come back on the same port, so only a first start may move to a fresh one
  // (the probed port can be taken by someone else before gearmand binds it).
  const start = async (keepPort: boolean): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await spawnOnce();
        return;
      } catch (err) {
        if (child !== undefined) await stopProcess(child, 'SIGKILL');
        if (attempt >= 4) throw err;
        if (!keepPort && options.port === undefined) port = await freePort();
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
  };
  await start(false);

  return {
    host,
    get port() {
      return port;
    },
    get address() {
      return { host, port };
    },
    get pid() {
      return child?.pid;
    },
    logTail: () => tail(logFile),
    stop: async () => {
      if (child !== undefined) await stopProcess(child, 'SIGTERM');
    },
    kill: async (signal = 'SIGKILL') => {
      if (child !== undefined) await stopProcess(child, signal);
    },
    restart: async () => {
      if (child !== undefined) await stopProcess(child, 'SIGTERM');
      await start(true);
    },
  };
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

// Ready when the admin `getpid` on the port answers with our child's pid: a bare connect could reach
// another process that holds the port while our gearmand is failing to bind it.
async function waitUntilServing(proc: ChildProcess, host: string, port: number, timeoutMs: number, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`gearmand exited (${proc.exitCode ?? proc.signalCode}) before serving ${host}:${port}: ${diagnostics()}`);
    }
    const pid = await askPid(host, port);
    if (pid === proc.pid) return;
    if (pid !== undefined) throw new Error(`port ${host}:${port} is served by another gearmand (pid ${pid})`);
    if (Date.now() > deadline) throw new Error(`gearmand did not serve ${host}:${port} within ${timeoutMs} ms: ${diagnostics()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function askPid(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let text = '';
    const done = (pid: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(undefined), 1_000);
    socket.once('connect', () => socket.write('getpid\n'));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /^OK (\d+)\r?\n/.exec(text);
      if (m !== null) done(Number(m[1]));
      else if (text.includes('\n')) done(-1);
    });
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
