// Values computed from several options after all sources are applied: the queue list, the status
// queue, load limits from load_cpu_multi, min/max worker, the tools' encryption default. Kept apart
// from validate.ts so each rule, and its C/Go precedent, is readable on its own.
import type { ConfigWarning } from './raw-entry.js';

/** The mutable draft validate.ts fills, keyed by WorkerConfig field. */
export type Draft = Record<string, unknown>;

/**
 * Queue names to register, in order: host, service, eventhandler, notification, hostgroup_<g>...,
 * servicegroup_<g>..., then custom queues; duplicates dropped. C rule: when no queue option appeared
 * at all, hosts, services, eventhandler and notifications are all on (worker.c; the NEB leaves
 * notifications off, but that is the NEB's own default). Go starts with all off.
 */
export function deriveQueues(draft: Draft, anyQueueOptionSet: boolean): string[] {
  if (!anyQueueOptionSet) {
    for (const field of ['hosts', 'services', 'eventhandler', 'notifications']) draft[field] = true;
  }
  const queues: string[] = [];
  if (draft.hosts === true) queues.push('host');
  if (draft.services === true) queues.push('service');
  if (draft.eventhandler === true) queues.push('eventhandler');
  if (draft.notifications === true) queues.push('notification');
  for (const group of draft.hostgroups as string[]) queues.push(`hostgroup_${group}`);
  for (const group of draft.servicegroups as string[]) queues.push(`servicegroup_${group}`);
  queues.push(...(draft.customQueues as string[]));
  return [...new Set(queues)];
}

/**
 * Go's load_cpu_multi: each load limit not set explicitly becomes multi × CPUs. Go applies its default
 * 2.5 always; we only when load_cpu_multi was set, so a C config keeps "no load limits".
 */
export function deriveLoadLimits(draft: Draft, explicit: ReadonlySet<string>, cpuCount: number): void {
  const multi = draft.loadCpuMulti as number;
  if (!explicit.has('loadCpuMulti') || multi <= 0) return;
  for (const field of ['loadLimit1', 'loadLimit5', 'loadLimit15']) {
    if (!explicit.has(field)) draft[field] = Math.round(multi * cpuCount * 100) / 100;
  }
}

/** min-worker above max-worker raises max-worker, as Go does, and says so. */
export function deriveWorkerRange(draft: Draft, warnings: ConfigWarning[]): void {
  const min = draft.minWorker as number;
  const max = draft.maxWorker as number;
  if (min <= max) return;
  draft.maxWorker = min;
  warnings.push({
    code: 'MG_ERR_CONFIG_INVALID',
    message: `min-worker (${min}) is greater than max-worker (${max}): max-worker raised to ${min}`,
  });
}

/**
 * Tools encrypt only when a key is given unless encryption= says otherwise (C send_gearman 5.1.5+);
 * the worker keeps the table default (yes), matching the NEB module's default.
 */
export function deriveEncryption(draft: Draft, explicit: ReadonlySet<string>, scope: 'worker' | 'tools'): void {
  if (scope === 'tools' && !explicit.has('encryption')) {
    draft.encryption = draft.key !== undefined || draft.keyfile !== undefined;
  }
}
