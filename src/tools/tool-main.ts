// The frame every tool runs in: load the config, answer --help/--version, print config warnings, run
// the tool, and turn a thrown error into the tool's error exit code. The CLIs in src/cli/ only wire
// process.argv/stdout/exit to this, and tests drive the same function with their own streams.
import type { Readable } from 'node:stream';
import type { Terminal } from './top/screen.js';
import { coerceError, isMgError } from '../errors.js';
import { VERSION } from '../version.js';
import type { ToolConfig } from './tool-config.js';
import { loadToolConfig } from './tool-config.js';
import type { ToolSpec } from './tool-spec.js';
import { renderHelp } from './tool-spec.js';

export interface ToolIo {
  /** Writes text to stdout as it is (callers add line ends). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin?: Readable;
  /** Set when stdin and stdout are a terminal: gearman_top's live screen draws on it. */
  readonly tty?: Terminal;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export interface ToolExits {
  /** Exit code after --help and --version (C: 3 for the plugins, 0 for the others). */
  readonly help: number;
  /** Exit code for bad options and unexpected errors. @defaultValue 3 */
  readonly error?: number;
}

/** Runs `body` with the parsed config and returns the exit code; never throws. */
export async function runTool(
  spec: ToolSpec,
  argv: readonly string[],
  io: ToolIo,
  exits: ToolExits,
  body: (tool: ToolConfig) => Promise<number>,
): Promise<number> {
  const errorExit = exits.error ?? 3;
  let tool: ToolConfig;
  try {
    tool = loadToolConfig(spec, { argv, env: io.env, cwd: io.cwd });
  } catch (err) {
    io.stderr(`${spec.name}: ${describe(err)}\nTry '${spec.name} --help'.\n`);
    return errorExit;
  }
  if (tool.local.has('h')) {
    io.stdout(`${renderHelp(spec)}\n`);
    return exits.help;
  }
  if (tool.local.has('V')) {
    io.stdout(`${spec.name}: version ${VERSION} (mg-workhorse)\n`);
    return exits.help;
  }
  for (const w of tool.warnings) io.stderr(`${spec.name}: ${w.message}\n`);
  try {
    return await body(tool);
  } catch (err) {
    io.stderr(`${spec.name}: ${describe(err)}\n`);
    return errorExit;
  }
}

function describe(err: unknown): string {
  const e = coerceError(err);
  return isMgError(e) ? `${e.message} (${e.code})` : (e.stack ?? e.message);
}
