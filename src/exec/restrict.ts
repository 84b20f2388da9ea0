// restrict_path / restrict_command_characters, as the C worker meant them (reference mod-gearman-c.md §3.2) and
// as the Go worker lost them (mod-gearman-worker-go.md §4, §10 item 6): with restrict_path set a command must
// be an absolute path, contain none of the forbidden characters, and its program, after `..` is resolved, must
// lie under one listed folder on a path-segment boundary (`/usr/lib/plugins` does not admit
// `/usr/lib/plugins-evil/x`). A restricted worker never runs /bin/sh. Symlinks are not resolved, as in C: the
// folders listed are trusted to hold only what may run.
import { posix } from 'node:path';
import { classifyCommandLine, type CommandLine } from './command-line.js';

/** C's default for restrict_command_characters. */
export const DEFAULT_RESTRICT_COMMAND_CHARACTERS = '$&();<>`"\'|';

export interface RestrictOptions {
  /** The restrict_path entries; an empty list means no restriction. */
  readonly paths: readonly string[];
  /** Characters refused anywhere in the line. @defaultValue DEFAULT_RESTRICT_COMMAND_CHARACTERS */
  readonly characters?: string;
}

export type ExecCommandLine = Extract<CommandLine, { kind: 'exec' }>;

/** Either the command to exec (argv[0] normalised) or the UNKNOWN text, starting `ERROR: `, that explains why not. */
export type RestrictVerdict = { readonly ok: true; readonly command: ExecCommandLine } | { readonly ok: false; readonly message: string };

/** True when restrict_path is in force. */
export function isRestricted(options: RestrictOptions | undefined): options is RestrictOptions {
  return options !== undefined && options.paths.length > 0;
}

/** Applies every restriction to a raw command line. */
export function restrict(line: string, options: RestrictOptions): RestrictVerdict {
  const trimmed = line.trim();
  if (trimmed === '') return refuse('empty command line');
  if (!trimmed.startsWith('/')) {
    return refuse(`restrict_path is set, so the command must start with an absolute path, got ${JSON.stringify(firstWord(trimmed))}`);
  }
  const forbidden = options.characters ?? DEFAULT_RESTRICT_COMMAND_CHARACTERS;
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    if (forbidden.includes(chars[i] as string)) {
      return refuse(`the command contains ${JSON.stringify(chars[i])} at column ${i + 1}, which restrict_command_characters forbids`);
    }
  }
  const command = classifyCommandLine(line);
  if (command.kind === 'invalid') return refuse(command.error.message);
  if (command.kind === 'shell') return refuse(`restrict_path is set, so no shell is run, but the command needs one: ${command.reason.message}`);
  return restrictArgv(command, options);
}

/** The path part alone, for an argv that is already split (negate's wrapped command). */
export function restrictArgv(command: ExecCommandLine, options: RestrictOptions): RestrictVerdict {
  const program = command.argv[0] as string;
  if (!program.startsWith('/')) {
    return refuse(`restrict_path is set, so the command must start with an absolute path, got ${JSON.stringify(program)}`);
  }
  // Normalise before matching: `/usr/lib/plugins/../../../bin/sh` must be judged as `/bin/sh`.
  const normalised = posix.normalize(program);
  const allowed = options.paths.some((p) => isUnder(normalised, p));
  if (!allowed) {
    const shown = normalised === program ? program : `${program} (normalised: ${normalised})`;
    return refuse(`${shown} is not under restrict_path ${options.paths.join(', ')}`);
  }
  return { ok: true, command: { ...command, argv: [normalised, ...command.argv.slice(1)] } };
}

/** `file` equals `folder` or lies below it, compared segment by segment. */
function isUnder(file: string, folder: string): boolean {
  if (!folder.startsWith('/')) return false;
  let f = posix.normalize(folder);
  if (f === '/') return true;
  if (f.endsWith('/')) f = f.slice(0, -1);
  return file === f || file.startsWith(`${f}/`);
}

function firstWord(s: string): string {
  return s.split(/\s/, 1)[0] as string;
}

function refuse(why: string): RestrictVerdict {
  return { ok: false, message: `ERROR: ${why}` };
}
