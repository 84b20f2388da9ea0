import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MgError } from '../../../src/errors.js';
import type { CheckOutcome } from '../../../src/exec/outcome.js';
import type { WorkerJob } from '../../../src/gearman/worker-job.js';
import { PayloadCodec } from '../../../src/job/crypto.js';
import { buildJobText, type JobTextInput } from '../../../src/job/job-text.js';
import { InlineJobCodec } from '../../../src/worker/job-codec.js';
import { handleJob, jobKey, type JobHandlerContext } from '../../../src/worker/job-handler.js';
import { WorkerMetrics } from '../../../src/metrics/worker-metrics.js';
import { RateLimitedLog } from '../../../src/worker/rate-limited-log.js';
import type { ResultSender } from '../../../src/worker/result-sender.js';
import { WorkerStats } from '../../../src/worker/stats.js';
import { execOutcome, FakeSpawner, flush, LEVEL, memoryLogger, SERVICE_JOB, workerConfig, type LogLine } from './support.js';

const KEY = 'job-handler-key-0123456789';
const NEB = new PayloadCodec({ encryption: true, key: KEY });
const KEYED_ARGV = ['server=h:1', `key=${KEY}`, 'identifier=box'];

/** Records what would be submitted; each send resolves a turn of the event loop later. */
class FakeSender {
  readonly sent: { queue: string; text: string; dup: string | undefined }[] = [];
  readonly usefulUntil: (number | undefined)[] = [];
  hasDupServers = false;
  failWith: Error | undefined;

  constructor(private readonly events: string[]) {}

  async send(queue: string, payload: string, dupPayload?: string, usefulUntil?: number): Promise<void> {
    this.events.push('send:start');
    this.usefulUntil.push(usefulUntil);
    await flush();
    if (this.failWith) throw this.failWith;
    this.sent.push({ queue, text: NEB.decode(payload), dup: dupPayload === undefined ? undefined : NEB.decode(dupPayload) });
    this.events.push('send:done');
  }
}

interface Setup {
  ctx: JobHandlerContext;
  events: string[];
  sender: FakeSender;
  spawner: FakeSpawner;
  lines: LogLine[];
  stats: WorkerStats;
}

function setup(answer: (n: number) => CheckOutcome = () => execOutcome(1, 'WARNING: 80% used|used=80\n'), extraArgv: string[] = []): Setup {
  const events: string[] = [];
  const { logger, lines } = memoryLogger();
  const sender = new FakeSender(events);
  let n = 0;
  const spawner = new FakeSpawner(() => answer(++n));
  const stats = new WorkerStats();
  const ctx: JobHandlerContext = {
    config: workerConfig(extraArgv, KEYED_ARGV),
    codec: new InlineJobCodec({ encryption: true, key: KEY }),
    sender: sender as unknown as ResultSender,
    spawner,
    logger,
    stats,
    badJobLog: new RateLimitedLog(logger),
  };
  return { ctx, events, sender, spawner, lines, stats };
}

function fakeJob(payload: string, events: string[], functionName = 'service'): WorkerJob {
  const job = {
    payload: Buffer.from(payload),
    handle: 'H:box:1',
    functionName,
    server: 'h:1',
    unique: 'u-1',
    complete: (): boolean => {
      events.push('complete');
      return true;
    },
    fail: (): boolean => {
      events.push('fail');
      return true;
    },
  };
  return job as unknown as WorkerJob;
}

const encodeJob = (job: JobTextInput): string => NEB.encode(buildJobText(job));

test('a good service job: the result text goes to result_queue, then the job is completed', async () => {
  const s = setup();
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  assert.deepEqual(s.events, ['send:start', 'send:done', 'complete']);
  assert.deepEqual(s.sender.sent, [
    {
      queue: 'check_results',
      text:
        'host_name=web1\ncore_start_time=1700000000.500000\nstart_time=1700000100.000000\nfinish_time=1700000100.250000\n' +
        'return_code=1\nexited_ok=1\nsource=Mod-Gearman Worker @ box\nservice_description=disk /\n' +
        'output=WARNING: 80% used|used=80\\n\n\n\n\n',
      dup: undefined,
    },
  ]);
  assert.deepEqual(s.spawner.calls.map((c) => [c.command, c.options.timeoutMs]), [[{ mode: 'exec', argv: ['/usr/lib/nagios/plugins/check_disk', '-w', '10%', '-p', '/'] }, 30_000]]);
  assert.deepEqual([s.stats.running, s.stats.total, [...s.stats.checksByVia], [...s.stats.checksByRc]], [0, 1, [['exec', 1]], [[1, 1]]]);
  assert.ok(s.lines.some((l) => l.msg === 'job:start' && l.level === LEVEL.debug && l.host === 'web1' && l.service === 'disk /' && l.queue === 'service'));
});

test('the job is completed only after the send resolved; a failed send leaves it uncompleted', async () => {
  const s = setup();
  s.sender.failWith = new MgError('MG_ERR_CLOSED', 'sender destroyed');
  await assert.rejects(handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx), { code: 'MG_ERR_CLOSED' });
  assert.deepEqual(s.events, ['send:start']);
  assert.deepEqual([s.stats.running, s.stats.total], [0, 1]);
});

test('with dupservers a passive copy is sent along', async () => {
  const s = setup();
  s.sender.hasDupServers = true;
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  const [sent] = s.sender.sent;
  assert.equal(sent?.dup, `type=passive\n${sent?.text ?? ''}`);
});

test('a host check result has no service_description', async () => {
  const s = setup(() => execOutcome(0, 'PING OK\n'));
  const { serviceDescription: _s, ...host } = { ...SERVICE_JOB, type: 'host' };
  await handleJob(fakeJob(encodeJob(host), s.events, 'host'), s.ctx);
  assert.deepEqual(s.events, ['send:start', 'send:done', 'complete']);
  assert.doesNotMatch(s.sender.sent[0]?.text ?? '', /service_description/);
  assert.match(s.sender.sent[0]?.text ?? '', /^host_name=web1\n.*return_code=0\n.*output=PING OK\\n\n\n\n\n$/s);
});

test('an event handler runs and is completed without a result', async () => {
  const s = setup();
  const handler = encodeJob({ type: 'eventhandler', hostName: 'web1', commandLine: '/usr/lib/nagios/plugins/check_dummy 0 restarted' });
  await handleJob(fakeJob(handler, s.events, 'eventhandler'), s.ctx);
  assert.deepEqual(s.events, ['complete']);
  assert.deepEqual(s.sender.sent, []);
  assert.deepEqual([...s.stats.checksByVia], [['internal', 1]]);
});

test('a wrong key: the job fails, nothing is sent, and the error is logged once per interval', async () => {
  const s = setup();
  const other = new PayloadCodec({ encryption: true, key: 'other-key-for-tests-77' });
  const payload = other.encode(buildJobText(SERVICE_JOB));
  await handleJob(fakeJob(payload, s.events), s.ctx);
  await handleJob(fakeJob(payload, s.events), s.ctx);
  assert.deepEqual(s.events, ['fail', 'fail']);
  assert.deepEqual(s.sender.sent, []);
  assert.equal(s.spawner.calls.length, 0);
  assert.deepEqual(s.lines, [
    {
      level: LEVEL.error,
      msg: "job:discard decrypted payload is no Mod-Gearman text: the key or the encryption= setting differs from the sender's",
      queue: 'service',
      server: 'h:1',
      handle: 'H:box:1',
      code: 'MG_ERR_JOB_DECRYPT',
    },
  ]);
  assert.deepEqual([...s.stats.badJobs], [['MG_ERR_JOB_DECRYPT', 2]]);
  assert.deepEqual([s.stats.running, s.stats.total], [0, 2]);
});

test('an invalid job with host_name and result_queue but no command_line is answered UNKNOWN and completed', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_300_000 });
  const s = setup();
  const text = 'type=service\nresult_queue=check_results\nhost_name=web1\nservice_description=disk /\ncore_time=1700000299.000000\n\n\n';
  await handleJob(fakeJob(NEB.encode(text), s.events), s.ctx);
  assert.deepEqual(s.events, ['send:start', 'send:done', 'complete']);
  assert.deepEqual(s.sender.sent, [
    {
      queue: 'check_results',
      text:
        'host_name=web1\ncore_start_time=1700000299.000000\nstart_time=1700000300.000000\nfinish_time=1700000300.000000\n' +
        'return_code=3\nexited_ok=1\nsource=Mod-Gearman Worker @ box\nservice_description=disk /\n' +
        'output=UNKNOWN: mg-workhorse could not run this job: discarded invalid job, no command line given (worker: box)\n\n\n\n',
      dup: undefined,
    },
  ]);
  assert.equal(s.spawner.calls.length, 0);
  assert.deepEqual(
    s.lines.map((l) => [l.level, l.msg, l.code]),
    [[LEVEL.error, 'job:discard discarded invalid job, no command line given', 'MG_ERR_JOB_INVALID']],
  );
  assert.deepEqual([...s.stats.badJobs], [['MG_ERR_JOB_INVALID', 1]]);
});

test('an invalid job that cannot be answered (no result_queue) fails', async () => {
  const s = setup();
  await handleJob(fakeJob(NEB.encode('type=service\nhost_name=web1\n\n\n'), s.events), s.ctx);
  assert.deepEqual(s.events, ['fail']);
  assert.deepEqual(s.sender.sent, []);
});

test('max-age: an old job is answered "(Could Not Start Check In Time)" rc 3, service kept, not run', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_200_000 });
  const s = setup(undefined, ['max-age=10']);
  await handleJob(fakeJob(encodeJob({ ...SERVICE_JOB, coreTime: 1_700_000_140 }), s.events), s.ctx);
  assert.deepEqual(s.events, ['send:start', 'send:done', 'complete']);
  assert.equal(s.spawner.calls.length, 0);
  assert.equal(
    s.sender.sent[0]?.text,
    'host_name=web1\ncore_start_time=1700000140.000000\nstart_time=1700000200.000000\nfinish_time=1700000200.000000\n' +
      'return_code=3\nexited_ok=1\nsource=Mod-Gearman Worker @ box\nservice_description=disk /\n' +
      'output=(Could Not Start Check In Time)\n\n\n\n',
  );
  assert.equal(s.stats.tooLateJobs, 1);
  assert.ok(s.lines.some((l) => l.level === LEVEL.info && l.msg === 'job:too-late job is 60.0 s old, over max-age=10' && l.ageSeconds === 60));
});

test('max-age: a job within it, or without any time, runs', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_200_000 });
  const s = setup(undefined, ['max-age=10']);
  await handleJob(fakeJob(encodeJob({ ...SERVICE_JOB, coreTime: 1_700_000_190 }), s.events), s.ctx);
  const { coreTime: _c, ...timeless } = SERVICE_JOB;
  await handleJob(fakeJob(encodeJob(timeless), s.events), s.ctx);
  assert.equal(s.spawner.calls.length, 2);
  assert.equal(s.stats.tooLateJobs, 0);
  assert.deepEqual(s.sender.sent.map((r) => /return_code=(\d)/.exec(r.text)?.[1]), ['1', '1']);
});

test('empty plugin output becomes "(No output returned from plugin)"', async () => {
  const s = setup(() => execOutcome(0, ''));
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  assert.match(s.sender.sent[0]?.text ?? '', /\nreturn_code=0\n.*\noutput=\(No output returned from plugin\)\n\n\n\n$/s);
});

test('stderr alone is output enough: no placeholder, stderr appended', async () => {
  const s = setup(() => execOutcome(2, '', { stderr: Buffer.from('boom\n') }));
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  assert.match(s.sender.sent[0]?.text ?? '', /\noutput=\\n\[boom\] \n\n\n\n$/);
});

test('NUL bytes in stdout and stderr are stripped', async () => {
  const s = setup(() => execOutcome(0, 'OK\0 all\0 fine\n', { stderr: Buffer.from('wa\0rn') }));
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  assert.match(s.sender.sent[0]?.text ?? '', /\noutput=OK all fine\\n\\n\[warn\] \n\n\n\n$/);
});

test('a timed-out check: the timeout text with timeout_return, counted, warned', async () => {
  const s = setup(() => execOutcome(0, '', { exitCode: null, signal: 'SIGTERM', timedOut: true }), ['timeout_return=2']);
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  assert.match(s.sender.sent[0]?.text ?? '', /\nreturn_code=2\n.*\noutput=\(Service Check Timed Out On Worker: box\)\n\n\n\n$/s);
  assert.equal(s.stats.timeouts, 1);
  assert.ok(s.lines.some((l) => l.level === LEVEL.warn && l.msg === 'job:timeout check timed out' && l.command === SERVICE_JOB.commandLine));
});

test('the abort signal of the context reaches the spawner', async () => {
  const s = setup();
  const abort = new AbortController();
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), { ...s.ctx, signal: abort.signal });
  assert.equal(s.spawner.calls[0]?.options.signal, abort.signal);
});

test('plugin output of only NUL bytes still gets "(No output returned from plugin)"', async () => {
  const s = setup(() => execOutcome(0, '\0\0'));
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  assert.match(s.sender.sent[0]?.text ?? '', /\noutput=\(No output returned from plugin\)\n\n\n\n$/);
});

test('a job handed out again while it still runs here is not run twice: one check, one result, both jobs completed', async () => {
  const s = setup();
  const metrics = new WorkerMetrics('box', { defaultMetrics: false });
  const ctx: JobHandlerContext = { ...s.ctx, runningJobs: new Map(), metrics };
  const payload = encodeJob(SERVICE_JOB);
  // Same unique id and queue, another handle (the connection it came on dropped and gearmand requeued it).
  const first = fakeJob(payload, s.events);
  const again = { ...(fakeJob(payload, s.events) as unknown as Record<string, unknown>), handle: 'H:box:2' } as unknown as WorkerJob;
  await Promise.all([handleJob(first, ctx), handleJob(again, ctx)]);
  assert.equal(s.spawner.calls.length, 1);
  assert.equal(s.sender.sent.length, 1);
  assert.deepEqual(s.events.filter((e) => e === 'complete'), ['complete', 'complete']);
  assert.ok(s.lines.some((l) => l.msg.startsWith('job:duplicate') && l.unique === 'u-1' && l.handle === 'H:box:2'));
  assert.match(await metrics.text(), /mgworkhorse_jobs_duplicate_total\{queue="service"\} 1/);
  assert.equal(ctx.runningJobs?.size, 0);
  // Once finished, the same unique id runs again (the next scheduled check).
  await handleJob(fakeJob(payload, s.events), ctx);
  assert.equal(s.spawner.calls.length, 2);
});

test('jobs without a unique id are told apart by server and handle', () => {
  assert.notEqual(jobKey({ functionName: 'q', unique: '', server: 'a:1', handle: 'H:1' }), jobKey({ functionName: 'q', unique: '', server: 'b:1', handle: 'H:1' }));
  assert.equal(jobKey({ functionName: 'q', unique: 'x', server: 'a:1', handle: 'H:1' }), jobKey({ functionName: 'q', unique: 'x', server: 'b:1', handle: 'H:9' }));
  assert.notEqual(jobKey({ functionName: 'q', unique: 'x', server: 'a:1', handle: 'H:1' }), jobKey({ functionName: 'r', unique: 'x', server: 'a:1', handle: 'H:1' }));
});

test('each result goes with the moment it stops being useful: next_check + its timeout + Naemon\'s 600 s orphan slack', async () => {
  const s = setup(undefined, ['job_timeout=45']);
  await handleJob(fakeJob(encodeJob(SERVICE_JOB), s.events), s.ctx);
  await handleJob(fakeJob(encodeJob({ ...SERVICE_JOB, timeout: 0 }), s.events), s.ctx);
  assert.deepEqual(s.sender.usefulUntil, [(1_700_000_000.5 + 30 + 600) * 1000, (1_700_000_000.5 + 45 + 600) * 1000]);
});
