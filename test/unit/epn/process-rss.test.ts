import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRssBytes } from '../../../src/epn/process-rss.js';

test('the RSS of this process, and undefined for a process that does not exist', () => {
  const rss = readRssBytes(process.pid) as number;
  assert.ok(rss > 1024 * 1024 && rss < 4 * 1024 ** 3, String(rss));
  assert.equal(readRssBytes(2 ** 22 + 12345), undefined);
});
