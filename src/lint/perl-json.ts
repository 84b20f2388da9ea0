// Runs one of our Perl helpers and reads its answer: one JSON object per stdout line. The helper's own failure
// (perl missing, PPI missing, a crash, the time limit) is an MgError MG_ERR_LINT_HELPER naming its stderr.
import { spawn } from 'node:child_process';
import { MgError } from '../errors.js';

export interface PerlJsonOptions {
  readonly perl?: string;
  readonly stdin?: string;
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
}

/** Default time limit for one helper run. */
export const HELPER_TIMEOUT_MS = 60_000;

/** Runs `perl script ...args`, resolves with the parsed JSON lines. */
export function runPerlJson(script: string, args: readonly string[], options: PerlJsonOptions = {}): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.perl ?? 'perl', [script, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL'); // the helper and any plugin child it forked
      } catch {
        // already gone
      }
    }, options.timeoutMs ?? HELPER_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // a helper that exits early closes its stdin
    child.stdin.end(options.stdin ?? '');
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new MgError('MG_ERR_LINT_HELPER', `cannot run perl ${script}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString().trim();
      if (timedOut || code !== 0) {
        const how = timedOut ? 'did not finish in time' : `exited with ${code ?? signal}`;
        reject(new MgError('MG_ERR_LINT_HELPER', `perl ${script} ${how}${stderr ? `: ${stderr}` : ''}`));
        return;
      }
      const lines = Buffer.concat(out).toString().split('\n').filter((l) => l.startsWith('{'));
      try {
        resolve(lines.map((l) => JSON.parse(l) as unknown));
      } catch (e) {
        reject(new MgError('MG_ERR_LINT_HELPER', `perl ${script} printed a line that is not JSON`, { cause: e }));
      }
    });
  });
}
