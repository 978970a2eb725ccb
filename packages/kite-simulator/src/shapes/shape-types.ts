import type { AfterCodeStep } from '../after-code.js';
import type { BackgroundPath } from '../background.js';
import type { SecondFactor } from '../second-factor.js';

/**
 * A page shape: how one fuzzed Kite login app is built. Pure data, drawn from a seed by
 * `generateShape` (shape.ts); `render.ts` turns it into the page and the browser app.
 *
 * The class it draws from is "login pages a designer could have made" for Kite's flow
 * (a user id and password step, then a second factor): the same requests to /api/login and
 * /api/twofa, and Kite's own error messages, behind any plausible markup.
 */

export const HOSTS = ['top', 'shadow', 'shadow-nested', 'iframe-src', 'iframe-srcdoc'] as const;
export type Host = (typeof HOSTS)[number];

export const STEPS = ['together', 'split'] as const;
export type Steps = (typeof STEPS)[number];

export const LABEL_MECHANISMS = [
  'label-for', 'label-wrap', 'aria-label', 'aria-labelledby', 'placeholder', 'title', 'text-sibling', 'text-parent',
] as const;
export type LabelMechanism = (typeof LABEL_MECHANISMS)[number];

export const CONTROL_KINDS = [
  'button', 'button-type-button', 'input-submit', 'input-button', 'role-button-div', 'role-button-span', 'role-button-a', 'clickable-div',
] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];

export const CONTROL_TEXTS = ['Login', 'Log in', 'Sign in', 'Continue', 'Next', 'Submit', 'Verify', '→'] as const;
export type ControlText = (typeof CONTROL_TEXTS)[number];

export const NAMINGS = ['absent', 'meaningful', 'random', 'misleading'] as const;
export type Naming = (typeof NAMINGS)[number];

export const USER_LABELS = ['User ID', 'Client ID', 'Phone or User ID', 'Login ID'] as const;
export const PASSWORD_LABELS = ['Password'] as const;
/** "App code" is left out on purpose: on the real page it names the Kite app's own code, which a TOTP secret does not answer. */
export const CODE_LABELS = ['External TOTP', 'TOTP', 'Authenticator code', '6-digit code', 'Authenticator app code', 'Enter TOTP'] as const;
/** The page's own words for a second factor that is not external TOTP: the field's label and the line under it. */
export const OTHER_FACTOR_WORDS = {
  app_code: { label: 'App Code', hint: 'Enter the app code from the Kite app' },
  sms: { label: 'SMS OTP', hint: 'OTP sent to your phone' },
} as const;

export const OVERLAY_STYLES = ['native-dialog', 'aria-dialog', 'fixed-div'] as const;
export type OverlayStyle = (typeof OVERLAY_STYLES)[number];
export const DISMISSES = ['OK', 'Close', 'Got it', 'I understand', '×', 'Escape'] as const;
export type Dismiss = (typeof DISMISSES)[number];
export const HARMFULS = ['Logout', 'Cancel', 'Reset', 'Leave', 'Go to dashboard'] as const;
export type Harmful = (typeof HARMFULS)[number];
export type HarmEffect = 'dashboard' | 'reset';

export const CODE_SUBMITS = ['button', 'enter', 'auto'] as const;
export type CodeSubmit = (typeof CODE_SUBMITS)[number];

export type ScreenKind = 'captcha' | 'credentials' | 'user' | 'password' | 'code';
export type FieldRole = 'user' | 'password' | 'code' | 'captcha';

export interface LabelShape {
  mechanism: LabelMechanism;
  /** The words a person reads (for aria-label, title and placeholder: the attribute's value). */
  text: string;
  /** Label element before or after the field in the DOM (after: the "floating label" pattern). */
  position: 'before' | 'after';
  /** How many of the field's wrappers lie between the label and the field (0: siblings). */
  level: number;
  /** The element carrying visible label text, when there is one. */
  tag: 'label' | 'span' | 'div' | 'p' | undefined;
  /** The id of the labelling element (aria-labelledby). */
  id: string | undefined;
}

export interface FieldShape {
  role: FieldRole;
  /** 1, or 6 one-character boxes (the code only). */
  boxes: 1 | 6;
  type: 'text' | 'password' | 'number' | 'tel';
  idNaming: Naming;
  id: string | undefined;
  classNaming: Naming;
  className: string | undefined;
  nameNaming: Naming;
  name: string | undefined;
  label: LabelShape;
  /** A placeholder besides the label (decorative, or repeating the label), if any. */
  placeholder: string | undefined;
  autocomplete: string | undefined;
  maxLength: number | undefined;
  minLength: number | undefined;
  inputMode: 'numeric' | undefined;
  /** Divs around the field (0 to 6). */
  wrapperDepth: number;
  wrapperClasses: (string | undefined)[];
  /** Six boxes: each box's id (or none) and aria-label (or none). */
  boxIds: (string | undefined)[];
  boxLabels: (string | undefined)[];
}

export interface ControlShape {
  kind: ControlKind;
  text: ControlText;
  /** An accessible name besides the text ("→" often carries one). */
  ariaLabel: string | undefined;
  id: string | undefined;
  className: string | undefined;
  /** role=button elements: Enter and Space press them (a careful designer's). */
  keyboard: boolean;
  /** role-button-a: has href="#". */
  href: boolean;
}

export interface ScreenShape {
  kind: ScreenKind;
  /** ms after the previous step before the screen appears. */
  delayMs: number;
  heading: string | undefined;
  /** A <form> element around the fields, or none. */
  useForm: boolean;
  formId: string | undefined;
  formClass: string | undefined;
  /** Enter in a field submits (natively, or by a keydown handler when there is no form). */
  enterSubmits: boolean;
  fields: FieldShape[];
  /** None when the code is sent by Enter only, or at the sixth digit. */
  control: ControlShape | undefined;
  /** Divs around the whole screen (0 to 4). */
  wrapperDepth: number;
  wrapperClasses: (string | undefined)[];
  errorPlacement: 'before-fields' | 'after-fields' | 'after-control';
  errorClass: string | undefined;
  errorRoleAlert: boolean;
  /** Harmless links of the page: "Forgot user ID or password?", "Sign up". */
  links: ('forgot' | 'signup')[];
  /** The password screen of a split flow may show the user id with a link that starts over. */
  userChip: { text: 'Change' | 'Not you?' | 'Switch account' } | undefined;
  /** The captcha's image and prompt (captcha screens, or a form carrying one). */
  captchaImage: { alt: string | undefined; prompt: string } | undefined;
  /** The code: sent by a button, by Enter, or by the app at the sixth digit. */
  codeSubmit: CodeSubmit | undefined;
  /** A line under the heading (the second factor's own: "Enter the app code from the Kite app"); absent on most screens. */
  hint?: string | undefined;
}

export interface OverlayShape {
  /** Index of the screen it comes with: 0 = at the start, later = between screens. */
  screen: number;
  style: OverlayStyle;
  title: string;
  text: string;
  dismiss: Dismiss;
  /** The × has an aria-label "Close". */
  closeLabelled: boolean;
  /** Escape closes it (always for Dismiss "Escape" and for a native dialog). */
  escapeCloses: boolean;
  harmful: Harmful | undefined;
  harmEffect: HarmEffect | undefined;
  /** In the DOM, the harmful control comes before the benign one. */
  harmfulFirst: boolean;
  /** The screen is rendered (inert) under the overlay, or only after it is dismissed. */
  formUnderneath: boolean;
  className: string | undefined;
}

export interface BannerShape {
  text: string;
  accept: 'Accept' | 'OK' | 'Got it' | 'Accept all';
}

export interface CaptchaShape {
  placement: 'before' | 'with';
}

/** When a dialog comes up after its screen was shown: at load (a delay), after the first look, while typing. */
export const LATE_TRIGGERS = ['load', 'first-look', 'first-key'] as const;
export type LateTrigger = (typeof LATE_TRIGGERS)[number];
export const LATE_DISMISSES = ['OK', 'Close', 'Got it', 'Dismiss', '×'] as const;
export type LateDismiss = (typeof LATE_DISMISSES)[number];

/** A notice that covers the form some time after its screen was shown; one benign control dismisses it. */
export interface LateDialogShape {
  trigger: LateTrigger;
  /** first-look: at the first pointer move once the screen is shown, or a short delay once it is complete. */
  look: 'pointer' | 'settle' | undefined;
  /** Index of the screen it comes on (`load`: the first screen of the login). */
  screen: number;
  /** load and settle: ms after the screen is shown. */
  delayMs: number;
  style: OverlayStyle;
  title: string;
  text: string;
  dismiss: LateDismiss;
  className: string | undefined;
}

/** When the page sends a background request. */
export const BACKGROUND_EVENTS = ['load', 'focus', 'input', 'submit'] as const;
export type BackgroundEvent = (typeof BACKGROUND_EVENTS)[number];
export const BACKGROUND_VIAS = ['beacon', 'fetch', 'xhr'] as const;
export type BackgroundVia = (typeof BACKGROUND_VIAS)[number];
/** How the simulator answers it: 204, a 500, or the connection dropped. */
export const BACKGROUND_FAILS = ['none', '500', 'drop'] as const;
export type BackgroundFail = (typeof BACKGROUND_FAILS)[number];

/** One analytics request of the page: never a value typed, at most a field's name or a length. */
export interface BackgroundShape {
  event: BackgroundEvent;
  via: BackgroundVia;
  path: BackgroundPath;
  fail: BackgroundFail;
  carries: 'field' | 'length' | 'nothing';
}

export interface Shape {
  seed: number;
  /** false: a captcha stands in the way, and nothing may be typed. */
  solvable: boolean;
  /** The second factor the page (and Kite's answer) asks for; anything but `totp` must end in a stop, no code typed. */
  secondFactor: SecondFactor;
  /** Steps after the code (consent in other words, offers), in order; the app's Authorize page comes last when none is a consent. */
  afterCode: AfterCodeStep[];
  /** A dialog that covers the form after its screen was shown, or none. */
  lateDialog: LateDialogShape | undefined;
  /**
   * After Kite accepted the code, the page keeps the code screen as it was (the code still in its
   * field or boxes, sometimes a status line) for `ms` before it moves on; none: it moves on at once.
   */
  codeLinger: { ms: number; status: string | undefined } | undefined;
  /** The page's background requests (beacons, analytics posts). */
  background: BackgroundShape[];
  title: string;
  host: Host;
  /** Custom element names of the shadow hosts, outermost first. */
  hostTags: string[];
  steps: Steps;
  /** The label mechanism of the app's field component (a field may differ: see each field). */
  labelMechanism: LabelMechanism;
  controlKind: ControlKind;
  useForm: boolean;
  /** Newer clients post `type=user_id` with the credentials. */
  sendType: boolean;
  code: { boxes: 1 | 6; submit: CodeSubmit };
  screens: ScreenShape[];
  overlays: OverlayShape[];
  banner: BannerShape | undefined;
  captcha: CaptchaShape | undefined;
  /** The app's container: id and class. */
  appId: string | undefined;
  appClass: string | undefined;
}
