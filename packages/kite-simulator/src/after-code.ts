/**
 * Steps Kite shows after the second factor was accepted and before the final redirect: the
 * app's consent page (in many words) and optional offers a person clicks through. Each step
 * has one control that goes on (consent given, offer skipped) and decoys that must not be
 * pressed: a decoy sets something up, cancels or leaves, and the login then ends with no token.
 */

/** Words of the control that gives the app consent. */
export const CONSENT_ACCEPTS = ['Authorize', 'Authorise', 'Allow', 'Allow access', 'Grant access', 'Continue', 'Approve', 'Yes, allow'] as const;
export type ConsentAccept = (typeof CONSENT_ACCEPTS)[number];
/** Controls of a consent page that must not be pressed. */
export const CONSENT_DECOYS = ['Deny', 'Cancel', 'Not you? Log out', 'Go to dashboard'] as const;
export type ConsentDecoy = (typeof CONSENT_DECOYS)[number];

/** What an optional offer is about. */
export const OFFERS = ['passkey', 'trust-device', 'tour', 'notifications'] as const;
export type Offer = (typeof OFFERS)[number];
/** The choice that goes on without changing anything; `×` is a close control with aria-label "Close". */
export const OFFER_SKIPS = ['Not now', 'Skip', 'Later', 'Maybe later', 'Remind me later', '×'] as const;
export type OfferSkip = (typeof OFFER_SKIPS)[number];
/** Controls of an offer that set something up or leave. */
export const OFFER_DECOYS = ['Set up passkey', 'Trust this device', 'Start tour', 'Enable', 'Allow notifications', 'Log out', 'Cancel'] as const;
export type OfferDecoy = (typeof OFFER_DECOYS)[number];
/** Each offer's own control that sets it up (its default decoy). */
export const OFFER_SETUP: Record<Offer, readonly OfferDecoy[]> = {
  passkey: ['Set up passkey'],
  'trust-device': ['Trust this device'],
  tour: ['Start tour'],
  notifications: ['Enable', 'Allow notifications'],
};

export interface ConsentStep {
  kind: 'consent';
  /** The words of the control that gives consent. Default "Authorize". */
  accept?: ConsentAccept | undefined;
  /** Controls that must not be pressed. Default none (the page as it always was). */
  decoys?: readonly ConsentDecoy[] | undefined;
  /** The accept control comes after the decoys in the page. Default false. */
  acceptLast?: boolean | undefined;
  /** Shown even to a user who consented before. Default false: on the app's first login only, as Kite. */
  always?: boolean | undefined;
}

export interface OfferStep {
  kind: 'offer';
  offer: Offer;
  /** The choice that goes on without changing anything. Default "Not now". */
  skip?: OfferSkip | undefined;
  /** Controls that set something up or leave. Default: the offer's own set-up control(s). */
  decoys?: readonly OfferDecoy[] | undefined;
  /** The skip comes before the decoys in the page (a × always comes first, at the top). Default false. */
  skipFirst?: boolean | undefined;
}

export type AfterCodeStep = ConsentStep | OfferStep;

/** One control of a step page, in page order; `choice` is what its press posts. */
export interface StepControl {
  text: string;
  /** An accessible name besides the text (the × close control: "Close"). */
  ariaLabel: string | undefined;
  role: 'go-on' | 'decoy';
  choice: number;
}

/** A step's controls in page order. */
export function stepControls(step: AfterCodeStep): StepControl[] {
  const goOn = step.kind === 'consent' ? step.accept ?? 'Authorize' : step.skip ?? 'Not now';
  const decoys: readonly string[] = step.kind === 'consent' ? step.decoys ?? [] : step.decoys ?? OFFER_SETUP[step.offer];
  const first = step.kind === 'consent' ? !(step.acceptLast ?? false) : goOn === '×' || (step.skipFirst ?? false);
  const texts: [string, StepControl['role']][] = decoys.map((text) => [text, 'decoy']);
  if (first) texts.unshift([goOn, 'go-on']);
  else texts.push([goOn, 'go-on']);
  return texts.map(([text, role], choice) => ({ text, ariaLabel: text === '×' ? 'Close' : undefined, role, choice }));
}

/**
 * The steps a browser session goes through: the configured ones in order, and the app's own
 * consent at the end when none of them is a consent step (Kite's first-login approval).
 */
export function stepPlan(configured: readonly AfterCodeStep[]): AfterCodeStep[] {
  return configured.some((s) => s.kind === 'consent') ? [...configured] : [...configured, { kind: 'consent' }];
}

/** One press on a step page, as tests read it: no secret, the words pressed and what came of it. */
export interface StepPress {
  /** Kite's clock, epoch ms. */
  at: number;
  /** Whose session (a user id is not a secret). */
  userId: string | undefined;
  /** The step's place in the session's plan, from 0. */
  index: number;
  kind: AfterCodeStep['kind'];
  offer: Offer | undefined;
  /** The words of the control pressed ("×" for the close control). */
  pressed: string;
  /** `went-on`: consent given, or the offer skipped; `decoy`: something set up, cancelled or left. */
  outcome: 'went-on' | 'decoy';
}
