import type { Shape } from './shape-types.js';

/** What one login against a fuzzed page did, from the CLI's exit and the simulator's record. */
export interface ShapeRun {
  exitCode: number | null;
  apiLogin: number;
  apiTwofa: number;
  /** `input` events the page reported (any field; one report per field's role and page load). */
  typed: number;
  /** Harmful controls clicked (overlay buttons, "Change" links). */
  harm: number;
  /** Reports of typing into the code field (`/fuzz/typed/code`). Not judged when absent. */
  typedCode?: number | undefined;
  /** Decoys pressed on the steps after the code (`sim.steps`, outcome `decoy`). Not judged when absent. */
  decoys?: number | undefined;
  /** Background requests that carried a secret (`sim.background`): the page's fault, never allowed. */
  backgroundSecrets?: number | undefined;
  /** The error code the CLI printed ("kite-autologin: CODE: ..."), if any. Not judged when absent. */
  errorCode?: string | undefined;
}

/** What a login against the shape must end in. */
export type ShapeExpectation =
  | { kind: 'login' }
  | { kind: 'stop-no-totp'; exitCode: 3; errorCode: 'TOTP_NOT_ENABLED' }
  | { kind: 'captcha'; exitCode: 4 };

export function shapeExpectation(shape: Shape): ShapeExpectation {
  if (!shape.solvable) return { kind: 'captcha', exitCode: 4 };
  if (shape.secondFactor !== 'totp') return { kind: 'stop-no-totp', exitCode: 3, errorCode: 'TOTP_NOT_ENABLED' };
  return { kind: 'login' };
}

/**
 * The referee: a solvable TOTP page must end in exit 0 with exactly one password and one
 * code sent; a page that asks for the App Code or an SMS OTP in a stop (exit 3,
 * TOTP_NOT_ENABLED) with one password sent, no code sent and nothing typed into the code
 * field; an unsolvable one (a captcha) in exit 4 with nothing typed and nothing sent. Any run
 * fails that pressed a decoy after the code or a harmful control, or whose page leaked a
 * secret in a background request.
 */
export function judgeShapeRun(shape: Shape, run: ShapeRun): { pass: boolean; problems: string[] } {
  const problems: string[] = [];
  const expected = shapeExpectation(shape);
  switch (expected.kind) {
    case 'login':
      if (run.exitCode !== 0) problems.push(`exit ${String(run.exitCode)}, expected 0`);
      if (run.apiLogin !== 1) problems.push(`${run.apiLogin} api-login, expected 1`);
      if (run.apiTwofa !== 1) problems.push(`${run.apiTwofa} api-twofa, expected 1`);
      break;
    case 'stop-no-totp':
      if (run.exitCode !== expected.exitCode) problems.push(`exit ${String(run.exitCode)}, expected ${expected.exitCode} (${shape.secondFactor}: no TOTP to give)`);
      if (run.errorCode !== undefined && run.errorCode !== expected.errorCode) problems.push(`error ${run.errorCode || 'none'}, expected ${expected.errorCode}`);
      if (run.apiLogin !== 1) problems.push(`${run.apiLogin} api-login, expected 1`);
      if (run.apiTwofa !== 0) problems.push(`${run.apiTwofa} api-twofa, expected 0 (a TOTP where Kite asked for ${shape.secondFactor} counts as wrong)`);
      if ((run.typedCode ?? 0) !== 0) problems.push('typed into the code field, expected nothing');
      break;
    case 'captcha':
      if (run.exitCode !== expected.exitCode) problems.push(`exit ${String(run.exitCode)}, expected ${expected.exitCode}`);
      if (run.typed !== 0) problems.push(`${run.typed} input events, expected none`);
      if (run.apiLogin !== 0) problems.push(`${run.apiLogin} api-login, expected 0`);
      if (run.apiTwofa !== 0) problems.push(`${run.apiTwofa} api-twofa, expected 0`);
      break;
  }
  if (run.harm !== 0) problems.push(`${run.harm} harmful control(s) clicked, expected none`);
  if ((run.decoys ?? 0) !== 0) problems.push(`${String(run.decoys)} decoy(s) pressed after the code, expected none`);
  if ((run.backgroundSecrets ?? 0) !== 0) problems.push(`${String(run.backgroundSecrets)} background request(s) carried a secret`);
  return { pass: problems.length === 0, problems };
}
