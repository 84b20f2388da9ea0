import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHelperLine } from '../../../src/exec/spawner-protocol.js';

test('parses the four helper messages and rejects anything else', () => {
  assert.deepEqual(parseHelperLine('{"type":"ready","pid":5,"version":1}'), { type: 'ready', pid: 5, version: 1 });
  assert.deepEqual(parseHelperLine('{"type":"error","id":3,"message":"bad"}'), { type: 'error', id: 3, message: 'bad' });
  assert.deepEqual(parseHelperLine('{"type":"started","id":3,"pid":77}'), { type: 'started', id: 3, pid: 77 });
  const r = parseHelperLine('{"type":"result","id":1,"exitCode":0,"signal":null,"stdout":"aGk="}');
  assert.equal(r?.type, 'result');
  for (const bad of ['', 'garbage', 'null', '42', '{"type":"result"}', '{"type":"ready"}', '{"type":"error","message":1}', '{"type":"other","id":1}', '{"type":"started","id":1}']) {
    assert.equal(parseHelperLine(bad), null, bad);
  }
});
