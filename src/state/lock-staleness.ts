/**
 * A lock not refreshed for this long is stale (its holder died or was paused). On its own so
 * that `status` and `health`, which only look at a lock, do not load the lock's code.
 */
export const DEFAULT_STALE_MS = 20_000;

/** How long a login waits for another process's login of the same account before giving up (LOCKED). */
export const DEFAULT_LOCK_WAIT_MS = 180_000;
