// The validated, frozen configuration every subsystem reads (built by validate.ts from options.ts).
// Field docs repeat the table's defaults as TSDoc (conventions §2.14); test/unit/config/options.test.ts
// checks that every field here is set by a table row or a derived value, so the two cannot drift apart.

export type Spawner = 'auto' | 'native' | 'vfork' | 'helper' | 'spawn';
export type LogMode = 'automatic' | 'file' | 'stdout' | 'syslog' | 'core';
export type WorkerNameInResult = 'off' | 'on' | 'pre_perfdata';

export interface WorkerConfig {
  // --- general -------------------------------------------------------------------------------------
  /** Name in results, timeout texts and the status queue `worker_<identifier>`. @defaultValue os.hostname() */
  readonly identifier: string;
  /** Pid file written at start. @defaultValue undefined (none) */
  readonly pidfile: string | undefined;
  /** Detach into the background. @defaultValue false */
  readonly daemon: boolean;
  /** Seconds running checks get to finish after the first SIGTERM. @defaultValue 30 */
  readonly shutdownTimeout: number;
  /** Config files read, in order (for logs and SIGHUP). Derived. */
  readonly files: readonly string[];

  // --- job servers ---------------------------------------------------------------------------------
  /** gearmand addresses as `host:port`, deduplicated. @defaultValue [] (the worker requires one) */
  readonly servers: readonly string[];
  /** Servers that get a copy of every result, as `host:port`. @defaultValue [] */
  readonly dupServers: readonly string[];
  /** TCP connect timeout to a job server in ms; -1 = built-in default. @defaultValue -1 */
  readonly gearmanConnectionTimeout: number;
  /** Send dupserver copies as passive results. @defaultValue true */
  readonly dupResultsArePassive: boolean;
  /** Results buffered per dupserver before new ones are dropped. @defaultValue 1000 */
  readonly dupserverBacklogQueueSize: number;
  /** Folder for results that cannot be sent; undefined = no spooling. @defaultValue undefined */
  readonly spoolDir: string | undefined;
  /** Upper bound of the spool folder in bytes. @defaultValue 104857600 (100 MiB) */
  readonly spoolMaxSize: number;
  /** Spooled results older than this many seconds are dropped. @defaultValue 3600 */
  readonly spoolMaxAge: number;

  // --- queues --------------------------------------------------------------------------------------
  /** Serve the `host` queue. @defaultValue true when no queue option is set at all, else false */
  readonly hosts: boolean;
  /** Serve the `service` queue. @defaultValue as hosts */
  readonly services: boolean;
  /** Serve the `eventhandler` queue. @defaultValue as hosts */
  readonly eventhandler: boolean;
  /** Serve the `notification` queue. @defaultValue as hosts */
  readonly notifications: boolean;
  /** Host groups served as `hostgroup_<name>`. @defaultValue [] */
  readonly hostgroups: readonly string[];
  /** Service groups served as `servicegroup_<name>`. @defaultValue [] */
  readonly servicegroups: readonly string[];
  /** Exact queue names served (from queue= and queues=). @defaultValue [] */
  readonly customQueues: readonly string[];
  /** Every queue this worker registers for, in order. Derived. */
  readonly queues: readonly string[];
  /** The status queue `worker_<identifier>`. Derived. */
  readonly statusQueue: string;

  // --- encryption ----------------------------------------------------------------------------------
  /** AES-256 encrypt/decrypt payloads. @defaultValue true (tools: true when key or keyfile is set) */
  readonly encryption: boolean;
  /** Shared secret. @defaultValue undefined */
  readonly key: string | undefined;
  /** File holding the secret (read by src/job, wins over key). @defaultValue undefined */
  readonly keyfile: string | undefined;

  // --- execution -----------------------------------------------------------------------------------
  /** Seconds for jobs that carry no timeout (event handlers, notifications). @defaultValue 60 */
  readonly jobTimeout: number;
  /** Return code of a check that timed out (0-3). @defaultValue 3 */
  readonly timeoutReturn: number;
  /** Skip jobs older than this many seconds; 0 = off. @defaultValue 0 */
  readonly maxAge: number;
  /** Append plugin stderr to the output. @defaultValue true */
  readonly showErrorOutput: boolean;
  /** Only run commands under these path prefixes; [] = no restriction. @defaultValue [] */
  readonly restrictPath: readonly string[];
  /** Characters refused in commands when restrict_path is set. @defaultValue '$&();<>`"\'|' */
  readonly restrictCommandCharacters: string;
  /** Put `(worker: <identifier>)` into the output. @defaultValue 'off' */
  readonly workerNameInResult: WorkerNameInResult;
  /** How plugin processes are started. @defaultValue 'helper' */
  readonly spawner: Spawner;
  /** Cap on captured stdout and on stderr, in bytes each. @defaultValue 10485760 (10 MiB) */
  readonly maxOutputSize: number;
  /** Seconds between SIGTERM and SIGKILL for a timed-out plugin. @defaultValue 2 */
  readonly killGracePeriod: number;
  /** Path globs of plugins run under a pseudo terminal. @defaultValue [] */
  readonly ptyPlugins: readonly string[];
  /** Answer `.../negate` in-process. @defaultValue true */
  readonly internalNegate: boolean;
  /** Answer `.../check_dummy` in-process. @defaultValue true */
  readonly internalCheckDummy: boolean;
  /** Worker threads for job decoding/encryption; 0 = off. @defaultValue 0 */
  readonly jobPoolThreads: number;

  // --- embedded Perl -------------------------------------------------------------------------------
  /** Run `+epn` Perl plugins in the Perl farm. @defaultValue true */
  readonly enableEmbeddedPerl: boolean;
  /** Use the farm for Perl plugins without an epn directive. @defaultValue false */
  readonly useEmbeddedPerlImplicitly: boolean;
  /** Keep compiled plugins in the farm until the file changes. @defaultValue true */
  readonly usePerlCache: boolean;
  /** Fork the plugin normally when the farm cannot run it. @defaultValue true */
  readonly epnFallbackToFork: boolean;
  /** Number of Perl farm processes. @defaultValue 2 */
  readonly epnProcesses: number;
  /** Recycle a farm process after this many checks; 0 = never. @defaultValue 1000 */
  readonly epnMaxChecksPerProcess: number;
  /** Perl modules each farm process loads at start. @defaultValue [] */
  readonly epnPreloadModules: readonly string[];
  /** Plugin folders watched for changes (hot reload). @defaultValue [] */
  readonly pluginDirs: readonly string[];
  /** Path globs of EPN plugins run in persistent runners. @defaultValue [] */
  readonly epnPersistentPlugins: readonly string[];
  /** Persistent runners per farm process. @defaultValue 2 */
  readonly epnPersistentRunners: number;
  /** Checks after which a persistent runner is replaced; 0 = never. @defaultValue 10000 */
  readonly epnPersistentMaxChecks: number;

  // --- limits --------------------------------------------------------------------------------------
  /** Job slots always kept. @defaultValue 1 */
  readonly minWorker: number;
  /** Hard cap on concurrent jobs. @defaultValue 20 */
  readonly maxWorker: number;
  /** Slots added per second while all are busy. @defaultValue 3 */
  readonly spawnRate: number;
  /** Idle slots removed per second. @defaultValue 1 */
  readonly sinkRate: number;
  /** Seconds after the last growth before idle slots are removed. @defaultValue 10 */
  readonly idleTimeout: number;
  /** No growth while the 1-minute load is above this; 0 = off (derived from loadCpuMulti when unset). @defaultValue 0 */
  readonly loadLimit1: number;
  /** As loadLimit1 for the 5-minute load. @defaultValue 0 */
  readonly loadLimit5: number;
  /** As loadLimit1 for the 15-minute load. @defaultValue 0 */
  readonly loadLimit15: number;
  /** Unset load limits become this × CPU count; 0 = off. @defaultValue 0 */
  readonly loadCpuMulti: number;
  /** No growth while memory use is at or above this percentage; 0 = off. @defaultValue 0 */
  readonly memLimit: number;

  // --- logging and metrics -------------------------------------------------------------------------
  /** 0 info, 1 debug, 2+ trace. @defaultValue 0 */
  readonly debug: number;
  /** Log file; undefined = stdout. @defaultValue undefined */
  readonly logfile: string | undefined;
  /** Where logs go. @defaultValue 'automatic' */
  readonly logmode: LogMode;
  /** `host:port` of the Prometheus /metrics listener; undefined = off. @defaultValue undefined */
  readonly prometheusServer: string | undefined;

  // --- tools (send_gearman and friends) ------------------------------------------------------------
  /** Seconds to wait for stdin and for gearmand answers. @defaultValue 10 */
  readonly timeout: number;
  /** Field separator of send_gearman's batch input. @defaultValue '\t' */
  readonly delimiter: string;
  /** Queue results are sent to. @defaultValue 'check_results' */
  readonly resultQueue: string;
  /** Host of a passive result. @defaultValue undefined */
  readonly host: string | undefined;
  /** Service of a passive result; undefined = host result. @defaultValue undefined */
  readonly service: string | undefined;
  /** Plugin output of a passive result; undefined = read stdin. @defaultValue undefined */
  readonly message: string | undefined;
  /** Return code of a passive result (0-3). @defaultValue 0 */
  readonly returnCode: number;
  /** Mark the result active instead of passive. @defaultValue false */
  readonly active: boolean;
  /** Start time (epoch seconds); undefined = now. @defaultValue undefined */
  readonly startTime: number | undefined;
  /** Finish time (epoch seconds); undefined = now. @defaultValue undefined */
  readonly finishTime: number | undefined;
  /** Latency in seconds reported with the result. @defaultValue undefined */
  readonly latency: number | undefined;
  /** Extra attempts when sending fails. @defaultValue 0 */
  readonly retries: number;
  /** Seconds between attempts. @defaultValue 1 */
  readonly retryInterval: number;
}
