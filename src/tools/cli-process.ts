// Binds a tool's run function to the real process: argv, stdio, env, and the exit code. Output is
// flushed before exiting (process.exit() would cut a piped stdout short), and an unref'd timer forces
// the exit should a socket or timer keep the event loop alive (conventions §2.11).
import type { ToolIo } from './tool-main.js';

export type ToolRun = (argv: readonly string[], io: ToolIo) => Promise<number>;

/** Runs the tool with process.argv and exits with its code. */
export function runToolCli(run: ToolRun): void {
  // `gearman_top -b -i 1 | head` closes the pipe: that ends the tool quietly, not with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 3));
  }
  const io: ToolIo = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    tty: process.stdin.isTTY && process.stdout.isTTY ? { input: process.stdin, output: process.stdout } : undefined,
  };
  run(process.argv.slice(2), io).then(
    (code) => exitAfterFlush(code),
    (err: unknown) => {
      process.stderr.write(`${String(err instanceof Error ? (err.stack ?? err.message) : err)}\n`);
      exitAfterFlush(3);
    },
  );
}

function exitAfterFlush(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
  setTimeout(() => process.exit(code), 2_000).unref();
}
