// A real gearmand listening on the IPv6 loopback only ([::1]), for the tools' IPv6 tests. gearmand takes
// one --listen, and test/helpers/gearmand.ts binds 127.0.0.1, hence this small second starter.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getVersion } from '../../src/gearman/admin.js';
import { freePort, GEARMAND_BIN } from './gearmand.js';
import { waitFor } from './wait-for.js';

export interface GearmandV6 {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts gearmand on [::1] and waits until it answers `version` there. */
export async function startGearmandIpv6(): Promise<GearmandV6> {
  const dir = mkdtempSync(join(tmpdir(), 'mg-gearmand6-'));
  const port = await freePort();
  // Never /dev/null as pid file: gearmand deletes it on exit.
  const proc = spawn(GEARMAND_BIN, ['--listen=::1', `--port=${port}`, `--pid-file=${join(dir, 'pid')}`, `--log-file=${join(dir, 'log')}`, '--threads=1'], { stdio: 'ignore' });
  const kill = (): void => void proc.kill('SIGKILL');
  process.once('exit', kill);
  await waitFor(() => getVersion({ host: '::1', port }, { timeoutMs: 500, connectTimeoutMs: 500 }), { timeoutMs: 10_000, message: `gearmand on [::1]:${port}` });
  return {
    port,
    stop: async () => {
      process.off('exit', kill);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
