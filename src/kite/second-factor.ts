/**
 * Which second factor Kite asks for, and whether it is the one this tool answers. Kite's
 * answer to the password names it (`data.twofa_type`, and the choices in
 * `data.twofa_types`); the page's own words are a second opinion. Pure.
 */

/** What Kite's answer to the password said of the second factor; `{}`: it was read and names none (an older answer). */
export interface AskedFactor { type?: string | undefined; types?: readonly string[] | undefined }

/**
 * `totp: true`: type the code. Otherwise no code is typed: `stop`, Kite (or, without a word
 * from Kite, the page itself) names another factor and the account stops (TOTP_NOT_ENABLED);
 * without `stop`, what is asked for is unclear (Kite and the page disagree, or Kite's answer
 * could not be read): the login ends there, nothing stopped, retried only when `retry`.
 */
export type FactorVerdict =
  | { totp: true }
  | { totp: false; stop: true; asked: string }
  | { totp: false; stop: false; retry: boolean; why: string };

/** The second factors Kite is known to name; `totp` is the only one a TOTP secret answers. */
const KNOWN: Readonly<Record<string, string>> = {
  totp: 'an external TOTP',
  app_code: 'the Kite app\'s App Code',
  sms: 'an SMS OTP',
  otp: 'an OTP (sent by SMS or e-mail)',
  pin: 'the account\'s PIN',
  user_pin: 'the account\'s PIN',
};

/**
 * A field the page itself calls one of these is never a TOTP field (unless it also says TOTP or
 * authenticator). Not "PIN": Kite's pages of 2019-2021 called the 6-digit second factor's field
 * that; whether Kite wants a PIN is in its answer (`pin`, `user_pin`).
 */
const NOT_TOTP_WORDS = /\bapp\s*code\b|\bkite\s+app\b|\bsms\b|\botp\s+(?:sent|has\s+been\s+sent)|sent\s+to\s+your\s+(?:phone|mobile|e-?mail)|\bmobile\s+otp\b|\be-?mail\s+otp\b/i;
/** Said on the screen, these mean a code was sent to the phone: never a TOTP (a footer's "SMS alerts" or "App Code" link is not). */
const NOT_TOTP_SCREEN = /\botp\s+(?:has\s+been\s+)?sent\s+to|\bsent\s+(?:an?\s+)?(?:otp|code)\s+to\s+your|\bsent\s+to\s+your\s+(?:phone|mobile|registered)/i;
/** The page clearly asks for an authenticator's code. */
const TOTP_WORDS = /external\s+totp|\btotp\b|authenticator/i;

/** Reads `data.twofa_type` and `data.twofa_types` from the text of Kite's answer to the password; undefined when it could not be read. */
export function askedFactorOf(body: string | undefined): AskedFactor | undefined {
  if (!body) return undefined;
  let data: unknown;
  try {
    data = (JSON.parse(body) as { data?: unknown }).data;
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return {};
  const record = data as Record<string, unknown>;
  const type = typeof record['twofa_type'] === 'string' ? record['twofa_type'].trim().toLowerCase() : undefined;
  const list = Array.isArray(record['twofa_types']) ? record['twofa_types'].filter((t): t is string => typeof t === 'string').map((t) => t.trim().toLowerCase()) : undefined;
  return { ...(type === undefined ? {} : { type }), ...(list === undefined ? {} : { types: list }) };
}

/**
 * Type a TOTP code only when Kite asked for one and the page does not call the field something
 * else. The type Kite names (`twofa_type`) is the form its page shows and posts: another known
 * factor stops the account; `totp` with a field the page calls an App Code or an SMS OTP is a
 * disagreement (nothing typed, nothing stopped: innocent wording must not stop an account). With
 * only the choices (`twofa_types`): none of them TOTP stops; TOTP among others needs a page that
 * asks for it. A type this tool does not know is not TOTP, unless the page clearly asks for an
 * external TOTP. With no word from Kite, the page decides: a field or screen that names another
 * factor stops, one that names TOTP is typed, and a neutral one is typed only when Kite's answer
 * was read (an older answer without the fields); not read, another attempt may read it.
 */
export function judgeSecondFactor(asked: AskedFactor | undefined, page: { field: string; screen: string }): FactorVerdict {
  const fieldTotp = TOTP_WORDS.test(page.field);
  const fieldOther = NOT_TOTP_WORDS.test(page.field) && !fieldTotp;
  const screenOther = NOT_TOTP_SCREEN.test(page.screen) && !fieldTotp;
  const pageTotp = TOTP_WORDS.test(`${page.field} ${page.screen}`) && !fieldOther && !screenOther;
  const pageCalls = fieldOther ? `"${wordsOf(page.field)}"` : screenOther ? `"${wordsOf(page.screen)}"` : undefined;
  const stop = (asked: string): FactorVerdict => ({ totp: false, stop: true, asked });
  const unclear = (why: string, retry: boolean): FactorVerdict => ({ totp: false, stop: false, retry, why: `${why}; no code was typed and the account is not stopped.` });
  const types = (asked?.types ?? []).filter((t) => t !== '');
  const named = (asked?.type || undefined) ?? (types.length === 1 ? types[0] : undefined);
  if (named === 'totp') {
    return pageCalls === undefined ? { totp: true } : unclear(`Kite asks for an external TOTP, but the page calls the code ${pageCalls}`, false);
  }
  if (named !== undefined) {
    if (!Object.hasOwn(KNOWN, named) && pageTotp) return { totp: true };
    const choices = types.length > 1 ? `, it offers ${types.join(', ')}` : '';
    const words = pageCalls ? `, the page calls it ${pageCalls}` : '';
    const detail = choices || words ? ` (${`${choices}${words}`.slice(2)})` : '';
    return stop(`${Object.hasOwn(KNOWN, named) ? KNOWN[named] : `"${named.slice(0, 30)}"`}${detail}`);
  }
  if (types.length > 1) {
    if (!types.includes('totp')) return stop(`one of ${types.join(', ')} (not an external TOTP)`);
    return fieldTotp && !fieldOther ? { totp: true } : unclear(`Kite offers ${types.join(', ')} without naming one, and the code field does not say it is an external TOTP`, false);
  }
  // Without a word from Kite the page's words never stop the account (a warning about OTPs sent to your mobile is common): no code, no stop.
  if (pageCalls !== undefined) return unclear(`Kite's answer names no second factor and the page calls the code ${pageCalls} (if external TOTP is not enabled on the account, enable it)`, asked === undefined);
  if (pageTotp || asked !== undefined) return { totp: true };
  return unclear('Kite\'s answer to the password could not be read in time, and the page does not say which second factor it asks for', true);
}

function wordsOf(text: string): string {
  return (NOT_TOTP_WORDS.exec(text)?.[0] ?? NOT_TOTP_SCREEN.exec(text)?.[0] ?? text).slice(0, 40);
}
