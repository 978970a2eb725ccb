export { startSimulator, type RecordedRequest, type Simulator, type SimulatorOptions } from './server.js';
export type { ReceivedRequest, WaitOptions } from './request-log.js';
export { KiteRules, type ApiAnswer, type RulesOptions, type SimAccount, type SimApp } from './kite-rules.js';
export { PAGE_VARIANTS, isPageVariant, type PageVariant } from './page-variants.js';
export { ROUTES, type Faults, type PageDialog, type PageFaults, type PageLockUp, type RouteFault, type RouteName } from './faults.js';
export { sandboxAccount } from './sandbox-account.js';
export { simAccounts, simApps, type SimAccountsOptions, type SimAppsOptions } from './many-accounts.js';
export { accountEnv, accountsFileEntry, cliEnvFor, simulatorEnv } from './cli-env.js';
export { kiteLoginTime, sessionEndAfter } from './kite-clock.js';
export { totpAt, totpMatches } from './totp.js';
export { generateShape, shapeFeatures, SHAPE_DIMENSIONS, judgeShapeRun, type Shape, type ShapeRun } from './shapes/index.js';
export { SECOND_FACTORS, factorsOffered, type SecondFactor } from './second-factor.js';
export {
  CONSENT_ACCEPTS, CONSENT_DECOYS, OFFER_DECOYS, OFFER_SKIPS, OFFERS, stepControls, stepPlan,
  type AfterCodeStep, type ConsentStep, type OfferStep, type StepControl, type StepPress,
} from './after-code.js';
export { BACKGROUND_PATHS, type BackgroundHit } from './background.js';
