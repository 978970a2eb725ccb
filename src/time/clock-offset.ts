/** Beyond this the offset is worth a warning: codes are still right (made on Kite's clock), but the machine's clock is not. */
export const CLOCK_WARN_OFFSET_MS = 3_000;

/** A sentence for logs, `status` and alerts. */
export function describeOffset(offsetMs: number): string {
  const seconds = Math.abs(offsetMs / 1000).toFixed(1);
  return `this machine's clock is ${seconds}s ${offsetMs > 0 ? 'behind' : 'ahead of'} Kite's`;
}

export const CLOCK_FIX_HINT = 'fix it with NTP (timedatectl set-ntp true, or chrony); TOTP codes are made on Kite\'s clock meanwhile';

/** A line for an alert, when the last measured offset is worth one. */
export function clockNote(offsetMs: number | undefined): string | undefined {
  if (offsetMs === undefined || Math.abs(offsetMs) <= CLOCK_WARN_OFFSET_MS) return undefined;
  return `Clock: ${describeOffset(offsetMs)}; ${CLOCK_FIX_HINT}.`;
}
