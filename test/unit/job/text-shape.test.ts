import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeModGearmanText, startsWithClearKey } from '../../../src/job/text-shape.js';
import { randomBytes, seededRandom } from '../../helpers/prng.js';

const yes = (s: string) => assert.equal(looksLikeModGearmanText(Buffer.from(s, 'latin1')), true, JSON.stringify(s));
const no = (s: string) => assert.equal(looksLikeModGearmanText(Buffer.from(s, 'latin1')), false, JSON.stringify(s));

test('accepts what senders write first', () => {
  yes('type=service\nresult_queue=check_results\n');
  yes('host_name=h1\ncore_start_time=1.000000\n');
  yes('type=passive\n');
  yes('type=');
  yes('command_line=/bin/x\tTAB\r\nnext=1\n');
  // Beyond the first line and 32 bytes, plugin output may hold anything.
  yes('host_name=h1\nsource=Mod-Gearman Worker @ vm\noutput=\u001b[31mred\u0007\n');
});

test('refuses noise, short or odd keys, and control bytes up front', () => {
  for (const s of ['', 'type', 'encrypt me please', '=x', 'ab=c', 'Type=host', '1type=x', 'type-x=1', 'tüpe=x']) no(s);
  no('type=host\u0001\n');
  no('type=host\nhost_name=\u0000');
  no('type=s\nh=\u001b[31m');
  no('type=\u007f');
});

test('random bytes essentially never pass (seeded)', () => {
  const random = seededRandom(99);
  let passed = 0;
  for (let i = 0; i < 20_000; i++) if (looksLikeModGearmanText(randomBytes(random, 32))) passed++;
  assert.equal(passed, 0);
});

test('startsWithClearKey: type= or host_name=', () => {
  assert.equal(startsWithClearKey(Buffer.from('type=passive\n')), true);
  assert.equal(startsWithClearKey(Buffer.from('host_name=h1\n')), true);
  assert.equal(startsWithClearKey(Buffer.from('typ')), false);
  assert.equal(startsWithClearKey(Buffer.from('output=x')), false);
});
