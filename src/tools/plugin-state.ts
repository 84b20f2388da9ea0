// Nagios plugin states and the small helpers the check tools share.

export const STATE = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type PluginState = (typeof STATE)[keyof typeof STATE];

const NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

/** `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`. */
export function stateName(state: PluginState): string {
  return NAMES[state];
}

/** The worse of two states: CRITICAL > WARNING > UNKNOWN > OK (not the numeric order of the codes). */
export function worstState(a: PluginState, b: PluginState): PluginState {
  const rank = (s: PluginState): number => [0, 2, 3, 1][s] as number;
  return rank(a) >= rank(b) ? a : b;
}

/** What a check tool prints (one line, no newline) and exits with. */
export interface PluginResult {
  readonly state: PluginState;
  readonly line: string;
}

/** `1 job` / `2 jobs`: the C tools' plural rule. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Resolves with `work`, or with `onTimeout()` when it takes longer than `ms` (the timer is cleared either way). */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
