// Ordered raw entries (files first, then argv) → a typed, deep-frozen WorkerConfig.
// Precedence: a scalar takes the last value written; a list option accumulates over every source, as
// C and Go do for repeated server=/hostgroups=/restrict_path= lines, and is deduplicated. An empty
// value (`server=`) clears what was accumulated so far, so a command line can replace a file's list
// (in C and Go an empty value adds nothing, so no working config changes meaning).
// Errors name origin, key, expected type and the bad value; unknown keys are warnings.
import { hostname as osHostname, availableParallelism } from 'node:os';
import { MgError } from '../errors.js';
import { convertValue } from './convert.js';
import { deepFreeze } from './deep-freeze.js';
import { deriveEncryption, deriveLoadLimits, deriveQueues, deriveWorkerRange } from './derive.js';
import type { Draft } from './derive.js';
import { findOption, suggestOption } from './find-option.js';
import type { OptionSpec } from './option-spec.js';
import { OPTIONS } from './options.js';
import type { ConfigWarning, RawEntry } from './raw-entry.js';
import { formatOrigin } from './raw-entry.js';
import type { WorkerConfig } from './worker-config.js';

export interface ValidateOptions {
  /** Who reads the config: keys outside this scope are accepted silently and not checked. */
  readonly scope: 'worker' | 'tools';
  /** Require at least one server=. @defaultValue true for the worker, false for the tools */
  readonly requireServer?: boolean;
  /** Require key= or keyfile= when encryption is on. @defaultValue true for the worker, false for the tools */
  readonly requireKey?: boolean;
  /** Default identifier. @defaultValue os.hostname() */
  readonly hostname?: string;
  /** CPU count for load_cpu_multi. @defaultValue os.availableParallelism() */
  readonly cpuCount?: number;
  /** Files that were read, kept in the result. */
  readonly files?: readonly string[];
}

export interface ValidatedConfig {
  readonly config: WorkerConfig;
  readonly warnings: ConfigWarning[];
}

const LIST_TYPES = new Set(['list', 'multi', 'servers']);
// Keys whose mere presence switches off C's "serve all four queues" default.
const QUEUE_FIELDS = new Set(['hosts', 'services', 'eventhandler', 'notifications', 'hostgroups', 'servicegroups', 'customQueues']);

/** Applies entries in order over the table defaults, derives, checks requirements, freezes. */
export function validateEntries(entries: readonly RawEntry[], options: ValidateOptions): ValidatedConfig {
  const warnings: ConfigWarning[] = [];
  const draft = defaults(options);
  const explicit = new Set<string>();
  let anyQueueOptionSet = false;

  for (const entry of entries) {
    const spec = findOption(entry.key);
    if (spec === undefined) {
      warnings.push(unknownKey(entry));
      continue;
    }
    if (spec.type === 'include' || !spec.scope.includes(options.scope)) continue;
    if (spec.field === undefined) {
      if (spec.replacedBy !== undefined) warnings.push(replaced(entry, spec));
      continue;
    }
    const converted = convertValue(spec, entry.value);
    if (!converted.ok) {
      const got = converted.got ?? entry.value ?? '';
      throw new MgError(
        'MG_ERR_CONFIG_INVALID',
        `${formatOrigin(entry.origin)}: invalid value for "${spec.name}": expected ${converted.expected}, got "${got}"`,
        { details: { key: spec.name, value: entry.value, origin: entry.origin } },
      );
    }
    const field = spec.field;
    explicit.add(field);
    if (LIST_TYPES.has(spec.type)) {
      const items = converted.value as string[];
      const cleared = (entry.value ?? '').trim() === '';
      draft[field] = cleared ? [] : [...(draft[field] as string[]), ...items];
      if (QUEUE_FIELDS.has(field) && items.length > 0) anyQueueOptionSet = true;
    } else {
      // An empty string option (`logfile=`) goes back to its default, so argv can unset a file's value.
      draft[field] = converted.value === undefined ? defaultOf(spec, options) : converted.value;
      if (QUEUE_FIELDS.has(field)) anyQueueOptionSet = true;
    }
  }

  for (const spec of OPTIONS) {
    if (spec.field !== undefined && LIST_TYPES.has(spec.type)) draft[spec.field] = [...new Set(draft[spec.field] as string[])];
  }
  draft.queues = deriveQueues(draft, anyQueueOptionSet);
  draft.statusQueue = `worker_${draft.identifier as string}`;
  deriveLoadLimits(draft, explicit, options.cpuCount ?? availableParallelism());
  deriveWorkerRange(draft, warnings);
  deriveEncryption(draft, explicit, options.scope);
  checkRequired(draft, options);
  return { config: deepFreeze(draft as unknown as WorkerConfig), warnings };
}

function defaults(options: ValidateOptions): Draft {
  const draft: Draft = { files: [...(options.files ?? [])], queues: [], statusQueue: '' };
  for (const spec of OPTIONS) {
    if (spec.field !== undefined && !(spec.field in draft)) draft[spec.field] = defaultOf(spec, options);
  }
  return draft;
}

function defaultOf(spec: OptionSpec, options: ValidateOptions): unknown {
  if (spec.field === 'identifier') return (options.hostname ?? osHostname()) || 'unknown';
  return Array.isArray(spec.default) ? [...(spec.default as string[])] : spec.default;
}

function checkRequired(draft: Draft, options: ValidateOptions): void {
  const isWorker = options.scope === 'worker';
  if ((options.requireServer ?? isWorker) && (draft.servers as string[]).length === 0) {
    throw new MgError('MG_ERR_CONFIG_MISSING', 'no job server configured: set server=host[:port] in a config file or --server=host[:port]');
  }
  if ((options.requireKey ?? isWorker) && draft.encryption === true && draft.key === undefined && draft.keyfile === undefined) {
    throw new MgError(
      'MG_ERR_CONFIG_MISSING',
      'encryption is on but neither key nor keyfile is set: set key= or keyfile= (the same as the NEB module), or encryption=no',
    );
  }
  if (isWorker && (draft.queues as string[]).length === 0) {
    throw new MgError(
      'MG_ERR_CONFIG_MISSING',
      'no queue to serve: hosts, services, eventhandler and notifications are off and no hostgroups, servicegroups, queue or queues are set',
    );
  }
}

function unknownKey(entry: RawEntry): ConfigWarning {
  const suggestion = suggestOption(entry.key);
  const hint = suggestion === undefined ? '' : `: did you mean "${suggestion}"?`;
  return {
    code: 'MG_ERR_CONFIG_UNKNOWN_KEY',
    origin: entry.origin,
    message: `${formatOrigin(entry.origin)}: unknown option "${entry.key}" (ignored)${hint}`,
  };
}

function replaced(entry: RawEntry, spec: OptionSpec): ConfigWarning {
  return {
    code: 'MG_ERR_CONFIG_UNKNOWN_KEY',
    origin: entry.origin,
    message: `${formatOrigin(entry.origin)}: "${spec.name}" is ignored by mg-workhorse: use ${spec.replacedBy ?? ''} instead`,
  };
}
