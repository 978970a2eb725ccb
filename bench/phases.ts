/** The phases of one login, in ms, from the CLI's own JSON log lines. */
export interface LoginPhases {
  'browser launch': number;
  'login page ready': number;
  'credentials accepted': number;
  'second factor accepted': number;
  'request_token captured': number;
  exchange: number;
  'profile check': number;
  'token saved': number;
  /** Closing starts when the request_token is captured and runs alongside the exchange. */
  'browser closed': number;
  /** Waiting for a fresh TOTP window: reported apart, not active time. */
  'totp window wait': number;
  /** From "login started" until the token is saved and the browser closed, less the TOTP wait. */
  active: number;
}

export const PHASE_NAMES = [
  'browser launch', 'login page ready', 'credentials accepted', 'second factor accepted', 'request_token captured',
  'exchange', 'profile check', 'token saved', 'browser closed',
] as const;

export function phasesFromLog(stderr: string): LoginPhases {
  const at = new Map<string, number>();
  let waited = 0;
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { time: string; msg: string; step?: string; waitedMs?: number };
    const t = Date.parse(entry.time);
    if (entry.msg === 'login started') at.set('start', t);
    if (entry.step && entry.msg.startsWith('step done')) at.set(entry.step, t);
    if (entry.step === 'totp-wait') waited = entry.waitedMs ?? 0;
  }
  const t = (step: string): number => {
    const value = at.get(step);
    if (value === undefined) throw new Error(`no "${step}" in the log`);
    return value;
  };
  return {
    'browser launch': t('browser-launch') - t('start'),
    'login page ready': t('login-page') - t('browser-launch'),
    'credentials accepted': t('credentials') - t('login-page'),
    'second factor accepted': t('second-factor') - t('credentials') - waited,
    'request_token captured': t('redirect') - t('second-factor'),
    exchange: t('exchange') - t('redirect'),
    'profile check': t('profile') - t('exchange'),
    'token saved': t('save') - t('profile'),
    'browser closed': t('browser-closed') - t('redirect'),
    'totp window wait': waited,
    active: Math.max(t('save'), t('browser-closed')) - t('start') - waited,
  };
}
