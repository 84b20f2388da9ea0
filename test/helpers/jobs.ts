// Submits Mod-Gearman jobs, built and encrypted as the NEB module does, to a real gearmand.
import type { GearmanClient } from '../../src/gearman/client.js';
import type { PayloadCodec } from '../../src/job/crypto.js';
import { buildJobText, type JobTextInput } from '../../src/job/job-text.js';

export const PLUGINS = new URL('../fixtures/plugins/', import.meta.url).pathname;

/** A service check job for `host`/`service` running `commandLine`. */
export function serviceJob(host: string, service: string, commandLine: string, extra: Partial<JobTextInput> = {}): JobTextInput {
  return { type: 'service', resultQueue: 'check_results', hostName: host, serviceDescription: service, coreTime: Date.now() / 1000, timeout: 10, commandLine, ...extra };
}

/** A host check job. */
export function hostJob(host: string, commandLine: string, extra: Partial<JobTextInput> = {}): JobTextInput {
  return { type: 'host', resultQueue: 'check_results', hostName: host, coreTime: Date.now() / 1000, timeout: 10, commandLine, ...extra };
}

/** Encodes and submits one job as a background job; resolves once gearmand has it. */
export async function submitJob(client: GearmanClient, codec: PayloadCodec, queue: string, job: JobTextInput): Promise<void> {
  await client.submitBackground(queue, codec.encode(buildJobText(job)), { priority: 'normal' });
}
