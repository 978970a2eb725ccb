import { timingSafeEqual } from 'node:crypto';
import type { ApiAnswer } from './api-answer.js';
import { totpMatches } from './totp.js';

/**
 * The second factors Kite asks for (kite-facts, "The second factor Kite asks for"): external
 * TOTP, the Kite app's in-app App Code (a TOTP inside Zerodha's mobile app), and an SMS OTP.
 * Only external TOTP can be automated; the other two are never answered by a TOTP secret.
 */
export const SECOND_FACTORS = ['totp', 'app_code', 'sms'] as const;
export type SecondFactor = (typeof SECOND_FACTORS)[number];

/** What an account's second factor needs to be checked: which one, and the values a test handed in. */
export interface FactorAccount {
  twofa?: SecondFactor | undefined;
  totpSecret: string;
  appCode?: string | undefined;
  smsCode?: string | undefined;
}

/**
 * `data.twofa_type` and `data.twofa_types` of Kite's answer to the password. An account with
 * external TOTP is offered TOTP only; one without is offered the App Code and an SMS OTP (the
 * one it uses first), as the one recorded answer of such an account reads.
 */
export function factorsOffered(factor: SecondFactor): { twofa_type: SecondFactor; twofa_types: SecondFactor[] } {
  switch (factor) {
    case 'totp': return { twofa_type: 'totp', twofa_types: ['totp'] };
    case 'app_code': return { twofa_type: 'app_code', twofa_types: ['app_code', 'sms'] };
    case 'sms': return { twofa_type: 'sms', twofa_types: ['sms', 'app_code'] };
  }
}

/** A second factor that was not accepted, as Kite answers it; every one counts toward the five. */
export type FactorRejection = Extract<ApiAnswer['body'], { status: 'error' }> & { httpStatus: number };

/**
 * Checks one posted second factor. `postedType` is the form's `twofa_type`: empty or missing
 * means the factor Kite named (a script that leaves it out of its post). A type Kite did not
 * offer is "The requested 2FA type is not available", and it counts as a wrong second factor:
 * the facts say a TOTP typed where Kite asked for the App Code counts toward the five, and the
 * simulator is strict. An App Code or SMS OTP is right only when the test handed one in
 * (`appCode`, `smsCode`); without one, every value is wrong.
 */
export function checkSecondFactor(account: FactorAccount, factor: SecondFactor, postedType: string | undefined, value: string, now: number, skewWindows: number): FactorRejection | undefined {
  const type = postedType === undefined || postedType === '' ? factor : postedType;
  const offered: readonly string[] = factorsOffered(factor).twofa_types;
  if (!offered.includes(type)) return rejection(400, 'InputException', 'The requested 2FA type is not available');
  switch (type as SecondFactor) {
    case 'totp':
      return totpMatches(account.totpSecret, value, now, skewWindows) ? undefined : rejection(403, 'TwoFAException', 'Invalid TOTP');
    case 'app_code':
      return sameSecret(value, account.appCode) ? undefined : rejection(403, 'TwoFAException', 'Invalid app code');
    case 'sms':
      return sameSecret(value, account.smsCode) ? undefined : rejection(403, 'TwoFAException', 'Invalid OTP');
  }
}

function rejection(httpStatus: number, errorType: string, message: string): FactorRejection {
  return { httpStatus, status: 'error', message, data: null, error_type: errorType };
}

function sameSecret(value: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const left = Buffer.from(value);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}
