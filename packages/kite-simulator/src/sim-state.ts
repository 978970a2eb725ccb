import type { IncomingHttpHeaders } from 'node:http';
import type { StepPress } from './after-code.js';
import type { BackgroundHit } from './background.js';
import type { Faults } from './faults.js';
import type { KiteRules } from './kite-rules.js';
import type { PageVariant } from './page-variants.js';
import type { Shape } from './shapes/shape-types.js';

/** One browser's visit to the login app, keyed by its kf_session cookie and by its sess_id. */
export interface BrowserSession {
  sessId: string;
  apiKey: string;
  redirectParams: string | undefined;
  /** Set once the second factor passed: Kite knows whose browser this is from then on. */
  userId?: string;
  /** How many steps after the code this session has passed (its place in the plan). */
  stepsDone?: number;
  /** The decoy pressed after the code: the session then never reaches a token. */
  spoiled?: string;
}

/** Everything the routes read or change; `variant`, `shapeSeed` and `now` follow the simulator's current settings. */
export interface SimState {
  readonly rules: KiteRules;
  readonly faults: Faults;
  readonly variant: PageVariant;
  readonly shapeSeed: number | undefined;
  /** Kite's clock, epoch ms. */
  now(): number;
  readonly sessions: Map<string, BrowserSession>;
  readonly bySessId: Map<string, BrowserSession>;
  /** Times of recent API calls per api_key, for the rate limit. */
  readonly recentApiCalls: Map<string, number[]>;
  /** The page shape `shapeSeed` serves (drawn once per seed), or undefined. */
  shape(): Shape | undefined;
  /** Every press on a step page after the code. */
  readonly steps: StepPress[];
  /** Every background request of a page. */
  readonly background: BackgroundHit[];
}

/** One request, read in full (the body too) before any route sees it. */
export interface SimRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly form: URLSearchParams;
  readonly session: BrowserSession | undefined;
}
