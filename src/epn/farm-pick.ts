// Which farm process gets a check: the pick-a-process policy on its own, so it can be read (and changed) without
// the pool's lifecycle code around it. It sees only what it needs of a process (PickCandidate).

/**
 * A process holding the plugin compiled is preferred while it has at most this many more checks in flight than
 * the least busy one: past that, one compile elsewhere (milliseconds) is cheaper than queueing on one loop.
 */
export const PREFER_COMPILED_MAX_EXTRA = 2;

export interface PickCandidate {
  readonly accepting: boolean;
  readonly compiling: boolean;
  readonly inFlight: number;
  hasCompiled(file: string): boolean;
}

/**
 * The process for a check of `file`, or undefined when none takes work: a process that holds `file` compiled
 * when it is about as free as the rest, else the least busy one; compiling and retiring processes rank last.
 */
export function pickProcess<P extends PickCandidate>(procs: Iterable<P>, file: string, retiring: (p: P) => boolean): P | undefined {
  let least: P | undefined;
  let warm: P | undefined;
  const rank = (p: P): number => (p.compiling ? 1e6 : 0) + (retiring(p) ? 0.5 : 0) + p.inFlight;
  for (const p of procs) {
    if (!p.accepting) continue;
    if (least === undefined || rank(p) < rank(least)) least = p;
    if (p.hasCompiled(file) && !p.compiling && (warm === undefined || rank(p) < rank(warm))) warm = p;
  }
  if (warm && least && warm.inFlight <= least.inFlight + PREFER_COMPILED_MAX_EXTRA) return warm;
  return least;
}
