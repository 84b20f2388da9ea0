// Runs one of the operator tools' CLIs (src/cli/<name>.ts under tsx) as a real process and collects its
// exit code, stdout and stderr; stdin can be fed. For the tool-*.test.ts integration tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ToolName = 'check-gearman' | 'send-gearman' | 'send-multi' | 'gearman-top';

export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Path of a tool's CLI source file. */
export function toolCli(name: ToolName): string {
  return fileURLToPath(new URL(`../../src/cli/${name}.ts`, import.meta.url));
}

/** Runs `name args`; rejects if it has not exited after timeoutMs (default 30 s; the machine is shared). */
export function runToolProcess(name: ToolName, args: readonly string[], options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ToolRun> {
  const proc = spawn(process.execPath, ['--import', 'tsx', toolCli(name), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CONFIG_GEARMAND_PORT: '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} ${args.join(' ')} did not exit within ${options.timeoutMs ?? 30_000} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
