/**
 * One budget for stopping: SIGTERM to the daemon, and everything it started is gone within it.
 * The morning in progress is told at once (its attempt process gets SIGTERM and closes its
 * browser); an attempt process still alive at KILL_AFTER_MS gets SIGKILL; the daemon waits for
 * the morning at most SHUTDOWN_BUDGET_MS, then clears its record and exits. Docker's
 * stop_grace_period (compose.yaml), systemd's TimeoutStopSec and Kubernetes'
 * terminationGracePeriodSeconds (30 s each) leave room above it.
 */
export const SHUTDOWN_BUDGET_MS = 20_000;

/** When, within a budget, an attempt process that ignored SIGTERM is killed: early enough that the daemon sees it go. */
export function killAfterMs(budgetMs: number = SHUTDOWN_BUDGET_MS): number {
  return Math.floor(budgetMs * 0.75);
}
