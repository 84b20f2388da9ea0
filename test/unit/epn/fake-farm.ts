// Shared by the epn unit tests: where the fake farm is (test/fixtures/epn-fake/fake-farm.pl) and short timers.
import { fileURLToPath } from 'node:url';

export const FAKE_FARM = fileURLToPath(new URL('../../fixtures/epn-fake/fake-farm.pl', import.meta.url));

/** Short timers so the failure paths finish fast. */
export const FAST = { answerSlackMs: 300, exitTimeoutMs: 1000, startTimeoutMs: 3000 } as const;
