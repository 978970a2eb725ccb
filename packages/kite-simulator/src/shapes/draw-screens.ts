import { randomIdent, type Rng } from './random.js';
import type { DrawContext } from './draw-context.js';
import type { CodeSubmit, ControlKind, ControlShape, ControlText, FieldShape, Naming, ScreenKind, ScreenShape } from './shape-types.js';

/** What the screens of one shape share: how the code is sent, the app's control component and form habits, the delays' area. */
export interface ScreenDraws {
  codeSubmit: CodeSubmit;
  controlKind: ControlKind;
  controlNaming: Naming;
  controlKeyboard: boolean;
  useForm: boolean;
  /** The control is a form's own submit button. */
  nativeSubmit: boolean;
  /** Enter in a field submits through a keydown handler (no native form submission). */
  keydownEnter: boolean;
  /** Each screen draws its render delay from it, in order. */
  delays: Rng;
}

/** Draws one screen at a time, in the order of the calls (the order is part of every seed's shape). */
export function screenDrawer(ctx: DrawContext, draws: ScreenDraws): (kind: ScreenKind, fields: FieldShape[], heading: string | undefined) => ScreenShape {
  const { codeSubmit, controlKind, controlNaming, controlKeyboard, useForm, nativeSubmit, keydownEnter, delays } = draws;
  const TEXTS: Record<ScreenKind, readonly ControlText[]> = {
    credentials: ['Login', 'Log in', 'Sign in', 'Continue', 'Submit', '→'],
    user: ['Continue', 'Next', '→'],
    password: ['Login', 'Log in', 'Sign in', 'Continue', 'Next', 'Submit', '→'],
    code: ['Continue', 'Verify', 'Submit', 'Login', '→'],
    captcha: ['Continue', 'Verify', 'Submit'],
  };
  const control = (kind: ScreenKind): ControlShape => {
    const rng = ctx.r(`control-${kind}`);
    const text = rng.pick(TEXTS[kind]);
    return {
      kind: controlKind, text,
      ariaLabel: text === '→' && rng.chance(0.7) ? rng.pick(kind === 'user' ? ['Continue', 'Next'] : ['Continue', 'Submit', 'Log in']) : undefined,
      id: controlNaming === 'absent' ? undefined : controlNaming === 'meaningful' ? ctx.meaningfulId(rng, `${kind}-submit`) : ctx.unique(rng, 'id'),
      className: controlNaming === 'meaningful' ? rng.pick(['button-orange wide', 'btn btn-primary', 'submit']) : controlNaming === 'random' ? randomIdent(rng, 'class') : undefined,
      keyboard: controlKeyboard,
      href: controlKind === 'role-button-a' && rng.chance(0.5),
    };
  };

  return (kind: ScreenKind, fields: FieldShape[], heading: string | undefined): ScreenShape => {
    const rng = ctx.r(`screen-${kind}`);
    const isCode = kind === 'code';
    const hasControl = !isCode || codeSubmit === 'button' || (codeSubmit === 'auto' && rng.chance(0.6));
    const ctlShape = hasControl ? control(kind) : undefined;
    const enterSubmits = isCode && codeSubmit === 'enter' ? true
      : isCode && codeSubmit === 'auto' && !hasControl ? false
      : useForm && nativeSubmit ? true : keydownEnter;
    const wrapperDepth = rng.int(0, 4);
    return {
      kind, delayMs: delays.chance(0.45) ? 0 : delays.int(50, 1500), heading, useForm,
      formId: useForm && rng.chance(0.4) ? ctx.unique(rng, 'id') : undefined,
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
}
