// Whether the vfork launchers can run here: they need the Perl module Proc::FastSpawn (Debian package
// libproc-fastspawn-perl). Probed once per process, by loading it in the perl that would run the launchers.
import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

/** True when `perl -MProc::FastSpawn -e1` succeeds (about 20 ms, once per perl binary). */
export function hasFastSpawn(perl = 'perl'): boolean {
  let ok = cache.get(perl);
  if (ok === undefined) {
    ok = spawnSync(perl, ['-MProc::FastSpawn', '-e1'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
    cache.set(perl, ok);
  }
  return ok;
}
