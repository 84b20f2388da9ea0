// Embedded Perl end to end: a real gearmand, N encrypted service jobs queued first (as bench/throughput.ts does),
// the BUILT worker `node dist/cli/worker.js` started on them, and the clock runs until N results are back in
// check_results. Each plugin runs once through the Perl farm (EPN) and once forked (enable_embedded_perl=no, the
// same plugin) in the same invocation, at max-worker 20; every run gets a fresh gearmand and a fresh worker, a
// time limit, and is stopped after. Where the CPU goes (node, the farm processes, the plugin processes they fork,
// the spawn helper, gearmand, this script) is read from /proc/<pid>/stat (utime+stime) at the first and the last
// result, per check.
//
// Run: npx tsx bench/epn.ts [--quick] [options]     (a script, not a test; figures depend on the machine)
//   --quick            N / 3 (1000 EPN, 333 forked trivial/check_file_age, 100 forked heavy), 60 s per run
//   --repeat=K         run each variant K times (fresh processes each), report the median run and the range
//   --only=REGEX       only runs whose label (e.g. "trivial epn p2", "heavy fork") matches
//   --limit=S          time limit per run in seconds (default 180, 60 with --quick)
//   --no-p3            skip the trivial plugin at epn_processes=3
//   --preload          also run the heavy plugin via EPN with epn_preload_modules=<its modules> (a diagnostic)
//   --persistent-runners=N   epn_persistent_runners for the persistent rows (default: the worker's, 2)
//   --max-others=PCT   run again when other processes took more than PCT % of the CPU during a run, or when
//                      bench/throughput started meanwhile (default 15; at most --retries=K times, default 2)
//   --no-wait          do not wait for bench/throughput to finish (by default: checked every 20 s, at most 15 min)
//   --build / --no-build   force / skip `npm run build` (default: build when a src/ file is newer than dist/)
//
// The worker runs from a private copy of dist/ + perl/ (and of the two bench plugins), so a concurrent rebuild or
// edit by someone else cannot change the code under measurement half-way.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GearmanWorker } from '../src/gearman/worker.js';
import { PayloadCodec } from '../src/job/crypto.js';
import type { Gearmand } from '../test/helpers/gearmand.js';
import { parseBenchArgs } from './lib/args.js';
import { copyDist, ensureBuilt, ROOT, type BuildMode } from './lib/build.js';
import { isCleaner, medianRun, tableHead } from './lib/report.js';
import { fmt, machineLines, nowS, QUIET_BUSY_PCT, sleep, waitQuiet } from './lib/machine.js';
import { alive, busyBetween, cmdline, machineTicks, procCpu, type MachineTicks, type ProcCpu } from './lib/proc.js';
import { logMessage, othersPct, queueServiceJobs, readResults, ResultTally, spawnWorker, Started, stopWorker, warnLogLines } from './lib/run.js';

const KEY = 'mg-workhorse-bench-epn-shared-secret';
const MAX_WORKER = 20;
const SAMPLE_MS = 100;
const CHECK_FILE_AGE = '/usr/lib/nagios/plugins/check_file_age';

type PluginName = 'trivial' | 'heavy' | 'check_file_age';
type Mode = 'epn' | 'fork' | 'persistent';

interface PluginDef {
  /** The command line; {DIR} is the private copy's folder. */
  line: string;
  /** What a good result's output starts with. */
  ok: RegExp;
  /** Worker options that send it to the farm (with the mode 'epn'). */
  epnArgs: string[];
  describe: string;
}

const PLUGINS: Record<PluginName, PluginDef> = {
  trivial: { line: '{DIR}/plugins/ok.pl', ok: /^OK - fine/, epnArgs: [], describe: 'fixtures/epn/ok.pl (`# nagios: +epn`, prints OK, exit 0)' },
  heavy: {
    line: '{DIR}/plugins/check_heavy.pl -w 10 -c 20',
    ok: /^HEAVY OK - value is 5/,
    epnArgs: [],
    describe: 'bench/plugins/check_heavy.pl (`+epn`; Getopt::Long, POSIX, Data::Dumper, Storable, File::Temp, IO::Socket::INET, Monitoring::Plugin object + getopts + plugin_exit)',
  },
  check_file_age: {
    line: `${CHECK_FILE_AGE} -f /etc/hostname -w 2000000000 -c 2000000000`,
    ok: /^FILE_AGE OK: \/etc\/hostname/,
    epnArgs: ['use_embedded_perl_implicitly=yes'],
    describe: `Debian's ${CHECK_FILE_AGE} -f /etc/hostname -w 2000000000 -c 2000000000 (no epn header: use_embedded_perl_implicitly=yes for EPN)`,
  },
};

/** The C worker's EPN on this machine, and the targets. */
const TARGETS = { trivial: 2300, check_file_age: 1250, heavyFactor: 20 } as const;
const C_WORKER = { trivial: 1150, check_file_age: 620 } as const;

// ---------------------------------------------------------------------------------------------------- options

interface Options {
  quick: boolean;
  only: RegExp | undefined;
  limitS: number;
  p3: boolean;
  preload: boolean;
  wait: boolean;
  maxOthersPct: number;
  retries: number;
  repeat: number;
  build: BuildMode;
  runners: number | undefined;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { quick: false, only: undefined, limitS: 180, p3: true, preload: false, wait: true, maxOthersPct: 15, retries: 2, repeat: 1, build: 'auto', runners: undefined };
  let limitGiven = false;
  o.build = parseBenchArgs(argv, 'bench/epn.ts', (k, v) => {
    if (k === '--quick') o.quick = true;
    else if (k === '--only') o.only = new RegExp(v);
    else if (k === '--limit' && Number(v) > 0) [o.limitS, limitGiven] = [Number(v), true];
    else if (k === '--no-p3') o.p3 = false;
    else if (k === '--preload') o.preload = true;
    else if (k === '--max-others' && Number(v) >= 0) o.maxOthersPct = Number(v);
    else if (k === '--retries' && Number(v) >= 0) o.retries = Math.floor(Number(v));
    else if (k === '--repeat' && Number(v) >= 1) o.repeat = Math.floor(Number(v));
    else if (k === '--no-wait') o.wait = false;
    else if (k === '--persistent-runners' && Number(v) >= 1) o.runners = Math.floor(Number(v));
    else return false;
    return true;
  });
  if (o.quick && !limitGiven) o.limitS = 60;
  return o;
}

interface Variant {
  plugin: PluginName;
  mode: Mode;
  /** epn_processes (only meaningful for 'epn'). */
  procs: number;
  n: number;
  /** epn_preload_modules (a diagnostic variant). */
  preload?: string[];
  /** epn_persistent_runners (persistent rows, --persistent-runners). */
  runners?: number;
}

const label = (v: Variant): string => `${v.plugin} ${v.mode}${v.mode !== 'fork' ? ` p${v.procs}` : ''}${v.runners !== undefined ? ` r${v.runners}` : ''}${v.preload ? ' preload' : ''}`;
const HEAVY_MODULES = ['Getopt::Long', 'POSIX', 'Data::Dumper', 'Storable', 'File::Temp', 'IO::Socket::INET', 'Monitoring::Plugin'];

function variants(o: Options): Variant[] {
  const scale = (n: number): number => (o.quick ? Math.round(n / 3) : n);
  const out: Variant[] = [
    { plugin: 'trivial', mode: 'epn', procs: 2, n: scale(3000) },
    { plugin: 'trivial', mode: 'fork', procs: 2, n: scale(1000) },
    { plugin: 'heavy', mode: 'epn', procs: 2, n: scale(3000) },
    { plugin: 'heavy', mode: 'fork', procs: 2, n: scale(300) },
    { plugin: 'check_file_age', mode: 'epn', procs: 2, n: scale(3000) },
    { plugin: 'check_file_age', mode: 'fork', procs: 2, n: scale(1000) },
    // EPN persistent runners (epn_persistent_plugins=<the plugin's path>): no fork per check
    { plugin: 'trivial', mode: 'persistent', procs: 2, n: scale(3000) },
    { plugin: 'heavy', mode: 'persistent', procs: 2, n: scale(3000) },
    { plugin: 'check_file_age', mode: 'persistent', procs: 2, n: scale(3000) },
  ];
  if (o.p3) out.push({ plugin: 'trivial', mode: 'epn', procs: 3, n: scale(3000) });
  if (o.preload) out.push({ plugin: 'heavy', mode: 'epn', procs: 2, n: scale(3000), preload: HEAVY_MODULES });
  if (o.runners !== undefined) for (const v of out) if (v.mode === 'persistent') v.runners = o.runners;
  return out.filter((v) => o.only === undefined || o.only.test(label(v)));
}

// ---------------------------------------------------------------------------------------------------- /proc

/** CPU of a process, ms (the kernel share is not used here). */
type Cpu = Pick<ProcCpu, 'self' | 'children'>;

/** Direct children of pid, from /proc/<pid>/task/<tid>/children (every thread: libuv may fork from any). */
function childPids(pid: number): number[] {
  const out = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim().split(/\s+/)) if (c !== '') out.add(Number(c));
      } catch {
        // thread gone
      }
    }
  } catch {
    // process gone
  }
  return [...out];
}

/** Pids of a running bench/throughput ('' when none). */
function throughputRunning(): string {
  return spawnSync('pgrep', ['-f', 'bench/throughput'], { encoding: 'utf8' }).stdout.trim().replace(/\s+/g, ',');
}

/** The other engineer's benchmark: wait until `pgrep -f bench/throughput` finds nothing (every 20 s, at most 15 min). */
async function waitForThroughputBench(maxS: number): Promise<string> {
  const end = Date.now() + maxS * 1000;
  let waited = 0;
  for (;;) {
    const pids = throughputRunning();
    if (pids === '') return waited === 0 ? 'bench/throughput not running' : `waited ${waited} s for bench/throughput to finish`;
    if (Date.now() >= end) return `bench/throughput STILL RUNNING after ${waited} s (pids ${pids}): measuring anyway`;
    if (waited === 0) console.log(`waiting for bench/throughput (pids ${pids}) to finish, checking every 20 s for at most ${maxS} s`);
    await sleep(20_000);
    waited += 20;
  }
}

/** Everything this script started (pids, gearmand ports), for the leftover check at the end. */
const started = new Started();
/** The run in progress, so that a SIGINT/SIGTERM to this script takes its worker down too. */
const current: { proc: ChildProcess | undefined; tracker: { pids(): number[] } | undefined; dir: string | undefined } = { proc: undefined, tracker: undefined, dir: undefined };

/** Kills the worker in progress (its process group: it runs detached) and every child of it we saw, removes the copy. */
function emergencyStop(signal: NodeJS.Signals): void {
  const pid = current.proc?.pid;
  if (pid !== undefined && current.proc?.exitCode === null && current.proc.signalCode === null) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const c of current.tracker?.pids() ?? []) {
    try {
      if (alive(c)) process.kill(c, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (current.dir !== undefined) rmSync(current.dir, { recursive: true, force: true });
  console.error(`\nbench/epn.ts: ${signal}: the worker in progress was killed`);
  process.exit(130); // the gearmand helper's exit hook kills the gearmands
}

// ---------------------------------------------------------------------------------------------------- CPU tracking

type Role = 'farm' | 'runner' | 'helper' | 'other';

interface Tracked {
  role: Role;
  /** At the first result (undefined: born after it, counts from 0). */
  base: Cpu | undefined;
  /** Latest read while alive. */
  last: Cpu;
  /** First seen after the first result: counts from 0. */
  bornInWindow: boolean;
}

/**
 * Samples the worker's direct children every SAMPLE_MS: the farm processes (perl mg-epn-farm.pl; replaced after
 * epn_max_checks_per_process checks, so several per run) and the spawn helper. A process that exits between two
 * samples loses at most SAMPLE_MS of its CPU from the figures (the worker's cutime has it; shown as a check).
 */
class ChildTracker {
  readonly #workerPid: number;
  readonly #procs = new Map<number, Tracked>();
  #timer: NodeJS.Timeout | undefined;
  #marked = false;
  readonly #withRunners: boolean;

  constructor(workerPid: number, withRunners: boolean) {
    this.#workerPid = workerPid;
    this.#withRunners = withRunners;
    this.sample();
    this.#timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  sample(): void {
    const live = new Set(childPids(this.#workerPid));
    // Persistent runners are long-lived children of the farm processes: their CPU reaches no parent's cutime
    // while they live, so they are sampled themselves (only in persistent runs, where the farms' children are
    // runners; the few forked first compiles would otherwise be counted twice).
    const runners = new Set(this.#withRunners ? [...live].filter((p) => this.#procs.get(p)?.role === 'farm').flatMap(childPids) : []);
    for (const pid of [...live, ...runners]) {
      let t = this.#procs.get(pid);
      const cpu = procCpu(pid);
      if (cpu === undefined) continue;
      if (t === undefined) {
        const cmd = cmdline(pid);
        const role: Role = runners.has(pid) ? 'runner' : cmd.includes('mg-epn-farm') ? 'farm' : cmd.includes('mg-spawner') ? 'helper' : 'other';
        t = { role, base: undefined, last: cpu, bornInWindow: this.#marked };
        this.#procs.set(pid, t);
        started.pids.add(pid);
      }
      t.last = cpu;
    }
  }

  /** At the first result: the baseline of every live child. */
  markStart(): void {
    this.sample();
    this.#marked = true;
    for (const [pid, t] of this.#procs) if (alive(pid)) t.base = { ...t.last };
  }

  /** At the last result: CPU per role over the window (ms), and how many farm processes took part. */
  markEnd(): { farm: Cpu; runner: Cpu; helper: Cpu; other: Cpu; farmPids: number; farmRecycled: number } {
    this.sample();
    const sum = { farm: { self: 0, children: 0 }, runner: { self: 0, children: 0 }, helper: { self: 0, children: 0 }, other: { self: 0, children: 0 } };
    let farmPids = 0;
    let farmRecycled = 0;
    for (const [pid, t] of this.#procs) {
      if (t.base === undefined && !t.bornInWindow) continue; // gone before the window
      const base = t.base ?? { self: 0, children: 0 };
      sum[t.role].self += t.last.self - base.self;
      sum[t.role].children += t.last.children - base.children;
      if (t.role === 'farm') {
        farmPids++;
        if (!alive(pid)) farmRecycled++;
      }
    }
    return { ...sum, farmPids, farmRecycled };
  }

  /** Every child pid seen (for the stop check). */
  pids(): number[] {
    return [...this.#procs.keys()];
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

// ---------------------------------------------------------------------------------------------------- build

/** A private copy of dist/, perl/, package.json and the two bench plugins, with a node_modules link. */
function snapshot(): { dir: string; cli: string; remove: () => void } {
  const copy = copyDist('mg-bench-epn-');
  mkdirSync(join(copy.dir, 'plugins'));
  cpSync(join(ROOT, 'fixtures/epn/ok.pl'), join(copy.dir, 'plugins/ok.pl'));
  cpSync(join(ROOT, 'bench/plugins/check_heavy.pl'), join(copy.dir, 'plugins/check_heavy.pl'));
  for (const f of ['ok.pl', 'check_heavy.pl']) chmodSync(join(copy.dir, 'plugins', f), 0o755);
  return copy;
}

const commandLine = (p: PluginName, dir: string): string => PLUGINS[p].line.replace('{DIR}', dir);

function modeArgs(v: Variant, dir: string): string[] {
  if (v.mode === 'fork') return ['enable_embedded_perl=no'];
  const runners = v.mode === 'persistent' && v.runners !== undefined ? [`epn_persistent_runners=${v.runners}`] : [];
  const persistent = v.mode === 'persistent' ? [`epn_persistent_plugins=${commandLine(v.plugin, dir).split(' ')[0] ?? ''}`, ...runners] : [];
  return ['enable_embedded_perl=yes', `epn_processes=${v.procs}`, ...PLUGINS[v.plugin].epnArgs, ...persistent, ...(v.preload ? [`epn_preload_modules=${v.preload.join(',')}`] : [])];
}

/** What `testcmd --explain` must say a mode ran via. */
const RAN_VIA: Record<Mode, string> = { epn: 'epn', fork: 'exec', persistent: 'epn (persistent runner)' };

/** Proves, with `testcmd --explain`, that each plugin runs via epn with the EPN options and via exec without. */
function precheck(cli: string, dir: string): string[] {
  const notes: string[] = [];
  for (const p of Object.keys(PLUGINS) as PluginName[]) {
    for (const mode of ['epn', 'fork', 'persistent'] as const) {
      const r = spawnSync(process.execPath, [cli, ...modeArgs({ plugin: p, mode, procs: 1, n: 0 }, dir), 'testcmd', '--explain', commandLine(p, dir)], { encoding: 'utf8', timeout: 30_000 });
      const ran = /^explain: ran via (\S+(?: \(persistent runner\))?) in /m.exec(r.stderr)?.[1];
      const want = RAN_VIA[mode];
      if (r.status !== 0 || ran !== want || !PLUGINS[p].ok.test(r.stdout)) {
        throw new Error(`precheck ${p} ${mode}: expected "ran via ${want}", rc 0 and ${PLUGINS[p].ok}; got rc ${r.status}, ran via ${ran}, stdout ${JSON.stringify(r.stdout.slice(0, 200))}`);
      }
      notes.push(`${p} ${mode}: ran via ${ran}`);
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------------- one run

interface RunFigures {
  variant: Variant;
  error?: string;
  warnings: string[];
  /** N / (Nth result in − earliest start_time): the steady rate without the worker's start. */
  rate: number;
  /** Nth result in − worker spawned, s. */
  wallS: number;
  p50: number;
  p99: number;
  maxDur: number;
  /** sum(durations) / window: checks in flight on average. */
  inFlight: number;
  queueS: number;
  /** CPU µs per check over the window (first → last result). */
  cpu: { node: number; farm: number; farmKids: number; runners: number; helper: number; helperKids: number; nodeKids: number; gearmand: number; bench: number };
  farmPids: number;
  farmRecycled: number;
  /** What the farms said about compiling (e.g. "took 2210 ms to compile, so it is compiled in each check's child"). */
  farmNotes: string[];
  /** bench/throughput was running at the end of this run. */
  throughputSeen: boolean;
  busyPct: number;
  othersPct: number;
  preBusyPct: number;
}

async function runOnce(v: Variant, cli: string, dir: string, o: Options, preBusyPct: number): Promise<RunFigures> {
  const deadline = Date.now() + o.limitS * 1000;
  const codec = new PayloadCodec({ encryption: true, key: KEY });
  const line = commandLine(v.plugin, dir);
  const okRe = PLUGINS[v.plugin].ok;
  const nan = NaN;
  const f: RunFigures = {
    variant: v, warnings: [], rate: nan, wallS: nan, p50: nan, p99: nan, maxDur: nan, inFlight: nan, queueS: nan,
    cpu: { node: nan, farm: nan, farmKids: nan, runners: nan, helper: nan, helperKids: nan, nodeKids: nan, gearmand: nan, bench: nan },
    farmPids: 0, farmRecycled: 0, farmNotes: [], throughputSeen: false, busyPct: nan, othersPct: nan, preBusyPct,
  };
  const got = new ResultTally(v.n, codec, (r) => okRe.test(r.output), f.warnings);
  let gearmand: Gearmand | undefined;
  let collector: GearmanWorker | undefined;
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let tracker: ChildTracker | undefined;
  let limitTimer: NodeJS.Timeout | undefined;
  let out = '';
  let outAfter = '';
  let measuring = true;
  try {
    gearmand = await started.gearmand(1);
    const gPid = gearmand.pid;

    // The N jobs are queued before the worker exists, as a core with a backlog would have them.
    f.queueS = await queueServiceJobs(gearmand.address, codec, v.n, line);

    interface Snap { worker: Cpu; gearmand: Cpu; benchMs: number; machine: MachineTicks; t: number }
    const snap = (): Snap => {
      const u = process.cpuUsage();
      const zero = { self: 0, children: 0 };
      return { worker: procCpu(proc?.pid) ?? zero, gearmand: procCpu(gPid) ?? zero, benchMs: (u.user + u.system) / 1000, machine: machineTicks(), t: nowS() };
    };
    let first: Snap | undefined;
    let last: Snap | undefined;
    let roles: ReturnType<ChildTracker['markEnd']> | undefined;
    let allIn!: () => void;
    const allInP = new Promise<void>((r) => (allIn = r));
    collector = readResults(gearmand.address, got, (arrived) => {
      if (got.n === 1) {
        tracker?.markStart();
        first = snap();
      }
      if (got.n === v.n) {
        measuring = false;
        got.lastAt = arrived;
        roles = tracker?.markEnd();
        last = snap();
        allIn();
      }
    });

    const args = [`server=127.0.0.1:${gearmand.port}`, `key=${KEY}`, 'identifier=mgbench-epn', 'services=yes', `max-worker=${MAX_WORKER}`, 'debug=0', ...modeArgs(v, dir)];
    const spawnedAt = nowS();
    const { proc: p, exited: pExited } = spawnWorker(cli, args);
    proc = p;
    current.proc = p;
    if (p.pid !== undefined) started.pids.add(p.pid);
    const keep = (d: Buffer): void => {
      if (measuring) out = (out + d.toString()).slice(-262144);
      else outAfter = (outAfter + d.toString()).slice(-65536);
    };
    p.stdout?.on('data', keep);
    p.stderr?.on('data', keep);
    exited = pExited;
    if (p.pid !== undefined) tracker = new ChildTracker(p.pid, v.mode === 'persistent');
    current.tracker = tracker;

    const limit = new Promise<'timeout'>((r) => (limitTimer = setTimeout(() => r('timeout'), Math.max(0, deadline - Date.now()))));
    const outcome = await Promise.race([allInP.then(() => 'ok' as const), exited.then(() => 'exited' as const), limit]);
    if (got.bad > 0 || got.dup > 0) f.warnings.push(`${got.bad} bad, ${got.dup} duplicate results`);
    if (outcome !== 'ok') {
      f.error = outcome === 'timeout' ? `TIME LIMIT (${o.limitS} s): ${got.n}/${v.n} results` : `worker exited (${p.exitCode ?? p.signalCode}) after ${got.n}/${v.n} results`;
      return f;
    }
    if (got.bad > 0) f.error = `${got.bad} bad results`;

    const { window, sorted, p50, p99 } = got.summary();
    f.rate = v.n / window;
    f.wallS = got.lastAt - spawnedAt;
    f.p50 = p50;
    f.p99 = p99;
    f.maxDur = sorted[sorted.length - 1] as number;
    f.inFlight = sorted.reduce((a, b) => a + b, 0) / 1000 / window;
    if (first !== undefined && last !== undefined && roles !== undefined) {
      const per = (ms: number): number => (1000 * ms) / Math.max(1, v.n - 1);
      f.cpu = {
        node: per(last.worker.self - first.worker.self),
        nodeKids: per(last.worker.children - first.worker.children),
        farm: per(roles.farm.self),
        farmKids: per(roles.farm.children),
        runners: per(roles.runner.self + roles.runner.children),
        helper: per(roles.helper.self),
        // spawner=native (the default) starts the forked plugins from the worker itself: they are its children then.
        helperKids: per(roles.helper.children) + (v.mode === 'fork' ? per(last.worker.children - first.worker.children) : 0),
        gearmand: per(last.gearmand.self - first.gearmand.self),
        bench: per(last.benchMs - first.benchMs),
      };
      f.farmPids = roles.farmPids;
      f.farmRecycled = roles.farmRecycled;
      f.busyPct = busyBetween(first.machine, last.machine);
      const c = f.cpu;
      // nodeKids holds the recycled farms' whole lives (already in farm/farmKids up to SAMPLE_MS): not added.
      const oursMs = ((c.node + c.farm + c.farmKids + c.runners + c.helper + c.helperKids + c.gearmand + c.bench) / 1000) * Math.max(1, v.n - 1);
      f.othersPct = othersPct(f.busyPct, oursMs, last.t - first.t);
    }
    return f;
  } catch (err) {
    f.error = `failed: ${err instanceof Error ? err.message : String(err)}`;
    return f;
  } finally {
    clearTimeout(limitTimer);
    tracker?.stop();
    f.throughputSeen = throughputRunning() !== '';
    await stopWorker(proc, exited, tracker?.pids() ?? [], f.warnings, f.error !== undefined);
    current.proc = undefined;
    current.tracker = undefined;
    const during = warnLogLines(out);
    f.farmNotes = during.map(logMessage).filter((m) => /to compile|compiled in each check|compiles in a child/.test(m)).map((m) => m.replace(/^farm:stderr mg-epn-farm\[\d+\]: /, '').replace(dir, '…'));
    const rest = during.map(logMessage).filter((m) => !/to compile|compiled in each check|compiles in a child/.test(m));
    for (const m of rest.slice(0, 3)) f.warnings.push(`worker (during the run): ${m.slice(0, 300)}`);
    if (rest.length > 3) f.warnings.push(`worker (during the run): ... ${rest.length - 3} more warn/error lines`);
    const after = warnLogLines(outAfter).map(logMessage);
    if (after.length > 0) f.warnings.push(`worker (after the Nth result, while stopping): ${after.length} warn/error lines, first: ${after[0]?.slice(0, 200)}`);
    await collector?.close({ timeoutMs: 1000 }).catch(() => undefined);
    await gearmand?.stop().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------- report

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

function targetCell(f: RunFigures, all: RunFigures[]): string {
  const v = f.variant;
  if (v.mode === 'fork') return '';
  if (!Number.isFinite(f.rate)) return 'no figure';
  if (v.plugin === 'heavy') {
    const fork = all.find((x) => x.variant.plugin === 'heavy' && x.variant.mode === 'fork');
    if (fork === undefined || !Number.isFinite(fork.rate)) return `>= ${TARGETS.heavyFactor}× fork: no fork figure`;
    const factor = f.rate / fork.rate;
    return `>= ${TARGETS.heavyFactor}× fork: ${factor >= TARGETS.heavyFactor ? 'met' : 'MISSED'} (${factor.toFixed(1)}×)`;
  }
  const target = TARGETS[v.plugin];
  return `>= ${target}/s (C ~${C_WORKER[v.plugin]}/s): ${f.rate >= target ? 'met' : 'MISSED'} (${pct((100 * (f.rate - target)) / target)})`;
}

function table(rows: RunFigures[], ranges: Map<RunFigures, string>): string[] {
  const withRange = ranges.size > 0;
  const head = ['plugin', 'mode', 'epn_processes', 'max-worker', 'N', 'checks/s', ...(withRange ? ['range'] : []), 'wall s', 'p50 ms', 'p99 ms', 'mean in flight', 'target'];
  const lines = tableHead(head, /^(plugin|mode|target)$/);
  for (const f of rows) {
    const v = f.variant;
    lines.push(
      `| ${[
        v.plugin, v.mode, v.mode !== 'fork' ? String(v.procs) : '-', String(MAX_WORKER), String(v.n),
        f.error === undefined ? fmt(f.rate) : `**${f.error}**`, ...(withRange ? [ranges.get(f) ?? '-'] : []), fmt(f.wallS, 2), fmt(f.p50, 2), fmt(f.p99, 2), fmt(f.inFlight, 1), targetCell(f, rows),
      ].join(' | ')} |`,
    );
  }
  return lines;
}

function cpuTable(rows: RunFigures[]): string[] {
  const head = ['run', 'node µs/chk', 'farm perl µs/chk', 'farm children µs/chk', 'runners µs/chk', 'helper µs/chk', 'helper children µs/chk', 'gearmand µs/chk', 'bench µs/chk', 'sum µs/chk', 'farm pids (recycled)', 'busy %', 'others %'];
  const lines = tableHead(head, /^(variant|run)$/);
  for (const f of rows) {
    const c = f.cpu;
    const sum = c.node + c.farm + c.farmKids + c.runners + c.helper + c.helperKids + c.gearmand + c.bench;
    lines.push(`| ${[label(f.variant), fmt(c.node), fmt(c.farm), fmt(c.farmKids), fmt(c.runners), fmt(c.helper), fmt(c.helperKids), fmt(c.gearmand), fmt(c.bench), fmt(sum), `${f.farmPids} (${f.farmRecycled})`, fmt(f.busyPct), `${fmt(f.othersPct)}${f.throughputSeen ? ' (bench/throughput ran)' : ''}`].join(' | ')} |`);
  }
  return lines;
}

const LEGEND = [
  '- checks/s: N / (arrival of the Nth result in check_results − the earliest start_time among the results): without the',
  '  worker\'s own start. wall s: Nth result − worker spawned (with node start, farm start, first compile).',
  '- p50/p99: finish_time − start_time of the results (the plugin run as the worker times it; for EPN the farm\'s timing',
  '  of the forked check child). mean in flight: sum of those durations / window (the concurrency actually used;',
  `  max-worker=${MAX_WORKER} is the cap).`,
  '- CPU µs/chk: utime+stime from /proc/<pid>/stat between the first and the Nth result, per check. node = the worker',
  '  process (all threads); farm perl = the mg-epn-farm.pl processes themselves (every one seen, recycled ones too);',
  '  farm children = the per-check children they fork and reap (the plugin run); helper = the Perl spawn helper;',
  '  helper children = the forked plugins (children of the helper, or of the worker with spawner=native); bench = this script (job reader + decoder, where the NEB would be).',
  '  runners = the persistent runners (children of the farm processes that run the checks in-process; persistent rows only).',
  '- busy %: of all cores, /proc/stat; others % = busy − ours (load from other processes during the run).',
];

// ---------------------------------------------------------------------------------------------------- main

/**
 * One variant once: waits for bench/throughput and a quiet machine, runs it; a run that other processes disturbed
 * (others % over --max-others, or bench/throughput started meanwhile) is run again and the cleanest one counts.
 */
async function measureOnce(v: Variant, cli: string, dir: string, o: Options, counters: { noisy: number }): Promise<RunFigures> {
  let best: RunFigures | undefined;
  const others = (x: RunFigures): number => (x.throughputSeen ? 1000 : 0) + (Number.isFinite(x.othersPct) ? x.othersPct : 999);
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (o.wait) {
      const w = await waitForThroughputBench(15 * 60);
      if (w !== 'bench/throughput not running') console.log(`  (${w})`);
    }
    const pre = await waitQuiet(60);
    const f = await runOnce(v, cli, dir, o, pre);
    const c = f.cpu;
    console.log(
      `  ${label(v).padEnd(22)} N=${String(v.n).padEnd(5)} ${f.error ?? ''} ${fmt(f.rate).padStart(5)} checks/s  wall ${fmt(f.wallS, 2)} s  p50 ${fmt(f.p50, 2)} ms  p99 ${fmt(f.p99, 2)} ms  in flight ${fmt(f.inFlight, 1)}  ` +
        `cpu µs/chk node ${fmt(c.node)} farm ${fmt(c.farm)}+${fmt(c.farmKids)} runners ${fmt(c.runners)} helper ${fmt(c.helper)}+${fmt(c.helperKids)} gearmand ${fmt(c.gearmand)} bench ${fmt(c.bench)}  ` +
        `farm pids ${f.farmPids} (${f.farmRecycled} recycled)  busy ${fmt(f.busyPct)} % (others ${fmt(f.othersPct)} %, before ${fmt(pre)} %)`,
    );
    for (const n of f.farmNotes.slice(0, 4)) console.log(`      farm: ${n}`);
    for (const w of f.warnings) console.log(`      ! ${w}`);
    if (isCleaner(f, best, others)) best = f;
    if (f.error !== undefined || others(f) <= o.maxOthersPct) break;
    const why = f.throughputSeen ? 'bench/throughput was running' : `other processes took ${fmt(f.othersPct)} % of the CPU, over ${o.maxOthersPct} %`;
    if (attempt < o.retries) console.log(`      (${why}: running it again)`);
    else counters.noisy++;
  }
  return best as RunFigures;
}

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.prependListener(sig, () => emergencyStop(sig));
  const o = parseOptions(process.argv.slice(2));
  const list = variants(o);
  console.log('# mg-workhorse EPN bench\n');
  const waitNote = o.wait ? await waitForThroughputBench(15 * 60) : 'not waiting for bench/throughput (--no-wait)';
  const mp = spawnSync('perl', ['-MMonitoring::Plugin', '-e', 'print $Monitoring::Plugin::VERSION'], { encoding: 'utf8' }).stdout.trim();
  for (const l of machineLines([`Monitoring::Plugin ${mp || '?'}`])) console.log(l);
  console.log(`build:   ${ensureBuilt(o.build)}`);
  console.log(`others:  ${waitNote}`);
  const snap = snapshot();
  current.dir = snap.dir;
  try {
    for (const n of precheck(snap.cli, snap.dir)) console.log(`check:   ${n}`);
    for (const [p, d] of Object.entries(PLUGINS)) console.log(`plugin:  ${p} = ${d.describe}`);
    console.log(`worker:  node dist/cli/worker.js server=127.0.0.1:PORT key=… services=yes max-worker=${MAX_WORKER} debug=0 +`);
    console.log('         epn: enable_embedded_perl=yes epn_processes=P (check_file_age: + use_embedded_perl_implicitly=yes); fork: enable_embedded_perl=no');
    console.log('         persistent: as epn + epn_persistent_plugins=<the plugin path> (default epn_persistent_runners=2 per farm process)');
    console.log(`runs:    ${list.length}; each: fresh gearmand (--threads=1) + fresh worker, N jobs queued first, ${o.limitS} s limit, quiet wait ≤ 60 s (< ${QUIET_BUSY_PCT} % busy)${o.repeat > 1 ? `, ${o.repeat} repeats` : ''}`);
    console.log(`command: npx tsx bench/epn.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
    console.log('');
    const rows: RunFigures[] = [];
    const ranges = new Map<RunFigures, string>();
    const t0 = Date.now();
    const counters = { noisy: 0 };
    const measure = (v: Variant): Promise<RunFigures> => measureOnce(v, snap.cli, snap.dir, o, counters);
    for (const v of list) {
      const reps: RunFigures[] = [];
      for (let r = 0; r < o.repeat; r++) reps.push(await measure(v));
      const { median, ok } = medianRun(reps);
      rows.push(median);
      if (o.repeat > 1) ranges.set(median, ok.length > 0 ? `${fmt(ok[0]?.rate ?? NaN)}–${fmt(ok[ok.length - 1]?.rate ?? NaN)} (${ok.length} runs)` : '-');
    }
    console.log(`\ntotal ${((Date.now() - t0) / 1000).toFixed(0)} s${counters.noisy > 0 ? `; ${counters.noisy} run(s) still disturbed after ${o.retries} retries (see "others %")` : ''}\n`);
    console.log(table(rows, ranges).join('\n'));
    if (o.repeat > 1) console.log(`(each row: the median of ${o.repeat} runs by checks/s; the other columns are that run's)`);
    console.log('');
    console.log(cpuTable(rows).join('\n'));
    console.log('');
    for (const l of LEGEND) console.log(l);
    const notes = rows.filter((r) => r.farmNotes.length > 0);
    if (notes.length > 0) console.log('\nfarm notes (the farm logs these on stderr; the worker logs them as warnings):');
    for (const r of notes) for (const n of [...new Set(r.farmNotes)]) console.log(`- ${label(r.variant)}: ${n}`);
    const p2 = rows.find((r) => r.variant.plugin === 'trivial' && r.variant.mode === 'epn' && r.variant.procs === 2);
    const p3 = rows.find((r) => r.variant.plugin === 'trivial' && r.variant.mode === 'epn' && r.variant.procs === 3);
    if (p2 !== undefined && p3 !== undefined && Number.isFinite(p2.rate) && Number.isFinite(p3.rate)) {
      console.log(`\nepn_processes: trivial EPN ${fmt(p2.rate)}/s with 2, ${fmt(p3.rate)}/s with 3: ${p3.rate > p2.rate ? '3' : '2'} is faster (${pct((100 * (p3.rate - p2.rate)) / p2.rate)} for 3)`);
    }
  } finally {
    snap.remove();
    await sleep(300);
    const left = started.leftovers([snap.dir]);
    console.log(left.length === 0 ? 'leftover processes: none' : `leftover processes:\n${left.join('\n')}`);
    if (left.length > 0) process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
