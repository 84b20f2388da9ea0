// How the benches choose the run that counts and print it: among re-runs of a disturbed variant the cleanest
// one, among repeats the median by rate, and Markdown table heads.

interface Run {
  error?: string;
  rate: number;
}

/** Whether `f` should replace `best`: any run beats none, one without error beats one with, then less other load. */
export function isCleaner<T extends Run>(f: T, best: T | undefined, others: (x: T) => number): boolean {
  return best === undefined || (f.error === undefined && (best.error !== undefined || others(f) < others(best)));
}

/** The runs without error sorted by rate, and their median (the first run when all failed). */
export function medianRun<T extends Run>(runs: readonly T[]): { median: T; ok: T[] } {
  const ok = runs.filter((x) => x.error === undefined).sort((a, b) => a.rate - b.rate);
  return { median: ok[Math.floor((ok.length - 1) / 2)] ?? (runs[0] as T), ok };
}

/** A Markdown table's head and alignment lines: columns whose name matches `textColumns` left, the rest right. */
export function tableHead(head: readonly string[], textColumns: RegExp): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map((h) => (textColumns.test(h) ? ' --- ' : ' ---: ')).join('|')}|`];
}
