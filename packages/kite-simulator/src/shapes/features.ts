import { CONSENT_ACCEPTS, OFFER_SKIPS } from '../after-code.js';
import { SECOND_FACTORS } from '../second-factor.js';
import {
  CODE_LABELS, CODE_SUBMITS, CONTROL_KINDS, DISMISSES, HARMFULS, HOSTS, LABEL_MECHANISMS, LATE_DISMISSES, NAMINGS, OTHER_FACTOR_WORDS,
  OVERLAY_STYLES, STEPS, USER_LABELS,
  type FieldShape, type ScreenShape, type Shape,
} from './shape-types.js';

/** The dimensions the fuzzer varies and all their values: the unit test checks that each occurs. */
export const SHAPE_DIMENSIONS = {
  solvable: ['yes', 'no'],
  captcha: ['none', 'before', 'with'],
  host: HOSTS,
  steps: STEPS,
  form: ['form', 'no-form'],
  enter: ['submits', 'ignored'],
  control: CONTROL_KINDS,
  /** The text of the control that sends the password. */
  'login-text': ['Login', 'Log in', 'Sign in', 'Continue', 'Next', 'Submit', '→'],
  'code-text': ['none', 'Continue', 'Verify', 'Submit', 'Login', '→'],
  label: LABEL_MECHANISMS,
  'code-label': LABEL_MECHANISMS,
  'label-after': ['yes', 'no'],
  'user-label': USER_LABELS,
  'code-words': [...CODE_LABELS, OTHER_FACTOR_WORDS.app_code.label, OTHER_FACTOR_WORDS.sms.label],
  'user-id': NAMINGS.filter((n) => n !== 'misleading'),
  'code-id': NAMINGS,
  'class': ['absent', 'meaningful', 'random'],
  'name': ['absent', 'meaningful', 'random'],
  wrappers: ['0-2', '3-6'],
  code: ['single', 'six'],
  'code-type': ['text', 'number', 'tel', 'password'],
  'code-submit': CODE_SUBMITS,
  'code-button': ['yes', 'no'],
  overlay: ['none', 'start', 'between'],
  'overlay-style': ['none', ...OVERLAY_STYLES],
  dismiss: ['none', ...DISMISSES],
  harmful: ['none', ...HARMFULS],
  'overlay-under': ['none', 'form-under', 'form-after'],
  banner: ['yes', 'no'],
  'user-chip': ['none', 'Change', 'Not you?', 'Switch account'],
  delay: ['none', 'short', 'slow'],
  /** The second factor Kite's answer and the page ask for. */
  'second-factor': SECOND_FACTORS,
  /** What comes between the accepted code and the redirect (besides the app's Authorize page). */
  'after-code': ['none', 'consent', 'offers', 'both'],
  /** The consent control's words: `default` is the app's own Authorize page, with no decoy. */
  'consent-words': ['default', ...CONSENT_ACCEPTS],
  'consent-decoys': ['0', '1', '2'],
  offers: ['0', '1', '2', '3'],
  /** The first offer's way on without changing anything. */
  'offer-skip': ['none', ...OFFER_SKIPS],
  /** How long the code screen stays after the code was accepted. */
  'code-linger': ['none', 'short', 'long'],
  'late-dialog': ['none', 'load', 'first-look', 'first-key'],
  'late-look': ['none', 'pointer', 'settle'],
  'late-screen': ['none', 'credentials', 'user', 'password', 'code', 'captcha'],
  'late-dismiss': ['none', ...LATE_DISMISSES],
  /** How the page sends its background requests. */
  background: ['none', 'beacon', 'fetch', 'xhr', 'mixed'],
  'background-to': ['none', 'api', 'other', 'both'],
  'background-fails': ['none', '500', 'drop', 'both'],
} as const satisfies Record<string, readonly string[]>;
export type ShapeDimension = keyof typeof SHAPE_DIMENSIONS;

/** `none`, the one value all share, or `mixed` / `both`. */
function summary<T extends string>(values: readonly T[], many: 'mixed' | 'both'): T | 'none' | 'mixed' | 'both' {
  const set = new Set(values);
  if (set.size === 0) return 'none';
  return set.size === 1 ? values[0] as T : many;
}

/** One value per dimension: what the fuzz runner tabulates. */
export function shapeFeatures(shape: Shape): Record<ShapeDimension, string> {
  const loginScreen = shape.screens.find((s) => s.kind === 'credentials' || s.kind === 'user') as ScreenShape;
  const codeScreen = shape.screens.find((s) => s.kind === 'code') as ScreenShape;
  const user = loginScreen.fields.find((f) => f.role === 'user') as FieldShape;
  const code = codeScreen.fields[0] as FieldShape;
  const all = shape.screens.flatMap((s) => s.fields);
  const overlay = shape.overlays[0];
  const maxDelay = Math.max(...shape.screens.map((s) => s.delayMs));
  const passwordScreen = shape.screens.find((s) => s.kind === 'credentials' || s.kind === 'password') as ScreenShape;
  const consent = shape.afterCode.find((s) => s.kind === 'consent');
  const offers = shape.afterCode.filter((s) => s.kind === 'offer');
  const late = shape.lateDialog;
  const fails = shape.background.map((b) => b.fail).filter((f) => f !== 'none');
  return {
    solvable: shape.solvable ? 'yes' : 'no',
    captcha: shape.captcha?.placement ?? 'none',
    host: shape.host,
    steps: shape.steps,
    form: shape.useForm ? 'form' : 'no-form',
    enter: loginScreen.enterSubmits ? 'submits' : 'ignored',
    control: shape.controlKind,
    'login-text': passwordScreen.control?.text ?? 'none',
    'code-text': codeScreen.control?.text ?? 'none',
    label: user.label.mechanism,
    'code-label': code.label.mechanism,
    'label-after': all.some((f) => f.label.position === 'after') ? 'yes' : 'no',
    'user-label': user.label.text,
    'code-words': code.label.text,
    'user-id': user.idNaming,
    'code-id': code.idNaming,
    'class': user.classNaming,
    'name': user.nameNaming,
    wrappers: Math.max(...all.map((f) => f.wrapperDepth)) <= 2 ? '0-2' : '3-6',
    code: shape.code.boxes === 6 ? 'six' : 'single',
    'code-type': code.type,
    'code-submit': shape.code.submit,
    'code-button': codeScreen.control ? 'yes' : 'no',
    overlay: overlay === undefined ? 'none' : overlay.screen === 0 ? 'start' : 'between',
    'overlay-style': overlay?.style ?? 'none',
    dismiss: overlay?.dismiss ?? 'none',
    harmful: overlay?.harmful ?? 'none',
    'overlay-under': overlay === undefined ? 'none' : overlay.formUnderneath ? 'form-under' : 'form-after',
    banner: shape.banner ? 'yes' : 'no',
    'user-chip': shape.screens.find((s) => s.userChip)?.userChip?.text ?? 'none',
    delay: maxDelay === 0 ? 'none' : maxDelay <= 500 ? 'short' : 'slow',
    'second-factor': shape.secondFactor,
    'after-code': consent && offers.length > 0 ? 'both' : consent ? 'consent' : offers.length > 0 ? 'offers' : 'none',
    'consent-words': consent?.accept ?? 'default',
    'consent-decoys': String(consent?.decoys?.length ?? 0),
    offers: String(offers.length),
    'offer-skip': offers[0]?.skip ?? 'none',
    'code-linger': shape.codeLinger === undefined ? 'none' : shape.codeLinger.ms <= 500 ? 'short' : 'long',
    'late-dialog': late?.trigger ?? 'none',
    'late-look': late?.look ?? 'none',
    'late-screen': late ? shape.screens[late.screen]?.kind ?? 'none' : 'none',
    'late-dismiss': late?.dismiss ?? 'none',
    background: summary(shape.background.map((b) => b.via), 'mixed'),
    'background-to': summary(shape.background.map((b) => (b.path.startsWith('/api/') ? 'api' : 'other')), 'both'),
    'background-fails': summary(fails, 'both'),
  };
}
