// Runs one plugin with child_process.spawn (the NodeSpawner's engine). Kill discipline as in kill.ts:
// `detached: true` (setsid: own session and process group, no controlling terminal), stdin from /dev/null,
// SIGTERM to the group at the deadline and SIGKILL after the grace period, partial output kept. After the
// plugin exits we wait pipeDrainMs for its pipes; a descendant still holding them (`sleep 100 &`) is SIGKILLed
// with the group so it cannot hold the check past its deadline, the Go worker's failure (reference §4).
// Descendants that redirected their output are left alone, as in C and Go (event handlers start daemons).
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DEFAULT_KILL_GRACE_PERIOD_MS, DEFAULT_PIPE_DRAIN_MS, killGroup, registerGroup, timerMs } from './kill.js';
import { DEFAULT_MAX_OUTPUT_BYTES, OutputBuffer } from './output-buffer.js';
import { canonicalSignal, notStartedOutcome, preciseNow, spawnErrorFor, type CheckOutcome, type SpawnError } from './outcome.js';
import type { PluginCommand, SpawnOptions } from './spawner.js';

/** The program and arguments a PluginCommand starts. */
export function commandArgv(command: PluginCommand): readonly string[] {
  return command.mode === 'exec' ? command.argv : ['/bin/sh', '-c', command.line];
}

/** An outcome for a run whose AbortSignal had fired before it started. */
export function abortedBeforeStart(command: PluginCommand): CheckOutcome {
  return { ...notStartedOutcome(command.mode, { code: 'ABORT_ERR', message: 'the check was aborted before it started' }), aborted: true };
}

/**
 * What a pooled spawner (helper, vfork launchers, native) answers without starting anything: it is closed, the
 * caller already aborted, or the command holds a NUL byte. undefined: go ahead.
 */
export function refusedBeforeStart(command: PluginCommand, options: SpawnOptions, closed: boolean): CheckOutcome | undefined {
  if (closed) return notStartedOutcome(command.mode, { code: 'SPAWNER_CLOSED', message: 'the spawner is closed' });
  if (options.signal?.aborted) return abortedBeforeStart(command);
  const nul = nulByteError(command, options);
  return nul ? notStartedOutcome(command.mode, nul) : undefined;
}

/**
 * A NUL byte cannot pass through exec: Node's spawn throws, Perl's exec would cut the string short. Every
 * runner refuses it the same way (EINVAL) before starting anything.
 */
export function nulByteError(command: PluginCommand, options: SpawnOptions): SpawnError | undefined {
  if (!holdsNul(command, options)) return undefined;
  return { code: 'EINVAL', message: `cannot run ${commandArgv(command)[0] ?? ''}: an argument, environment entry or cwd holds a NUL byte (EINVAL)` };
}

/** True when an argument, environment entry or the cwd holds a NUL byte. Runs per check: no arrays built. */
function holdsNul(command: PluginCommand, options: SpawnOptions): boolean {
  if (command.mode === 'exec') {
    for (const a of command.argv) if (a.includes('\0')) return true;
  } else if (command.line.includes('\0')) return true;
  const env = options.env;
  if (env !== undefined) {
    for (const k of Object.keys(env)) if (k.includes('\0') || (env[k] as string).includes('\0')) return true;
  }
  return options.cwd?.includes('\0') === true;
}

/** Spawns `command` and resolves with its outcome. Never rejects. */
export function runPlugin(command: PluginCommand, options: SpawnOptions): Promise<CheckOutcome> {
  const via = command.mode;
  if (options.signal?.aborted) return Promise.resolve(abortedBeforeStart(command));
  const nul = nulByteError(command, options);
  if (nul) return Promise.resolve(notStartedOutcome(via, nul));
  const [file, ...args] = commandArgv(command) as [string, ...string[]];
  const startedAt = preciseNow();
  const t0 = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ? { ...process.env, ...options.env } : process.env,
      cwd: options.cwd,
    });
  } catch (err) {
    // Synchronous failures: EMFILE/ENFILE/E2BIG/EAGAIN from the OS, or a NUL byte in an argument.
    return Promise.resolve(notStartedOutcome(via, toSpawnError(err, file, options.cwd), startedAt));
  }

  return new Promise<CheckOutcome>((resolve) => {
    const out = new OutputBuffer(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    const err = new OutputBuffer(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    const grace = options.killGracePeriodMs ?? DEFAULT_KILL_GRACE_PERIOD_MS;
    const drain = options.pipeDrainMs ?? DEFAULT_PIPE_DRAIN_MS;
    const pid = child.pid;
    const unregister = pid === undefined ? () => false : registerGroup(pid);
    const timers: NodeJS.Timeout[] = [];
    let exitCode: number | null = null;
    let signal: string | null = null;
    let exited = false;
    let open = 2;
    let timedOut = false;
    let aborted = false;
    let forcefullyKilled = false;
    let terminating = false;
    let done = false;

    const later = (ms: number, fn: () => void): void => void timers.push(setTimeout(fn, timerMs(ms)));

    const finish = (spawnError?: SpawnError): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      unregister();
      child.stdout?.destroy();
      child.stderr?.destroy();
      const outcome: CheckOutcome = {
        exitCode,
        signal,
        timedOut,
        aborted,
        forcefullyKilled,
        stdout: out.toBuffer(),
        stderr: err.toBuffer(),
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        startedAt,
        durationMs: performance.now() - t0,
        via,
      };
      resolve(spawnError ? { ...outcome, spawnError } : outcome);
    };
    const maybeFinish = (): void => {
      if (exited && open === 0) finish();
    };
    // Something still holds the pipes after the plugin exited: kill the group, read what is buffered, finish.
    const killLeftovers = (): void => {
      if (done || pid === undefined) return;
      if (killGroup(pid, 'SIGKILL') && terminating) forcefullyKilled = true;
      later(drain, () => (exited ? finish() : undefined));
    };
    const terminate = (): void => {
      if (done || terminating || pid === undefined) return;
      terminating = true;
      killGroup(pid, 'SIGTERM');
      later(grace, () => {
        if (done) return;
        if (killGroup(pid, 'SIGKILL')) forcefullyKilled = true;
        // Even a process that escaped the group (setsid) holding our pipes must not keep us waiting.
        later(drain, () => finish());
      });
    };
    function onAbort(): void {
      if (done || exited) return;
      aborted = true;
      terminate();
    }

    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    for (const s of [child.stdout, child.stderr]) {
      s?.on('close', () => {
        open--;
        maybeFinish();
      });
    }
    child.on('error', (e) => {
      // Without a pid the exec failed (ENOENT, EACCES, ...) and no process ran; other errors do not matter here.
      if (pid === undefined) finish(toSpawnError(e, file, options.cwd));
    });
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      signal = sig === null ? null : canonicalSignal(sig);
      if (open > 0) later(drain, killLeftovers);
      maybeFinish();
    });
    if (pid !== undefined) {
      later(options.timeoutMs, () => {
        if (done || exited) return;
        timedOut = true;
        terminate();
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
    }
  });
}

function toSpawnError(e: unknown, file: string, cwd: string | undefined): SpawnError {
  const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'EUNKNOWN';
  if (/^E[A-Z0-9]+$/.test(code)) return spawnErrorFor(code, file, cwd);
  return { code, message: `cannot run ${file}: ${e instanceof Error ? e.message : String(e)}` };
}
