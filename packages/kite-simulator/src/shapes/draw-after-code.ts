import {
  CONSENT_DECOYS, OFFER_SETUP, OFFERS,
  type AfterCodeStep, type ConsentAccept, type ConsentDecoy, type ConsentStep, type Offer, type OfferDecoy, type OfferSkip, type OfferStep,
} from '../after-code.js';
import type { Rng } from './random.js';
import type { DrawContext } from './draw-context.js';

/** What comes after the code: nothing but the app's Authorize page, consent in other words, offers, or both. */
export const AFTER_CODE_WEIGHTS = [['none', 40], ['consent', 25], ['offers', 20], ['both', 15]] as const;
const ACCEPT_WEIGHTS: readonly (readonly [ConsentAccept, number])[] = [
  ['Authorize', 10], ['Authorise', 10], ['Allow', 14], ['Allow access', 14], ['Grant access', 14], ['Continue', 14], ['Approve', 12], ['Yes, allow', 12],
];
const SKIP_WEIGHTS: readonly (readonly [OfferSkip, number])[] = [
  ['Not now', 22], ['Skip', 18], ['Later', 12], ['Maybe later', 16], ['Remind me later', 12], ['×', 20],
];

/** `n` distinct values of `values`, in a random order. */
function distinct<T>(rng: Rng, values: readonly T[], n: number): T[] {
  const pool = [...values];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(...pool.splice(rng.int(0, pool.length - 1), 1));
  return out;
}

function drawConsent(rng: Rng): ConsentStep {
  const accept = rng.weighted(ACCEPT_WEIGHTS);
  const decoys: ConsentDecoy[] = distinct(rng, CONSENT_DECOYS, rng.weighted([[0, 30], [1, 45], [2, 25]] as const));
  return { kind: 'consent', accept, decoys, acceptLast: rng.chance(0.5) };
}

function drawOffer(rng: Rng, offer: Offer): OfferStep {
  const skip = rng.weighted(SKIP_WEIGHTS);
  const own = OFFER_SETUP[offer];
  const decoys: OfferDecoy[] = own.length > 1 && rng.chance(0.5) ? [rng.pick(own)] : [...own];
  if (rng.chance(0.35)) decoys.splice(rng.int(0, decoys.length), 0, rng.pick(['Log out', 'Cancel'] as const));
  return { kind: 'offer', offer, skip, decoys, skipFirst: rng.chance(0.5) };
}

/** The steps after the code (their own area), in the order the session meets them. */
export function drawAfterCode(ctx: DrawContext): AfterCodeStep[] {
  const rng = ctx.r('after-code');
  const what = rng.weighted(AFTER_CODE_WEIGHTS);
  if (what === 'none') return [];
  const steps: AfterCodeStep[] = what === 'consent' ? [] : distinct(rng, OFFERS, rng.weighted([[1, 45], [2, 35], [3, 20]] as const)).map((offer) => drawOffer(rng, offer));
  if (what !== 'offers') steps.splice(rng.int(0, steps.length), 0, drawConsent(rng));
  return steps;
}
