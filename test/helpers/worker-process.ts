// Starts the real worker CLI (src/cli/worker.ts under tsx) as a child process in its own process group, waits
// for its `worker:start` log line, and stops it with a signal. Every worker is SIGKILLed when the test exits.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const CLI = fileURLToPath(new URL('../../src/cli/worker.ts', import.meta.url));
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) if (p.pid !== undefined) try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
});

export interface WorkerProcess {
  readonly proc: ChildProcess;
  /** Everything the worker wrote so far (JSON log lines on stdout, anything on stderr). */
  output(): string;
  /** Parsed JSON log lines. */
  logLines(): Record<string, unknown>[];
  /** Waits for a log line whose msg contains `text`. */
  waitForLog(text: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code (or signal) once the process exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `mg-workhorse <args>` and waits until it serves its queues. */
export async function startWorker(args: string[], options: { waitForStart?: boolean; wrap?: readonly string[] } = {}): Promise<WorkerProcess> {
  // `wrap` runs the worker through a command first, e.g. ['prlimit', '--nofile=64:64', '--'].
  const argv = [process.execPath, '--import', 'tsx', CLI, ...args];
  const [file, ...rest] = [...(options.wrap ?? []), ...argv] as [string, ...string[]];
  const proc = spawn(file, rest, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(proc);
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = once(proc, 'exit').then(([code, signal]) => {
    live.delete(proc);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const logLines = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitForLog = (text: string, timeoutMs = 10_000): Promise<Record<string, unknown>> =>
    waitFor(() => logLines().find((l) => String(l.msg).includes(text)), { timeoutMs, message: `worker log "${text}"; output so far:\n${out}` });
  const w: WorkerProcess = {
    proc,
    output: () => out,
    logLines,
    waitForLog,
    exited: () => exit,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exit;
    },
  };
  if (options.waitForStart !== false) await waitForLog('worker:start', 20_000);
  return w;
}
