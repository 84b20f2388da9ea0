// Hot reload of Perl plugins: watches the folders of the plugins the worker has run (noteRun) and the configured
// plugin_dirs, and reports a changed or added file (onChange: the pool recompiles it, the classifier forgets
// it) or a deleted one (onDelete). Only a head start: the farm checks (dev, inode, mtime, size) before every
// run anyway, so a missed event costs one compile at the next check, never a stale plugin.
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { coerceError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

/** Editors write several events per save (temp file, rename, chmod): one callback per file after this quiet time. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 100;
/** chokidar waits for the size to stay put this long before it reports a write. */
export const DEFAULT_WRITE_FINISH_MS = 50;
/** Each folder costs an inotify watch; past this many, noted folders are not added (logged once). */
export const DEFAULT_MAX_WATCHED_DIRS = 256;

export interface PluginWatcherOptions {
  /** Folders watched from the start (plugin_dirs). @defaultValue [] */
  readonly dirs?: readonly string[];
  /** A plugin file was changed or added. Errors it throws are logged. */
  readonly onChange: (file: string) => void;
  /** A plugin file was deleted. */
  readonly onDelete: (file: string) => void;
  /** @defaultValue DEFAULT_WATCH_DEBOUNCE_MS */
  readonly debounceMs?: number;
  /** @defaultValue DEFAULT_WRITE_FINISH_MS */
  readonly writeFinishMs?: number;
  /** Subfolder levels watched below each folder. @defaultValue 0 */
  readonly depth?: number;
  /** @defaultValue DEFAULT_MAX_WATCHED_DIRS */
  readonly maxDirs?: number;
  /** @defaultValue silentLogger() */
  readonly logger?: Logger;
}

/** Dotfiles and editor leftovers: vim's .swp/.swx/~ and its 4913 probe, emacs #autosave#, *.tmp. */
export function isEditorTempFile(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || name === '4913' || /\.(swp|swx|swo|tmp)$/i.test(name) || /^#.*#$/.test(name);
}

export class PluginWatcher {
  readonly #opts: PluginWatcherOptions;
  readonly #log: Logger;
  /** One chokidar watcher per folder: each says when it is watching (chokidar's add() does not). */
  readonly #watchers = new Map<string, { readonly watcher: FSWatcher; readonly ready: Promise<void> }>();
  readonly #pending = new Map<string, { timer: NodeJS.Timeout; deleted: boolean }>();
  #overLimitLogged = false;
  #closing: Promise<void> | undefined;

  constructor(options: PluginWatcherOptions) {
    this.#opts = options;
    this.#log = options.logger ?? silentLogger();
    for (const dir of options.dirs ?? []) this.#watch(resolve(dir));
  }

  /** The worker ran `file` in the farm: watch its folder from now on. Cheap enough to call for every check. */
  noteRun(file: string): void {
    if (this.#closing) return;
    const dir = dirname(resolve(file));
    if (this.#watchers.has(dir)) return;
    if (this.#watchers.size >= (this.#opts.maxDirs ?? DEFAULT_MAX_WATCHED_DIRS)) {
      if (!this.#overLimitLogged) this.#log.warn({ dir, maxDirs: this.#watchers.size }, 'watcher:limit further plugin folders are not watched');
      this.#overLimitLogged = true;
      return;
    }
    this.#watch(dir);
  }

  /** The folders watched (configured and noted). */
  get dirs(): readonly string[] {
    return [...this.#watchers.keys()];
  }

  /** Resolves once every folder added so far is watched. */
  async ready(): Promise<void> {
    await Promise.all([...this.#watchers.values()].map((w) => w.ready));
  }

  /** Stops watching; debounced events not yet reported are dropped. Repeated calls share one promise. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** The same as close(): the watcher holds no work to fail. */
  destroy(_err?: Error): Promise<void> {
    return this.close();
  }

  #watch(dir: string): void {
    if (this.#watchers.has(dir)) return;
    const watcher = watch(dir, {
      ignoreInitial: true,
      depth: this.#opts.depth ?? 0,
      awaitWriteFinish: { stabilityThreshold: this.#opts.writeFinishMs ?? DEFAULT_WRITE_FINISH_MS, pollInterval: 10 },
      ignorePermissionErrors: true,
      // The folder itself may have any name; below it, skip dotfiles and editor temp files.
      ignored: (path: string) => path !== dir && isEditorTempFile(basename(path)),
    });
    const ready = new Promise<void>((done) => watcher.once('ready', () => done()));
    watcher.on('add', (file) => this.#event(file, false));
    watcher.on('change', (file) => this.#event(file, false));
    watcher.on('unlink', (file) => this.#event(file, true));
    // ENOSPC (inotify limit), EACCES, ...: the farm's own checks cover what the watcher misses.
    watcher.on('error', (err) => this.#log.warn({ err: coerceError(err), dir }, 'watcher:error'));
    this.#watchers.set(dir, { watcher, ready });
    this.#log.debug({ dir }, 'watcher:add');
  }

  async #close(): Promise<void> {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    await Promise.all(
      [...this.#watchers.values()].map(async ({ watcher }) => {
        try {
          await watcher.close();
        } catch (err) {
          this.#log.warn({ err: coerceError(err) }, 'watcher:close:failed');
        }
      }),
    );
  }

  #event(file: string, deleted: boolean): void {
    if (this.#closing) return;
    const prev = this.#pending.get(file);
    if (prev) clearTimeout(prev.timer);
    const timer = setTimeout(() => this.#fire(file), this.#opts.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS);
    timer.unref();
    this.#pending.set(file, { timer, deleted });
  }

  #fire(file: string): void {
    const p = this.#pending.get(file);
    this.#pending.delete(file);
    if (!p || this.#closing) return;
    this.#log.debug({ file, deleted: p.deleted }, 'watcher:event');
    try {
      if (p.deleted) this.#opts.onDelete(file);
      else this.#opts.onChange(file);
    } catch (err) {
      this.#log.error({ err: coerceError(err), file }, 'watcher:callback:failed');
    }
  }
}
