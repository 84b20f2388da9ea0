// How the farm's answers (started, result, compiled, error) map onto the requests waiting for them and onto what
// the process holds compiled. Kept out of FarmProcess, whose file keeps the lifecycle and the state machine:
// these functions touch only the bookkeeping they are given and report compiles through `onCompile`.
import { killGroup } from '../exec/kill.js';
import { compiledOutcome, failedCompile, resultOutcome } from './farm-outcome.js';
import { infraOutcome, type PendingRequests } from './farm-pending.js';
import type { FarmProcessEvents } from './farm-process-options.js';
import type { CompiledMessage, ErrorMessage, ResultMessage, StartedMessage } from './farm-protocol.js';

export interface AnswerTarget {
  readonly pending: PendingRequests;
  /** Files the farm holds compiled (as far as its answers tell). */
  readonly compiled: Set<string>;
  readonly onCompile: (...info: FarmProcessEvents['compile']) => void;
}

/** The check's child runs in process group `msg.pid`: its deadline can kill it from now on. */
export function applyStarted(t: AnswerTarget, msg: StartedMessage): void {
  const p = t.pending.get(msg.id);
  if (p?.kind !== 'run') {
    // Resolved already (the farm was too slow): nobody supervises this check any more.
    if (t.pending.isAbandoned(msg.id)) killGroup(msg.pid, 'SIGKILL');
    return;
  }
  p.deadline.started(msg.pid);
}

export function applyResult(t: AnswerTarget, msg: ResultMessage): void {
  const p = t.pending.get(msg.id);
  if (p?.kind !== 'run') return void t.pending.forgetAbandoned(msg.id);
  if (msg.compiled) t.onCompile({ file: p.file, ok: msg.problem?.kind !== 'compile', compileMs: msg.compileMs });
  // cache: false compiled it in the check's child only; what the farm itself holds did not change.
  if (msg.problem?.kind === 'compile') t.compiled.delete(p.file);
  else if (p.cache) t.compiled.add(p.file);
  t.pending.settle(p, resultOutcome(msg, p.deadline));
}

export function applyCompiled(t: AnswerTarget, msg: CompiledMessage): void {
  const p = t.pending.get(msg.id);
  if (p?.kind !== 'compile') return;
  if (msg.ok) t.compiled.add(p.file);
  else t.compiled.delete(p.file);
  // ok with 0 ms: it was compiled already, nothing happened.
  if (!msg.ok || msg.compileMs > 0) t.onCompile({ file: p.file, ok: msg.ok, compileMs: msg.compileMs });
  t.pending.settle(p, compiledOutcome(msg));
}

/** The farm refused a request (or reports a problem with none): the request fails with its message. */
export function applyError(t: AnswerTarget, msg: ErrorMessage): void {
  const p = msg.id === undefined ? undefined : t.pending.get(msg.id);
  if (p?.kind === 'run') t.pending.settle(p, infraOutcome(p, { code: 'EPN_FARM_ERROR', message: `the embedded Perl farm refused the check: ${msg.message}` }));
  if (p?.kind === 'compile') t.pending.settle(p, failedCompile(p.file, msg.message));
}
