import type { Shape } from './shape.js';

/** What one login against a fuzzed page did, from the CLI's exit and the simulator's record. */
export interface ShapeRun {
  exitCode: number | null;
  apiLogin: number;
  apiTwofa: number;
  /** `input` events the page reported (any field). */
  typed: number;
  /** Harmful controls clicked (overlay buttons, "Change" links). */
  harm: number;
}

/**
 * The referee: a solvable page must end in exit 0 with exactly one password and one code
 * sent; an unsolvable one (a captcha) in exit 4 with nothing typed and nothing sent.
 */
export function judgeShapeRun(shape: Shape, run: ShapeRun): { pass: boolean; problems: string[] } {
  const problems: string[] = [];
  if (shape.solvable) {
    if (run.exitCode !== 0) problems.push(`exit ${String(run.exitCode)}, expected 0`);
    if (run.apiLogin !== 1) problems.push(`${run.apiLogin} api-login, expected 1`);
    if (run.apiTwofa !== 1) problems.push(`${run.apiTwofa} api-twofa, expected 1`);
  } else {
    if (run.exitCode !== 4) problems.push(`exit ${String(run.exitCode)}, expected 4`);
    if (run.typed !== 0) problems.push(`${run.typed} input events, expected none`);
    if (run.apiLogin !== 0) problems.push(`${run.apiLogin} api-login, expected 0`);
    if (run.apiTwofa !== 0) problems.push(`${run.apiTwofa} api-twofa, expected 0`);
  }
  return { pass: problems.length === 0, problems };
}
