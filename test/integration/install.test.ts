// scripts/install.sh into a staging folder (DESTDIR) with every path changed: the package runs from there
// (--version, testcmd with a real plugin), the unit names the chosen paths, and a changed config is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLUGINS } from '../helpers/jobs.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('install.sh stages a runnable package, configs and a filled-in unit; a second run keeps a changed config', { timeout: 240_000 }, () => {
  const dest = mkdtempSync(join(tmpdir(), 'mg-install-'));
  try {
    const env = {
      ...process.env,
      DESTDIR: dest,
      PREFIX: '/usr/lib/mg-workhorse',
      SYSCONFDIR: '/etc/mgw',
      UNITDIR: '/lib/systemd/system',
      BINDIR: '/usr/bin',
      SERVICE_USER: 'naemon',
      // dist/ is built by npm test before the tests run (install.sh still builds when it is missing).
      SKIP_BUILD: '1',
    };
    const run = (): string => execFileSync('bash', [join(ROOT, 'scripts/install.sh')], { env, encoding: 'utf8', timeout: 200_000 });
    run();
    const pkg = join(dest, 'usr/lib/mg-workhorse');
    const cli = join(pkg, 'dist/cli/worker.js');
    assert.equal(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }).trim(), `mg-workhorse ${VERSION}`);
    // A check through the installed copy, with only its own node_modules (run from a folder outside the repo).
    // The native spawner addon travels with it and is the one that starts the plugin.
    const ok = spawnSync(process.execPath, [cli, 'encryption=no', 'enable_embedded_perl=no', 'testcmd', '--explain', `${PLUGINS}ok.sh`], { encoding: 'utf8', cwd: dest });
    assert.equal(ok.stdout, 'OK - all fine|time=0.01s\n');
    assert.ok(existsSync(join(pkg, 'native/build/Release/mg_spawn.node')));
    assert.match(ok.stderr, /started by spawner=native/);
    // The embedded Perl farm finds its script in the installed copy.
    const rcPl = new URL('../fixtures/epn/rc.pl', import.meta.url).pathname;
    const epn = spawnSync(process.execPath, [cli, 'encryption=no', 'testcmd', '--explain', rcPl, '1', 'via', 'farm'], { encoding: 'utf8', cwd: dest });
    assert.equal(epn.status, 1);
    assert.match(epn.stdout, /^via farm\|args=3\n/);
    assert.match(epn.stderr, /ran via epn/);
    assert.equal(readlinkSync(join(dest, 'usr/bin/mod_gearman_worker')), '/usr/lib/mg-workhorse/dist/cli/worker.js');
    assert.ok(!existsSync(join(pkg, 'node_modules/typescript')), 'no dev dependencies');
    const unit = readFileSync(join(dest, 'lib/systemd/system/mg-workhorse.service'), 'utf8');
    assert.match(unit, /^ExecStart=\S+node \/usr\/lib\/mg-workhorse\/dist\/cli\/worker\.js --config=\/etc\/mgw\/worker\.cfg$/m);
    assert.match(unit, /^User=naemon$/m);
    assert.doesNotMatch(unit, /@[A-Z]+@/);
    // systemd's own parser: unknown keys and bad values are reported on stderr.
    const verify = spawnSync('systemd-analyze', ['verify', join(dest, 'lib/systemd/system/mg-workhorse.service')], { encoding: 'utf8' });
    if (verify.error === undefined) assert.doesNotMatch(verify.stderr, /Unknown key|Failed to parse|Invalid|bad-setting/i, verify.stderr);
    const cfg = join(dest, 'etc/mgw/worker.cfg');
    assert.equal(readFileSync(cfg, 'utf8'), readFileSync(join(ROOT, 'packaging/worker.cfg'), 'utf8'));
    assert.ok(existsSync(join(dest, 'etc/mgw/worker.yaml')));

    writeFileSync(cfg, 'server=gearmand.example:4730\nkey=operator-key\n');
    const second = run();
    assert.match(second, /kept your \/etc\/mgw\/worker\.cfg/);
    assert.equal(readFileSync(cfg, 'utf8'), 'server=gearmand.example:4730\nkey=operator-key\n');
    assert.equal(readFileSync(`${cfg}.new`, 'utf8'), readFileSync(join(ROOT, 'packaging/worker.cfg'), 'utf8'));
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
});
