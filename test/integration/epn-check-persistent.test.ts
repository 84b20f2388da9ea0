// mg-epn-check holds a plugin with `# mg-workhorse: persistent` to its promise: the state a --run leaves behind in
// one interpreter (which a persistent runner keeps for its next check) is an error for it, where the same plugin
// without the header only gets the usual R4 warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEpnCheck } from '../helpers/epn-check-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLUGIN = join(ROOT, 'fixtures/epn/persistent-quiet-leak.pl');

interface Doc {
  reports: Array<{ verdict: string; findings: Array<{ rule: string; what: string; layer: string; severity: string; line: number }> }>;
}

test('--run: a state leak is an error for a persistent plugin and a warning without the header', { timeout: 180_000 }, async () => {
  const withHeader = await runEpnCheck(['--run', 'a', '-f', 'json', PLUGIN], ROOT);
  const run = (JSON.parse(withHeader.stdout) as Doc).reports[0]?.findings.filter((f) => f.layer === 'run') ?? [];
  const e3 = run.find((f) => f.rule === 'E3');
  assert.ok(e3, JSON.stringify(run));
  assert.equal(e3.severity, 'error');
  assert.equal(e3.line, 3, 'it points at the header');
  assert.match(e3.what, /the run leaves %seen changed, and the plugin's persistent runner keeps it for its next check \(line 3 says "# mg-workhorse: persistent"/);
  assert.equal(withHeader.code, 2, withHeader.stderr);

  const tmp = mkdtempSync(join(tmpdir(), 'mg-epn-check-persistent-'));
  try {
    const plain = join(tmp, 'quiet-leak.pl');
    writeFileSync(plain, readFileSync(PLUGIN, 'utf8').replace('# mg-workhorse: persistent\n', ''), { mode: 0o755 });
    const without = await runEpnCheck(['--run', 'a', '-f', 'json', plain], ROOT);
    const findings = (JSON.parse(without.stdout) as Doc).reports[0]?.findings.filter((f) => f.layer === 'run') ?? [];
    assert.deepEqual(findings.map((f) => `${f.rule} ${f.severity}`), ['R4 warning'], JSON.stringify(findings));
    assert.notEqual(without.code, 2, 'no error without the header');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("the demo's persistent plugin keeps its promise: --run finds it compatible", { timeout: 180_000 }, async () => {
  // plugins/check_persistent_demo.pl is what `npm run demo` shows as `epn/run`: it must pass the check that
  // the docs tell authors to run before they add the header.
  const r = await runEpnCheck(['--run', '', '-f', 'json', join(ROOT, 'plugins/check_persistent_demo.pl')], ROOT);
  const report = (JSON.parse(r.stdout) as Doc).reports[0];
  assert.equal(report?.verdict, 'compatible', r.stdout);
  assert.deepEqual(report.findings.filter((f) => f.severity !== 'info'), [], r.stdout);
  assert.equal(r.code, 0, r.stderr);
});
