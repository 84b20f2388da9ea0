// Runs a plugin under a pseudo-terminal (node-pty), for plugins that behave differently or refuse to run
// without a tty (`test -t 1`). node-pty forks with setsid(), so the child leads its own session and process
// group and `kill -pid` reaches everything it started, as for the pipe runners. A pty merges stderr into
// stdout and turns LF into CRLF; we turn CRLF back into LF and report stdout only. Nothing is written to the
// terminal, so a plugin that reads stdin waits until its deadline.
import { spawn as ptySpawn, type IPty } from 'node-pty';
import { DEFAULT_KILL_GRACE_PERIOD_MS, DEFAULT_PIPE_DRAIN_MS, killGroup, registerGroup, timerMs } from './kill.js';
import { DEFAULT_MAX_OUTPUT_BYTES, OutputBuffer, truncationMarker } from './output-buffer.js';
import { errnoCodeForMessage, notStartedOutcome, preciseNow, signalName, spawnErrorFor, type CheckOutcome, type SpawnError } from './outcome.js';
import { abortedBeforeStart, commandArgv, nulByteError } from './run-plugin.js';
import type { PluginCommand, SpawnOptions } from './spawner.js';

export interface PtyOptions extends SpawnOptions {
  /** Terminal width: wide, so that plugins which fit output to the terminal do not wrap it. @defaultValue 500 */
  readonly cols?: number;
  /** @defaultValue 24 */
  readonly rows?: number;
}

/** What node-pty's spawn-helper prints when execvp fails; it then exits 1. */
const EXEC_FAILED = /^execvp\(3\) failed\.: ([^\r\n]*)/;

/** Runs `command` under a pty and resolves with its outcome (via 'pty'). Never rejects. */
export function runPty(command: PluginCommand, options: PtyOptions): Promise<CheckOutcome> {
  if (options.signal?.aborted) return Promise.resolve({ ...abortedBeforeStart(command), via: 'pty' });
  const nul = nulByteError(command, options);
  if (nul) return Promise.resolve(notStartedOutcome('pty', nul));
  const [file, ...args] = commandArgv(command) as [string, ...string[]];
  const env = { ...process.env, ...options.env };
  const startedAt = preciseNow();
  const t0 = performance.now();
  let pty: IPty;
  try {
    pty = ptySpawn(file, args, { name: env.TERM ?? 'dumb', cols: options.cols ?? 500, rows: options.rows ?? 24, cwd: options.cwd, env, encoding: null });
  } catch (err) {
    return Promise.resolve(notStartedOutcome('pty', { code: 'PTY_SPAWN', message: `cannot run ${file} under a pty: ${err instanceof Error ? err.message : String(err)}` }, startedAt));
  }
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const grace = options.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS;
  const drain = options.pipeDrainMs ?? DEFAULT_PIPE_DRAIN_MS;
  const out = new OutputBuffer(max);
  const unregister = registerGroup(pty.pid);

  return new Promise<CheckOutcome>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let timedOut = false;
    let aborted = false;
    let forcefullyKilled = false;
    let terminating = false;
    let done = false;

    const finish = (exitCode: number | null, signal: string | null): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      data.dispose();
      exit.dispose();
      unregister();
      const stdout = crlfToLf(out.kept());
      let spawnError: SpawnError | undefined;
      const failed = exitCode === 1 ? EXEC_FAILED.exec(stdout.toString('latin1')) : null;
      if (failed) spawnError = spawnErrorFor(errnoCodeForMessage(failed[1] as string) ?? 'ENOEXEC', file);
      const outcome: CheckOutcome = {
        exitCode: spawnError ? null : exitCode,
        signal,
        timedOut,
        aborted,
        forcefullyKilled,
        stdout: spawnError ? Buffer.alloc(0) : out.truncated ? Buffer.concat([stdout, Buffer.from(truncationMarker(max))]) : stdout,
        stderr: Buffer.alloc(0),
        stdoutTruncated: out.truncated,
        stderrTruncated: false,
        startedAt,
        durationMs: performance.now() - t0,
        via: 'pty',
      };
      resolve(spawnError ? { ...outcome, spawnError } : outcome);
    };
    const terminate = (): void => {
      if (done || terminating) return;
      terminating = true;
      killGroup(pty.pid, 'SIGTERM');
      timers.push(
        setTimeout(() => {
          if (done) return;
          if (killGroup(pty.pid, 'SIGKILL')) forcefullyKilled = true;
          // node-pty reports the exit shortly after the death; do not wait on a child stuck in the kernel.
          timers.push(setTimeout(() => finish(null, null), timerMs(drain + 1000)));
        }, timerMs(grace)),
      );
    };
    function onAbort(): void {
      aborted = true;
      terminate();
    }

    const data = pty.onData((chunk: string | Buffer) => out.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    const exit = pty.onExit(({ exitCode, signal }) => finish(signal ? null : exitCode, signal ? signalName(signal) : null));
    timers.push(
      setTimeout(() => {
        timedOut = true;
        terminate();
      }, timerMs(options.timeoutMs)),
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** CRLF → LF, byte-exact otherwise (latin1 maps each byte to one char and back). */
function crlfToLf(buf: Buffer): Buffer {
  return buf.includes('\r\n') ? Buffer.from(buf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') : buf;
}
