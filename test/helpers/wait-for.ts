// Polls a condition until it holds or a deadline passes; for integration tests on real processes and sockets.

export interface WaitForOptions {
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** @defaultValue 10 */
  intervalMs?: number;
  /** Names the condition in the timeout error. */
  message?: string;
}

/** Resolves with the first value of `condition` other than false/null/undefined; rejects after timeoutMs naming `message`. */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor: ${options.message ?? 'condition'} not met within ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
}

/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
