import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeAnswer, timeoutResult } from '../../../../src/tools/check-gearman/worker-check.js';

test('a plain answer is OK with the answer as text (worker status queue)', () => {
  const answer = 'vm has 7 worker and is working on 3 jobs. Version: 3.3.3|worker=7;;;5;50 jobs=55c';
  assert.deepEqual(judgeAnswer(`${answer}\n`, 'check', undefined), { state: 0, line: `check_gearman OK - ${answer}` });
});

test('"<digit>:" answers set the state and print the rest (proxy_status, check_results)', () => {
  assert.deepEqual(judgeAnswer('2:CRITICAL - proxy version v1 running.|server=1', 'check', undefined), { state: 2, line: 'CRITICAL - proxy version v1 running.|server=1' });
  assert.deepEqual(judgeAnswer('0:OK - result worker running', 'check', undefined), { state: 0, line: 'OK - result worker running' });
  assert.equal(judgeAnswer('7:odd', 'check', undefined).state, 3, 'exit codes above 3 mean nothing to Nagios');
  assert.equal(judgeAnswer('12:00 is noon', 'check', undefined).state, 0, 'only a single digit before the colon counts');
});

test('-e: OK when the answer contains the text, else CRITICAL, in the C texts', () => {
  assert.deepEqual(judgeAnswer('pong', 'ping', 'on'), { state: 0, line: "check_gearman OK - send worker 'ping' response: 'pong'" });
  assert.deepEqual(judgeAnswer('pong', 'ping', 'xx'), { state: 2, line: "check_gearman CRITICAL - send worker: 'ping' response: 'pong', expected 'xx'" });
});

test('a timeout names the last server, IPv6 in brackets', () => {
  assert.deepEqual(timeoutResult([{ host: 'a', port: 1 }, { host: '::1', port: 4730 }]), { state: 2, line: 'timeout while waiting for [::1]:4730' });
});
