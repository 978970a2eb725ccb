import { randomIdent, rngFor, type Rng } from './random.js';

/**
 * A page shape: how one fuzzed Kite login app is built. Pure data, drawn from a seed by
 * `generateShape`; `render.ts` turns it into the page and the browser app.
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

export interface Shape {
  seed: number;
  /** false: a captcha stands in the way, and nothing may be typed. */
  solvable: boolean;
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

const TITLES = [
  "Kite - Zerodha's fast and elegant flagship trading platform", 'Login / Kite', 'Kite by Zerodha', 'Login',
] as const;

/** Draws one page shape; the same seed always gives the same shape. */
export function generateShape(seed: number): Shape {
  const r = (area: string): Rng => rngFor(seed, area);
  const used = new Set<string>();
  const unique = (rng: Rng, kind: 'id' | 'class' | 'name'): string => {
    for (;;) {
      const value = randomIdent(rng, kind);
      if (!used.has(value)) {
        used.add(value);
        return value;
      }
    }
  };

  const top = r('top');
  const solvable = !top.chance(0.1);
  const captcha: CaptchaShape | undefined = solvable ? undefined : { placement: top.chance(0.5) ? 'before' : 'with' };
  const title = top.pick(TITLES);

  const hostRng = r('host');
  const host = hostRng.weighted<Host>([['top', 35], ['shadow', 20], ['shadow-nested', 10], ['iframe-src', 20], ['iframe-srcdoc', 15]]);
  const tagPool = ['kite-login', 'zl-app', 'login-widget', 'kite-auth', 'app-root', 'x-login'];
  const hostTags: string[] = [];
  if (host === 'shadow' || host === 'shadow-nested') {
    const n = host === 'shadow' ? 1 : 2;
    while (hostTags.length < n) {
      const tag = hostRng.chance(0.5) ? hostRng.pick(tagPool) : `x-${randomIdent(hostRng, 'class').replace(/[^a-z0-9]/g, '')}`;
      if (!hostTags.includes(tag)) hostTags.push(tag);
    }
  }

  const flow = r('flow');
  const steps: Steps = flow.chance(0.35) ? 'split' : 'together';
  const useForm = flow.chance(0.65);
  const sendType = flow.chance(0.5);
  const codeRng = r('code');
  const boxes: 1 | 6 = codeRng.chance(0.35) ? 6 : 1;
  const codeSubmit = codeRng.weighted<CodeSubmit>([['button', 50], ['enter', 15], ['auto', 35]]);

  const ctl = r('control');
  const controlKind = ctl.weighted<ControlKind>([
    ['button', 30], ['button-type-button', 12], ['input-submit', 12], ['input-button', 8],
    ['role-button-div', 10], ['role-button-span', 6], ['role-button-a', 8], ['clickable-div', 14],
  ]);
  const nativeSubmit = controlKind === 'button' || controlKind === 'input-submit';
  const controlKeyboard = controlKind.startsWith('role-') ? ctl.chance(0.7) : false;
  const controlNaming = ctl.weighted<Naming>([['absent', 40], ['meaningful', 30], ['random', 30]]);
  const keydownEnter = ctl.chance(0.6);

  const lab = r('labels');
  const labelMechanism = lab.pick(LABEL_MECHANISMS);
  const userLabel = lab.pick(USER_LABELS);
  const codeLabel = lab.pick(CODE_LABELS);

  const names = r('naming');
  const meaningfulId = (rng: Rng, wanted: string): string => {
    if (used.has(wanted)) return unique(rng, 'id');
    used.add(wanted);
    return wanted;
  };
  const drawNaming = (rng: Rng, attr: 'id' | 'class' | 'name', role: FieldRole): Naming => {
    if (attr === 'id' && role === 'code' && rng.chance(0.15)) return 'misleading';
    return rng.weighted<Naming>(attr === 'name'
      ? [['absent', 50], ['meaningful', 25], ['random', 25]]
      : [['absent', 30], ['meaningful', 35], ['random', 35]]);
  };
  const MEANINGFUL: Record<FieldRole, { id: readonly string[]; class: readonly string[]; name: readonly string[] }> = {
    user: { id: ['userid', 'user_id', 'login-id', 'username', 'clientId'], class: ['su-input', 'login-input', 'form-control', 'input-userid'], name: ['user_id', 'userid', 'username', 'login'] },
    password: { id: ['password', 'pass', 'login-password'], class: ['su-input', 'login-input', 'form-control', 'input-password'], name: ['password', 'pass'] },
    code: { id: ['totp', 'twofa', 'otp', 'pin', 'twofa-value'], class: ['su-input', 'twofa-value', 'otp-input', 'form-control'], name: ['twofa_value', 'totp', 'otp', 'code'] },
    captcha: { id: ['captcha', 'captcha_text', 'captchaInput'], class: ['captcha-input', 'form-control'], name: ['captcha', 'captcha_value'] },
  };
  const value = (rng: Rng, naming: Naming, attr: 'id' | 'class' | 'name', role: FieldRole): string | undefined => {
    switch (naming) {
      case 'absent': return undefined;
      case 'misleading': return 'userid'; // the real TOTP field carries the login field's id
      case 'meaningful': {
        const v = rng.pick(MEANINGFUL[role][attr]);
        return attr === 'class' ? v : meaningfulId(rng, v);
      }
      default: return attr === 'class' ? randomIdent(rng, 'class') : unique(rng, attr);
    }
  };

  const delays = r('delays');
  const drawDelay = (): number => (delays.chance(0.45) ? 0 : delays.int(50, 1500));

  const mechanismFor = (rng: Rng, role: FieldRole, six: boolean): LabelMechanism => {
    let m: LabelMechanism = rng.chance(0.7) ? labelMechanism : rng.pick(LABEL_MECHANISMS);
    if (six && (m === 'placeholder' || m === 'label-wrap' || m === 'title')) {
      m = rng.pick(['label-for', 'aria-label', 'aria-labelledby', 'text-sibling', 'text-parent'] as const);
    }
    if (role === 'captcha' && m === 'placeholder' && rng.chance(0.5)) m = 'text-sibling';
    return m;
  };

  const CAPTCHA_PROMPTS = ['Enter the characters shown in the image', 'Type the text you see', 'Security check: enter the code in the picture', 'Captcha', 'Enter captcha'] as const;

  const field = (role: FieldRole, text: string): FieldShape => {
    const rng = r(`field-${role}`);
    const six = role === 'code' && boxes === 6;
    const mechanism = mechanismFor(lab, role, six);
    const wrapperDepth = rng.chance(0.6) ? rng.int(0, 2) : rng.int(3, 6);
    let idNaming = drawNaming(names, 'id', role);
    if (mechanism === 'label-for' && idNaming === 'absent') idNaming = names.chance(0.5) ? 'meaningful' : 'random';
    if (six && idNaming === 'misleading') idNaming = 'random';
    const classNaming = drawNaming(names, 'class', role);
    const nameNaming = drawNaming(names, 'name', role);
    const id = six ? undefined : value(names, idNaming, 'id', role);
    const labelTagged = mechanism === 'label-for' || mechanism === 'label-wrap' || mechanism === 'aria-labelledby' || mechanism === 'text-sibling';
    const label: LabelShape = {
      mechanism,
      text,
      position: (mechanism === 'label-for' || mechanism === 'label-wrap') && !six && rng.chance(0.25) ? 'after' : 'before',
      level: mechanism === 'label-wrap' || mechanism === 'text-parent' ? 0 : rng.int(0, wrapperDepth),
      tag: !labelTagged ? undefined
        : mechanism === 'label-for' || mechanism === 'label-wrap' ? 'label' : rng.pick(['span', 'div', 'p'] as const),
      id: mechanism === 'aria-labelledby' ? unique(names, 'id') : undefined,
    };
    let type: FieldShape['type'] = 'text';
    let placeholder: string | undefined;
    let autocomplete: string | undefined;
    let maxLength: number | undefined;
    let minLength: number | undefined;
    let inputMode: 'numeric' | undefined;
    const boxIds: (string | undefined)[] = [];
    const boxLabels: (string | undefined)[] = [];
    switch (role) {
      case 'user':
        autocomplete = rng.pick([undefined, 'username', 'off'] as const);
        maxLength = rng.pick([undefined, 10, 24] as const);
        placeholder = mechanism === 'placeholder' ? text : rng.pick([undefined, undefined, text, 'AB1234'] as const);
        break;
      case 'password':
        type = 'password';
        autocomplete = rng.pick([undefined, 'current-password', 'off'] as const);
        placeholder = mechanism === 'placeholder' ? text : rng.pick([undefined, text, '••••••••'] as const);
        break;
      case 'captcha':
        maxLength = rng.pick([undefined, 6] as const);
        autocomplete = 'off';
        placeholder = mechanism === 'placeholder' ? text : undefined;
        break;
      case 'code':
        if (six) {
          type = rng.weighted<FieldShape['type']>([['text', 40], ['number', 25], ['tel', 20], ['password', 15]]);
          maxLength = rng.chance(0.8) ? 1 : undefined;
          inputMode = rng.chance(0.5) ? 'numeric' : undefined;
          autocomplete = rng.chance(0.4) ? 'one-time-code' : undefined;
          const idStyle = rng.weighted([['none', 50], ['indexed', 25], ['random', 25]] as const);
          const labelStyle = rng.weighted([['none', 40], ['digit', 40], ['of', 20]] as const);
          const idBase = idStyle === 'indexed' ? rng.pick(['otp', 'digit', 'code', 'totp']) : '';
          idNaming = idStyle === 'indexed' ? 'meaningful' : idStyle === 'random' || mechanism === 'label-for' ? 'random' : 'absent';
          for (let i = 0; i < 6; i += 1) {
            boxIds.push(idStyle === 'none' && !(i === 0 && mechanism === 'label-for') ? undefined
              : idStyle === 'indexed' ? `${idBase}-${i}` : unique(names, 'id'));
            boxLabels.push(labelStyle === 'none' ? undefined : labelStyle === 'digit' ? `Digit ${i + 1}` : `Digit ${i + 1} of 6`);
          }
          placeholder = rng.pick([undefined, '•', '-', '0'] as const);
        } else {
          type = rng.weighted<FieldShape['type']>([['text', 30], ['number', 30], ['tel', 20], ['password', 20]]);
          maxLength = rng.chance(0.6) ? 6 : undefined;
          minLength = rng.chance(0.2) ? 6 : undefined;
          inputMode = rng.chance(0.5) ? 'numeric' : undefined;
          autocomplete = rng.weighted([['one-time-code', 40], ['off', 30], [undefined, 30]] as const);
          placeholder = mechanism === 'placeholder' ? text : rng.pick([undefined, '••••••', '000000', text] as const);
        }
        break;
    }
    return {
      role, boxes: six ? 6 : 1, type,
      idNaming, id,
      classNaming, className: value(names, classNaming, 'class', role),
      nameNaming, name: value(names, nameNaming, 'name', role),
      label, placeholder, autocomplete, maxLength, minLength, inputMode,
      wrapperDepth,
      wrapperClasses: Array.from({ length: wrapperDepth }, () => rng.weighted<string | undefined>([
        [undefined, 40], [randomIdent(rng, 'class'), 35], [rng.pick(['su-input-group', 'field', 'form-group', 'row', 'col', 'input-wrap']), 25],
      ])),
      boxIds, boxLabels,
    };
  };

  const TEXTS: Record<ScreenKind, readonly ControlText[]> = {
    credentials: ['Login', 'Log in', 'Sign in', 'Continue', 'Submit', '→'],
    user: ['Continue', 'Next', '→'],
    password: ['Login', 'Log in', 'Sign in', 'Continue', 'Next', 'Submit', '→'],
    code: ['Continue', 'Verify', 'Submit', 'Login', '→'],
    captcha: ['Continue', 'Verify', 'Submit'],
  };
  const control = (kind: ScreenKind): ControlShape => {
    const rng = r(`control-${kind}`);
    const text = rng.pick(TEXTS[kind]);
    return {
      kind: controlKind, text,
      ariaLabel: text === '→' && rng.chance(0.7) ? rng.pick(kind === 'user' ? ['Continue', 'Next'] : ['Continue', 'Submit', 'Log in']) : undefined,
      id: controlNaming === 'absent' ? undefined : controlNaming === 'meaningful' ? meaningfulId(rng, `${kind}-submit`) : unique(rng, 'id'),
      className: controlNaming === 'meaningful' ? rng.pick(['button-orange wide', 'btn btn-primary', 'submit']) : controlNaming === 'random' ? randomIdent(rng, 'class') : undefined,
      keyboard: controlKeyboard,
      href: controlKind === 'role-button-a' && rng.chance(0.5),
    };
  };

  const screen = (kind: ScreenKind, fields: FieldShape[], heading: string | undefined): ScreenShape => {
    const rng = r(`screen-${kind}`);
    const isCode = kind === 'code';
    const hasControl = !isCode || codeSubmit === 'button' || (codeSubmit === 'auto' && rng.chance(0.6));
    const ctlShape = hasControl ? control(kind) : undefined;
    const enterSubmits = isCode && codeSubmit === 'enter' ? true
      : isCode && codeSubmit === 'auto' && !hasControl ? false
      : useForm && nativeSubmit ? true : keydownEnter;
    const wrapperDepth = rng.int(0, 4);
    return {
      kind, delayMs: drawDelay(), heading, useForm,
      formId: useForm && rng.chance(0.4) ? unique(rng, 'id') : undefined,
      formClass: useForm && rng.chance(0.6) ? rng.pick(isCode ? ['twofa-form', 'otp-form', randomIdent(rng, 'class')] : ['login-form', 'auth-form', randomIdent(rng, 'class')]) : undefined,
      enterSubmits,
      fields,
      control: ctlShape,
      wrapperDepth,
      wrapperClasses: Array.from({ length: wrapperDepth }, () => (rng.chance(0.5) ? randomIdent(rng, 'class') : rng.pick([undefined, 'container', 'card', 'login-box', 'wrapper']))),
      errorPlacement: rng.pick(['before-fields', 'after-fields', 'after-control'] as const),
      errorClass: rng.pick([undefined, 'error', 'su-message error', randomIdent(rng, 'class')] as const),
      errorRoleAlert: rng.chance(0.5),
      links: kind === 'credentials' || kind === 'password' ? [...(rng.chance(0.6) ? ['forgot' as const] : []), ...(rng.chance(0.4) ? ['signup' as const] : [])] : [],
      userChip: undefined,
      captchaImage: undefined,
      codeSubmit: isCode ? codeSubmit : undefined,
    };
  };

  const heads = r('headings');
  const loginHeading = heads.pick([undefined, 'Login to Kite', 'Sign in', 'Welcome back', 'Log in to your account'] as const);
  const codeHeading = heads.pick([undefined, 'Two-factor authentication', 'Verify it\'s you', 'Login to Kite', 'Enter your TOTP'] as const);

  const screens: ScreenShape[] = [];
  const capRng = r('captcha');
  const captchaField = (): FieldShape => field('captcha', capRng.pick(CAPTCHA_PROMPTS));
  const captchaImage = (): { alt: string | undefined; prompt: string } => ({
    alt: capRng.pick([undefined, 'captcha', 'CAPTCHA', 'Security image'] as const),
    prompt: capRng.pick(['Please verify that you are human.', 'For your security, complete the check below.', 'Too many requests from this network.'] as const),
  });
  if (captcha?.placement === 'before') {
    const s = screen('captcha', [captchaField()], capRng.pick([undefined, 'Security check', 'Verify you are human'] as const));
    s.captchaImage = captchaImage();
    screens.push(s);
  }
  const userField = field('user', userLabel);
  const passwordField = field('password', 'Password');
  if (steps === 'together') {
    screens.push(screen('credentials', [userField, passwordField], loginHeading));
  } else {
    screens.push(screen('user', [userField], loginHeading));
    const pw = screen('password', [passwordField], loginHeading);
    const chip = r('chip');
    if (chip.chance(0.5)) pw.userChip = { text: chip.pick(['Change', 'Not you?', 'Switch account'] as const) };
    screens.push(pw);
  }
  if (captcha?.placement === 'with') {
    const first = screens[0] as ScreenShape;
    first.fields.push(captchaField());
    first.captchaImage = captchaImage();
  }
  screens.push(screen('code', [field('code', codeLabel)], codeHeading));

  const ov = r('overlay');
  const overlays: OverlayShape[] = [];
  const where = ov.weighted([['none', 50], ['start', 25], ['between', 25]] as const);
  if (where !== 'none') {
    const firstLogin = captcha?.placement === 'before' ? 1 : 0;
    const at = where === 'start' ? 0 : ov.int(firstLogin + 1, screens.length - 1);
    const style = ov.weighted<OverlayStyle>([['native-dialog', 30], ['aria-dialog', 40], ['fixed-div', 30]]);
    const dismiss = ov.weighted<Dismiss>([['OK', 18], ['Close', 18], ['Got it', 18], ['I understand', 16], ['×', 18], ['Escape', 12]]);
    const harmful = dismiss !== 'Escape' && ov.chance(0.4) ? ov.pick(HARMFULS) : undefined;
    const notice = ov.pick([
      ['Scheduled maintenance', 'Kite will be unavailable on Sunday between 06:00 and 08:00 IST for scheduled maintenance.'],
      ['Important', 'Exchange rules: from 1 April 2026 orders are accepted only from a registered static IP.'],
      ['Updated terms', 'We have updated our terms of use and privacy policy.'],
      ['Beware of fraud', 'Zerodha will never ask for your password or TOTP over a call or message.'],
    ] as const);
    overlays.push({
      screen: at, style, title: notice[0], text: dismiss === 'Escape' ? `${notice[1]} Press Esc to close.` : notice[1],
      dismiss, closeLabelled: ov.chance(0.6),
      escapeCloses: dismiss === 'Escape' || style === 'native-dialog' || (style === 'aria-dialog' && ov.chance(0.6)),
      harmful,
      harmEffect: harmful === undefined ? undefined : at === 0 ? 'dashboard' : ov.pick(['dashboard', 'reset'] as const),
      harmfulFirst: ov.chance(0.5),
      formUnderneath: ov.chance(0.6),
      className: ov.pick([undefined, 'modal', 'notice-overlay', randomIdent(ov, 'class')] as const),
    });
  }

  const ban = r('banner');
  const banner: BannerShape | undefined = ban.chance(0.3)
    ? { text: ban.pick(['We use cookies to improve your experience.', 'This site uses cookies. By continuing you accept our cookie policy.'] as const), accept: ban.pick(['Accept', 'OK', 'Got it', 'Accept all'] as const) }
    : undefined;

  const app = r('app');
  return {
    seed, solvable, title, host, hostTags, steps, labelMechanism, controlKind, useForm, sendType,
    code: { boxes, submit: codeSubmit },
    screens, overlays, banner, captcha,
    appId: app.pick([undefined, 'app', 'root', unique(app, 'id')] as const),
    appClass: app.pick([undefined, 'container', randomIdent(app, 'class')] as const),
  };
}

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
  'code-words': CODE_LABELS,
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
} as const satisfies Record<string, readonly string[]>;
export type ShapeDimension = keyof typeof SHAPE_DIMENSIONS;

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
  };
}
