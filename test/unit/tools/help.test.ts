// Every tool's --help lists every option it reads, each with its default, taken from the option table
// (or the tool's own override) and from the tool's local switches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optionByName } from '../../../src/config/find-option.js';
import { CHECK_GEARMAN_SPEC } from '../../../src/tools/check-gearman/spec.js';
import { runCheckGearman } from '../../../src/tools/check-gearman/run.js';
import { SEND_GEARMAN_SPEC } from '../../../src/tools/send-gearman/spec.js';
import { runSendGearman } from '../../../src/tools/send-gearman/run.js';
import { SEND_MULTI_SPEC } from '../../../src/tools/send-multi/spec.js';
import { runSendMulti } from '../../../src/tools/send-multi/run.js';
import type { ToolIo } from '../../../src/tools/tool-main.js';
import { allLocalOptions, renderHelp, tableDefaultText } from '../../../src/tools/tool-spec.js';
import type { ToolSpec } from '../../../src/tools/tool-spec.js';
import { GEARMAN_TOP_SPEC } from '../../../src/tools/top/spec.js';
import { runGearmanTop } from '../../../src/tools/top/run.js';

const TOOLS: [ToolSpec, (argv: readonly string[], io: ToolIo) => Promise<number>, number][] = [
  [CHECK_GEARMAN_SPEC, runCheckGearman, 3],
  [SEND_GEARMAN_SPEC, runSendGearman, 0],
  [SEND_MULTI_SPEC, runSendMulti, 3],
  [GEARMAN_TOP_SPEC, runGearmanTop, 0],
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const [spec, run, helpExit] of TOOLS) {
  test(`${spec.name} --help lists every option with its default and exits ${helpExit}`, async () => {
    let out = '';
    const io: ToolIo = { stdout: (t) => void (out += t), stderr: (t) => assert.fail(`stderr: ${t}`), env: {} };
    assert.equal(await run(['--help'], io), helpExit);
    assert.equal(out, `${renderHelp(spec)}\n`);
    assert.match(out, new RegExp(`^usage: ${spec.name} `));
    for (const option of allLocalOptions(spec)) {
      const flag = option.names[0] as string;
      const spelled = flag.length === 1 ? `-${flag}` : `--${flag}`;
      assert.match(out, new RegExp(`^  ${escape(spelled)}\\b.*\\(default: ${escape(option.defaultText)}\\)$`, 'm'), `${spec.name}: ${spelled}`);
    }
    for (const key of spec.tableKeys) {
      const expected = spec.overrides?.[key]?.defaultText ?? tableDefaultText(optionByName(key));
      assert.match(out, new RegExp(`--${escape(key)}\\b[^\\n]*(\\n +[^\\n]*)?\\(default: ${escape(expected)}\\)$`, 'm'), `${spec.name}: --${key}`);
    }
  });
}

test('table defaults as shown: booleans yes/no, lists, unset, the documented text', () => {
  assert.equal(tableDefaultText(optionByName('active')), 'no');
  assert.equal(tableDefaultText(optionByName('timeout')), '10');
  assert.equal(tableDefaultText(optionByName('delimiter')), 'tab');
  assert.equal(tableDefaultText(optionByName('host')), 'unset');
  assert.equal(tableDefaultText(optionByName('dupserver')), 'none');
});

test('--version answers with the tool name and the mg-workhorse version', async () => {
  let out = '';
  assert.equal(await runSendGearman(['-V'], { stdout: (t) => void (out += t), stderr: () => undefined }), 0);
  assert.match(out, /^send_gearman: version \d+\.\d+\.\d+ \(mg-workhorse\)\n$/);
});
