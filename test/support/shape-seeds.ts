import { generateShape } from '@kite-autologin/simulator/shapes';

/**
 * The seeds the real CLI must pass (test/e2e/page-shapes.spec.ts), the one list to edit.
 *
 * The first 32 were picked before the second factor, the steps after the code, the late
 * dialogs and the background requests existed: 26 solvable, picked greedily from seeds 0-399
 * so that together they show every value of every dimension of SHAPE_DIMENSIONS then, then
 * each host with each overlay position, code kind, code submission, step order, control kind,
 * label mechanism, overlay style and form/no form as far as 26 seeds go; then 6 captchas,
 * before and with the form, in every kind of host. Those dimensions draw what they drew then
 * (each new one draws from an area of its own, and the second factor's area is the one that
 * leaves all 26 on TOTP), but most of these seeds now also have some of the new dimensions.
 */
const FIRST_FIXED_SEEDS = [
  1, 66, 351, 104, 342, 168, 49, 120, 92, 384, 141, 157, 58, 17, 271, 212, 21, 136, 370, 378, 63, 90, 2, 14, 32, 46,
  22, 52, 148, 78, 88, 116,
] as const;

/**
 * Seeds for the dimensions added later, picked greedily from the solvable seeds 400-5999 that
 * have exactly one of them (the second factor, the steps after the code, a late dialog,
 * background requests, a code screen that stays after the code was accepted), so that each
 * shows its own clearly; together they show every value of each, every offer, every skip, and
 * background requests on every event. The code screen's stay came last: it draws from an area
 * of its own, so some earlier seeds have it too (the stay changes nothing else they show).
 */
export const NEW_DIMENSION_SEEDS: readonly { seed: number; shows: string }[] = [
  { seed: 433, shows: 'App Code asked for (Kite answers app_code): stop, exit 3, no code typed; the page would send a code by itself at the sixth digit' },
  { seed: 1060, shows: 'SMS OTP asked for (Kite answers sms): stop, exit 3, no code; the code field carries the misleading id "userid"' },
  { seed: 875, shows: '3 offers (trust this device "Not now"; notifications "×" beside "Allow notifications"; tour "Remind me later"), then consent "Allow" beside "Go to dashboard" and "Deny"' },
  { seed: 1204, shows: 'consent "Authorize" beside "Not you? Log out", then 2 offers (tour "Skip" beside "Log out"; passkey "Maybe later")' },
  { seed: 400, shows: 'consent "Allow access" after "Not you? Log out"' },
  { seed: 428, shows: 'consent "Approve", no decoy' },
  { seed: 549, shows: 'consent "Continue" beside "Deny" and "Go to dashboard"' },
  { seed: 460, shows: 'a trust-this-device offer ("Not now" beside "Log out"), then consent "Authorise"' },
  { seed: 590, shows: 'a tour offer ("Skip"), then consent "Yes, allow"' },
  { seed: 631, shows: 'consent "Grant access" beside "Cancel", then a passkey offer ("Remind me later")' },
  { seed: 1743, shows: 'one offer (tour), skipped with "Later", then the app\'s Authorize page' },
  { seed: 434, shows: 'late dialog at load, over the credentials, dismissed by "×" (aria-label Close)' },
  { seed: 666, shows: 'late dialog at the first pointer move on the code screen ("Dismiss")' },
  { seed: 2959, shows: 'late dialog a moment after the user id screen is complete ("OK")' },
  { seed: 1612, shows: 'late dialog at the first key in the password field ("Got it")' },
  { seed: 498, shows: 'late dialog at the first key in the credentials form, six code boxes ("Close")' },
  { seed: 711, shows: 'background XHRs and a beacon, to /api/ and other paths, on load, focus, input and submit, two dropped' },
  { seed: 535, shows: 'a beacon to an /api/ path on load, answered 500' },
  { seed: 5185, shows: 'XHR posts (not /api/) on input and submit, one answered 500, one dropped' },
  { seed: 422, shows: 'two fetch posts (not /api/) at every submission, one dropped' },
  { seed: 595, shows: 'the code screen stays 1.1 s after the code was accepted, its six boxes still filled (they submitted at the sixth digit)' },
  { seed: 1002, shows: 'the code screen stays 0.3 s after the code was accepted, six boxes, with "Verifying…"' },
  { seed: 625, shows: 'the code screen stays 0.9 s after the code was accepted, one field and its "Continue" (no consent: pressing it would post the code again)' },
  { seed: 1592, shows: 'the code screen stays 1 s after the code was accepted, one field that submitted by itself, and a "Continue"' },
];

export const FIXED_SEEDS: readonly number[] = [...FIRST_FIXED_SEEDS, ...NEW_DIMENSION_SEEDS.map((s) => s.seed)];

/** The 60 seeds on which the oracle proves the fuzzer: every fixed seed, then the lowest others. */
export const ORACLE_SEEDS: readonly number[] = [
  ...FIXED_SEEDS,
  ...Array.from({ length: 60 }, (_, i) => i).filter((s) => !FIXED_SEEDS.includes(s)).slice(0, Math.max(0, 60 - FIXED_SEEDS.length)),
];

/** Seeds whose harmful control the oracle clicks: one that leaves for /dashboard, one that starts over. */
export function harmSeeds(): { seed: number; effect: 'dashboard' | 'reset' }[] {
  const out: { seed: number; effect: 'dashboard' | 'reset' }[] = [];
  for (const effect of ['dashboard', 'reset'] as const) {
    for (let seed = 0; seed < 500; seed += 1) {
      const shape = generateShape(seed);
      if (shape.solvable && shape.secondFactor === 'totp' && shape.overlays[0]?.harmEffect === effect) {
        out.push({ seed, effect });
        break;
      }
    }
  }
  return out;
}

/**
 * Seeds (of `among`, by default the fixed seeds of the new dimensions) whose first decoy after
 * the code the oracle presses: the first whose first step with a decoy is a consent page, and
 * the first where it is an offer.
 */
export function decoySeeds(among: readonly number[] = NEW_DIMENSION_SEEDS.map((s) => s.seed)): { seed: number; on: 'consent' | 'offer' }[] {
  const out: { seed: number; on: 'consent' | 'offer' }[] = [];
  for (const on of ['consent', 'offer'] as const) {
    const seed = among.find((s) => {
      const shape = generateShape(s);
      const first = shape.afterCode.find((step) => step.kind === 'offer' || (step.decoys?.length ?? 0) > 0);
      return shape.secondFactor === 'totp' && first?.kind === on;
    });
    if (seed !== undefined) out.push({ seed, on });
  }
  return out;
}
