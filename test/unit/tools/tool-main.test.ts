import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MgError } from '../../../src/errors.js';
import { runTool } from '../../../src/tools/tool-main.js';
import type { ToolIo } from '../../../src/tools/tool-main.js';
import type { ToolSpec } from '../../../src/tools/tool-spec.js';
import { tmpConfig } from '../config/tmp-config.js';

const SPEC: ToolSpec = { name: 'demo_tool', usage: ['demo_tool'], description: 'd', tableKeys: ['server'], aliases: {}, local: [], notes: [] };

function capture(): { io: ToolIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {} }, out: () => out, err: () => err };
}

test('config warnings go to stderr and the tool still runs', async () => {
  const dir = tmpConfig({ 'a.cfg': 'server=x:1\nno_such_key=1\n' });
  const c = capture();
  assert.equal(await runTool(SPEC, [`--config=${dir}/a.cfg`], c.io, { help: 0 }, async (tool) => (tool.config.servers[0] === 'x:1' ? 7 : 8)), 7);
  assert.match(c.err(), /^demo_tool: .*a\.cfg:2: unknown option "no_such_key" \(ignored\)/);
});

test('bad options and failures in the body exit with the error code, naming the code', async () => {
  const c = capture();
  assert.equal(await runTool(SPEC, ['--bogus'], c.io, { help: 0 }, async () => 0), 3);
  assert.match(c.err(), /^demo_tool: .*unknown option "bogus".*\(MG_ERR_CONFIG_UNKNOWN_KEY\)\nTry 'demo_tool --help'\.\n$/);
  const d = capture();
  assert.equal(
    await runTool(SPEC, [], d.io, { help: 0, error: 2 }, async () => {
      throw new MgError('MG_ERR_CRYPTO_KEY', 'no key');
    }),
    2,
  );
  assert.equal(d.err(), 'demo_tool: no key (MG_ERR_CRYPTO_KEY)\n');
});
