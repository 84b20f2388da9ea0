import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteStats } from '../../../src/proxy/route-stats.js';
import { buildStatusText, perfdataFilter } from '../../../src/proxy/status-text.js';

describe('proxy status text', () => {
  test('OK with global keys first, then per queue; counters suffixed c', () => {
    const s = new RouteStats('a:1/in', 'in', 'b:2', 'a:1');
    s.done(s.received(8));
    s.forwarded({}, 12);
    const text = buildStatusText({ stats: [s], sourceServers: 1, now: Date.now() });
    assert.match(text, /^0:OK - mg-gearman-proxy version v\S+ running\.\|'backlog'=0;;; 'backlog_oldest_age'=0s;;; 'bytes_in'=8c;;; 'bytes_out'=12c;;; /);
    assert.match(text, /'total_jobs'=1c;;; 'in::bytes_out'=12c;;; 'in::jobs'=1c;;;$/);
  });

  test('WARNING names every failed server, the backlog and its age; CRITICAL on a drop', () => {
    const now = Date.now();
    const s1 = new RouteStats('a:1/x', 'x', 'b:2', 'a:1');
    const s2 = new RouteStats('a:1/y', 'y', 'c:3', 'a:1');
    s1.failing(s1.received(1));
    s1.setDestination(false, 'refused');
    s2.setDestination(false, 'refused');
    const text = buildStatusText({ stats: [s1, s2], sourceServers: 1, now: now + 5000 });
    assert.match(text, /^1:WARNING - mg-gearman-proxy version v\S+ running\. 2 servers failed: b:2, c:3\. backlog contains 1 job, oldest 5s\.\|/);
    s2.setSource(false, 'refused');
    assert.match(buildStatusText({ stats: [s1, s2], sourceServers: 1 }), / 3 servers failed: a:1, b:2, c:3\./);
    s2.dropped = 1;
    assert.match(buildStatusText({ stats: [s1, s2], sourceServers: 1 }), /^2:CRITICAL - .* 1 jobs dropped\./);
  });

  test('perfdatafilter= takes a regex; a bad one is reported, not thrown', () => {
    assert.equal(perfdataFilter('check'), undefined);
    assert.equal(perfdataFilter('check perfdatafilter=^total_')?.source, '^total_');
    const s = new RouteStats('a:1/x', 'x', 'b:2', 'a:1');
    assert.match(buildStatusText({ stats: [s], sourceServers: 1 }, 'perfdatafilter=('), /perfdatafilter ignored: .*\|'backlog'/);
  });
});
