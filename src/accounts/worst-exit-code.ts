import { ExitCode } from '../errors/autologin-error.js';

/**
 * From most to least serious. 3 first: it says "do not re-run blindly" (an account may be
 * one wrong attempt from blocked), which another account's failure must never hide. Then
 * 2 (a fix is needed), 4 (a page to look at), 1 (running again later is safe).
 */
const ORDER: readonly number[] = [ExitCode.REJECTED, ExitCode.CONFIG, ExitCode.PAGE_UNRECOGNISED, ExitCode.FAILURE];

/**
 * The exit code of a run over many accounts: 0 when every account's code is 0, else the
 * most serious: 3, then 2, 4, 1; then any other non-zero code (none is expected; the
 * lowest first); 130 (interrupted) last, since an interruption says nothing about an
 * account's health and must not hide a failure found before it. A run whose only
 * failures are interruptions exits 130, so a supervisor still sees it was cut short.
 * An empty list gives 0.
 */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (code: number): number => {
    const known = ORDER.indexOf(code);
    if (known >= 0) return known;
    return code === ExitCode.INTERRUPTED ? Number.MAX_SAFE_INTEGER : ORDER.length + Math.abs(code);
  };
  let worst: number = ExitCode.OK;
  for (const code of codes) {
    if (code === ExitCode.OK) continue;
    if (worst === ExitCode.OK || rank(code) < rank(worst)) worst = code;
  }
  return worst;
}
