// One embedded Perl interpreter: a `perl mg-epn-farm.pl` child speaking src/epn/farm-protocol.ts over its
// stdin/stdout (conventions §2.7, §2.8). It moves through starting → ready ⇄ busy → draining → dead and gets no
// work before its `ready` line. The farm forks one child per check; Node is the authority on the deadline: it
// knows each check's process group from `started` and kills `-pid` itself (TERM, then KILL after the grace).
//
// Every run resolves, never rejects (conventions §2.5): a dead farm gives EPN_INTERPRETER_DIED, a farm that
// does not answer after the kill gives `timedOut` with empty output. The patterns follow src/exec/helper-spawner.ts;
// the process itself is farm-child.ts, each check's deadline check-deadline.ts, the bookkeeping of unanswered
// requests farm-pending.ts, the mapping of the farm's answers onto them farm-answers.ts, the start (command,
// ready wait, stderr tail) farm-start.ts, and the options and events farm-process-options.ts. What is left is
// the state machine and the dispatch of the farm's lines.
import { EventEmitter } from 'node:events';
import { MgError } from '../errors.js';
import { timerMs } from '../exec/kill.js';
import type { SpawnError } from '../exec/outcome.js';
import { silentLogger, type Logger } from '../log.js';
import { FarmChild, type FarmChildExit } from './farm-child.js';
import { encodeFarmRequest, FARM_PROTOCOL_VERSION, parseFarmLine, type FarmMessage, type FarmRequest } from './farm-protocol.js';
import { applyCompiled, applyError, applyResult, applyStarted, type AnswerTarget } from './farm-answers.js';
import { abortedOutcome, failedCompile, notRunOutcome, type FarmCompileOutcome, type FarmRunOutcome } from './farm-outcome.js';
import { createPendingRun, infraOutcome, PendingRequests, type PendingRun } from './farm-pending.js';
import { FARM_ANSWER_SLACK_MS, FARM_DESTROY_EXIT_MS, FARM_EXIT_TIMEOUT_MS, DEFAULT_FARM_START_TIMEOUT_MS, runRequest } from './farm-process-options.js';
import type { FarmProcessEvents, FarmProcessOptions, FarmProcessState, FarmRunRequest } from './farm-process-options.js';
import { farmCommand, StderrTail, waitUntilReady } from './farm-start.js';

export type { FarmCompileOutcome, FarmRunOutcome } from './farm-outcome.js';
export { DEFAULT_FARM_SCRIPT, DEFAULT_FARM_START_TIMEOUT_MS, FARM_ANSWER_SLACK_MS, FARM_DESTROY_EXIT_MS, FARM_EXIT_TIMEOUT_MS } from './farm-process-options.js';
export type { FarmExitInfo, FarmProcessEvents, FarmProcessOptions, FarmProcessState, FarmRunRequest } from './farm-process-options.js';

export class FarmProcess extends EventEmitter<FarmProcessEvents> {
  readonly #opts: FarmProcessOptions;
  readonly #log: Logger;
  readonly #pending = new PendingRequests(() => this.#updateState());
  readonly #compiled = new Set<string>();
  readonly #stderrTail = new StderrTail();
  readonly #answers: AnswerTarget = { pending: this.#pending, compiled: this.#compiled, onCompile: (info) => this.emit('compile', info) };
  #child: FarmChild | undefined;
  #state: FarmProcessState = 'starting';
  #nextId = 1;
  #runs = 0;
  #perlVersion: string | undefined;
  #garbageLogged = false;
  #expectExit = false;
  #stopReason: string | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #destroying: Promise<void> | undefined;

  constructor(options: FarmProcessOptions = {}) {
    super();
    this.#opts = options;
    this.#log = options.logger ?? silentLogger();
  }

  get state(): FarmProcessState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** `$^V` from the ready line. */
  get perlVersion(): string | undefined {
    return this.#perlVersion;
  }

  /** Runs and compiles sent and not answered yet. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Runs sent to this process since it started. */
  get checksRun(): number {
    return this.#runs;
  }

  /** Takes work: ready or busy. */
  get accepting(): boolean {
    return this.#state === 'ready' || this.#state === 'busy';
  }

  /** Files this process holds compiled (as far as its answers tell). */
  get compiledFiles(): ReadonlySet<string> {
    return this.#compiled;
  }

  hasCompiled(file: string): boolean {
    return this.#compiled.has(file);
  }

  /** True while a request that may make the farm compile a plugin into itself is unanswered. */
  get compiling(): boolean {
    return this.#pending.compiling;
  }

  /** Spawns the farm; resolves on its `ready` line, rejects (MG_ERR_FARM_START) when it does not come up. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Runs one check. Never rejects: every failure is an outcome. */
  run(req: FarmRunRequest): Promise<FarmRunOutcome> {
    if (!this.accepting) return Promise.resolve(notRunOutcome(this.#notAccepting()));
    if (req.signal?.aborted) return Promise.resolve(abortedOutcome());
    const id = this.#nextId++;
    const cache = req.cache ?? true;
    this.#runs++;
    return new Promise<FarmRunOutcome>((resolve) => {
      const compiling = cache && !this.#compiled.has(req.file);
      this.#pending.add(createPendingRun({ id, req, cache, compiling, slackMs: this.#slack, resolve, onGiveUp: (p) => this.#giveUp(p) }));
      this.#send(runRequest(id, req, cache));
    });
  }

  /** Compiles `file` now (hot reload). Never rejects; a farm that does not answer in time is recycled. */
  compile(file: string, timeoutMs: number): Promise<FarmCompileOutcome> {
    if (!this.accepting) return Promise.resolve(failedCompile(file, this.#notAccepting().message));
    const id = this.#nextId++;
    return new Promise<FarmCompileOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (!this.#pending.has(id)) return;
        this.#pending.delete(id);
        resolve(failedCompile(file, `no answer from the farm (pid ${this.pid}) within ${timeoutMs + this.#slack} ms`));
        this.#askRecycle(`compile of ${file} unanswered`);
      }, timerMs(timeoutMs + this.#slack));
      this.#pending.add({ kind: 'compile', id, file, resolve, timer });
      this.#send({ type: 'compile', id, file, timeoutMs });
    });
  }

  /** Makes the farm forget `file` (changed or deleted); the next run compiles it again. */
  invalidate(file: string): void {
    this.#compiled.delete(file);
    if (this.#state !== 'dead' && this.#state !== 'starting') this.#send({ type: 'invalidate', file });
  }

  /** Stops taking work, lets the checks in flight finish, asks the farm to exit; SIGKILL after a timeout. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Ends the farm now: checks in flight get spawnError EPN_CLOSED naming `err`, their groups are killed. */
  destroy(err?: Error): Promise<void> {
    this.#destroying ??= this.#destroy(err);
    return this.#destroying;
  }

  get #slack(): number {
    return this.#opts.answerSlackMs ?? FARM_ANSWER_SLACK_MS;
  }

  #notAccepting(): SpawnError {
    if (this.#state === 'starting') return { code: 'EPN_NOT_READY', message: 'the embedded Perl interpreter is still starting' };
    return { code: 'EPN_CLOSED', message: `the embedded Perl interpreter${this.pid ? ` (pid ${this.pid})` : ''} is ${this.#state}` };
  }

  async #start(): Promise<void> {
    if (this.#state !== 'starting' || this.#destroying) throw new MgError('MG_ERR_FARM_START', 'the farm process was closed before it started');
    const { perl, args, env } = farmCommand(this.#opts);
    let spawnFailure: Error | undefined;
    const child = new FarmChild(perl, args, env, {
      onLine: (line) => this.#onLine(line),
      onStderr: (line) => this.#onStderr(line),
      onError: (err) => this.#log.warn({ err, pid: this.pid }, 'farm:process:error'),
      onExit: (exit) => {
        spawnFailure = exit.spawnError;
        this.#onExit(exit);
      },
    });
    this.#child = child;
    this.#log.debug({ pid: child.pid }, 'farm:process:spawn');

    const startTimeout = this.#opts.startTimeoutMs ?? DEFAULT_FARM_START_TIMEOUT_MS;
    const onTimeout = (): void => {
      this.#stopReason = `no ready line within ${startTimeout} ms`;
      this.#expectExit = true;
      child.kill('SIGKILL');
    };
    try {
      await waitUntilReady(this, startTimeout, onTimeout, () => this.#stopReason);
    } catch (err) {
      const why = spawnFailure ? `cannot run ${perl}: ${spawnFailure.message}` : (err as Error).message;
      const tail = this.#stderrTail.text();
      throw new MgError('MG_ERR_FARM_START', `the embedded Perl farm (${perl} ${args.join(' ')}) did not start: ${why}${tail ? `; stderr: ${tail}` : ''}`, {
        cause: spawnFailure ?? err,
        details: { pid: child.pid, stderrTail: this.#stderrTail.copy() },
      });
    }
  }

  async #close(): Promise<void> {
    if (this.#state === 'starting' || !this.#child) return this.destroy(new MgError('MG_ERR_CLOSED', 'closed before it was ready'));
    if (this.#state === 'dead') return;
    this.#expectExit = true;
    this.#setState('draining');
    this.#send({ type: 'shutdown' });
    // Every pending request has a deadline, so this wait is bounded.
    if (this.#pending.size > 0) await this.#pending.whenIdle();
    await this.#child.stop(this.#opts.exitTimeoutMs ?? FARM_EXIT_TIMEOUT_MS);
  }

  async #destroy(err?: Error): Promise<void> {
    this.#expectExit = true;
    const child = this.#child;
    if (!child) return void this.#setState('dead');
    this.#stopReason ??= err?.message ?? 'destroyed';
    const why = `the embedded Perl farm was destroyed with the check in flight${err ? `: ${err.message}` : ''}`;
    this.#pending.failAll({ code: 'EPN_CLOSED', message: why });
    // A farm still starting may not read stdin yet (a slow preload): nothing runs in it, kill it outright.
    if (this.#state === 'starting') child.kill('SIGKILL');
    if (this.#state !== 'dead') this.#setState('draining');
    await child.stop(FARM_DESTROY_EXIT_MS);
  }

  #send(msg: FarmRequest): void {
    this.#child?.send(encodeFarmRequest(msg));
  }

  /** The farm did not answer a killed check: resolve without its output, and have the process replaced. */
  #giveUp(p: PendingRun): void {
    if (this.#pending.get(p.id) !== p) return;
    this.#log.warn({ id: p.id, file: p.file, pid: this.pid, started: p.deadline.pgid !== undefined }, 'farm:check:unanswered');
    this.#pending.abandon(p.id);
    this.#pending.settle(p, infraOutcome(p, undefined));
    this.#askRecycle(`check ${p.id} (${p.file}) unanswered after the kill`);
  }

  #onLine(line: string): void {
    const msg = parseFarmLine(line);
    if (msg === null) return this.#garbage(line);
    try {
      this.#onMessage(msg);
    } catch (err) {
      // A message that parses but lacks fields (a bug on either side) must not take the event loop down.
      this.#log.error({ err, line: line.slice(0, 200) }, 'farm:protocol:bad-message');
      this.#garbage(line);
    }
  }

  #onMessage(msg: FarmMessage): void {
    switch (msg.type) {
      case 'ready':
        if (this.#state !== 'starting') return this.#garbage(JSON.stringify(msg));
        if (msg.version !== FARM_PROTOCOL_VERSION) {
          this.#stopReason = `protocol version ${msg.version}, expected ${FARM_PROTOCOL_VERSION}`;
          this.#expectExit = true;
          this.#log.error({ code: 'MG_ERR_FARM_PROTOCOL', pid: this.pid, version: msg.version }, `farm:protocol ${this.#stopReason}`);
          this.#child?.kill('SIGKILL');
          return;
        }
        this.#perlVersion = msg.perl;
        this.#log.debug({ pid: msg.pid, perl: msg.perl }, 'farm:process:ready');
        this.#setState('ready');
        this.#updateState();
        return;
      case 'started':
        return applyStarted(this.#answers, msg);
      case 'result':
        return applyResult(this.#answers, msg);
      case 'compiled':
        return applyCompiled(this.#answers, msg);
      case 'error':
        this.#log.error({ id: msg.id, pid: this.pid }, `farm:protocol:error ${msg.message}`);
        return applyError(this.#answers, msg);
    }
  }

  #onExit({ code, signal, spawnError }: FarmChildExit): void {
    if (this.#state === 'dead') return;
    const pid = this.pid;
    const how = spawnError ? spawnError.message : (signal ?? `exit code ${code}`);
    const expected = this.#expectExit;
    this.#stopReason ??= `it exited with ${how}`;
    const n = this.#pending.failAll({ code: 'EPN_INTERPRETER_DIED', message: `the embedded Perl interpreter (pid ${pid}) died during the check: ${how}` });
    this.#pending.clearAbandoned();
    const level = expected && n === 0 ? 'debug' : 'error';
    this.#log[level]({ pid, code, signal, inFlight: n, stderr: this.#stderrTail.lines }, `farm:process:exit ${how}`);
    this.#setState('dead');
    this.emit('exit', { pid, code, signal, expected, stderrTail: this.#stderrTail.copy() });
  }

  #garbage(line: string): void {
    if (this.#garbageLogged) return;
    this.#garbageLogged = true;
    this.#log.error({ code: 'MG_ERR_FARM_PROTOCOL', pid: this.pid, line: line.slice(0, 200) }, 'farm:protocol:garbage');
    this.#askRecycle('protocol garbage');
  }

  #askRecycle(reason: string): void {
    if (this.#state === 'starting') {
      this.#stopReason = reason;
      this.#expectExit = true;
      this.#child?.kill('SIGKILL');
      return;
    }
    if (this.accepting) this.emit('recycle', reason);
  }

  #onStderr(line: string): void {
    this.#stderrTail.push(line);
    this.#log.warn({ farmPid: this.pid }, `farm:stderr ${line}`);
  }

  #updateState(): void {
    if (this.accepting) this.#setState(this.#pending.size > 0 ? 'busy' : 'ready');
    // An idle farm must not keep a CLI alive; a busy or starting one must.
    if (this.accepting || this.#state === 'draining') this.#child?.setRef(this.#pending.size > 0);
    this.#pending.releaseIdle();
  }

  #setState(state: FarmProcessState): void {
    const previous = this.#state;
    if (previous === state || previous === 'dead') return;
    this.#state = state;
    this.emit('state', state, previous);
  }

}
