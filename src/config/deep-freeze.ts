// Deep Object.freeze, so no subsystem can change the config another one reads (fastify freezes its
// validated options the same way). In ESM strict mode a write to a frozen object throws TypeError.

/** Freezes `value` and every object or array reachable from it; returns it for chaining. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
