// Internal checks: plugins answered in-process instead of forked, as the Go worker does for `.../check_dummy`
// and `.../negate`. Matched by basename only when argv[0] holds a `/` (Go's HasSuffix rule): a bare
// `check_dummy` stays the real plugin found in PATH.
import { checkDummy } from './internal-check-dummy.js';
import { applyNegate, NEGATE_USAGE, parseNegateArgs } from './internal-negate.js';
import { internalOutcome, preciseNow, type CheckOutcome } from './outcome.js';

export interface InternalSettings {
  /** internal_check_dummy. @defaultValue true */
  readonly checkDummy: boolean;
  /** internal_negate. @defaultValue true */
  readonly negate: boolean;
}

export const DEFAULT_INTERNAL_SETTINGS: InternalSettings = Object.freeze({ checkDummy: true, negate: true });

export type InternalCheckName = 'check_dummy' | 'negate';

/** The command negate wraps: its argv, or a whole command line given as one argument (re-split by the runner). */
export type WrappedCommand = { readonly kind: 'argv'; readonly argv: readonly string[] } | { readonly kind: 'line'; readonly line: string };

/** Runs a wrapped command through the same runner as a job's command; `timeoutMs` narrows the deadline. */
export type WrappedRunner = (command: WrappedCommand, timeoutMs: number | undefined) => Promise<CheckOutcome>;

/** Which internal check `program` (argv[0]) names, or null to fork it. */
export function matchInternalCheck(program: string, settings: InternalSettings = DEFAULT_INTERNAL_SETTINGS): InternalCheckName | null {
  const slash = program.lastIndexOf('/');
  if (slash < 0) return null;
  const base = program.slice(slash + 1);
  if (base === 'check_dummy' && settings.checkDummy) return 'check_dummy';
  if (base === 'negate' && settings.negate) return 'negate';
  return null;
}

/** Runs internal check `name` with `argv` (argv[0] is the program). */
export async function runInternalCheck(name: InternalCheckName, argv: readonly string[], runWrapped: WrappedRunner): Promise<CheckOutcome> {
  const startedAt = preciseNow();
  const t0 = performance.now();
  if (name === 'check_dummy') {
    const r = checkDummy(argv.slice(1));
    return internalOutcome(r.exitCode, r.output, startedAt, performance.now() - t0);
  }
  const parsed = parseNegateArgs(argv.slice(1));
  if (!parsed.ok) return internalOutcome(3, `${parsed.message}\n${NEGATE_USAGE}\n`, startedAt, performance.now() - t0);
  const { command, timeoutSeconds } = parsed.options;
  const wrapped: WrappedCommand =
    command.length === 1 && /\s/.test(command[0] as string) ? { kind: 'line', line: command[0] as string } : { kind: 'argv', argv: command };
  const inner = await runWrapped(wrapped, timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000);
  return applyNegate(inner, parsed.options);
}
