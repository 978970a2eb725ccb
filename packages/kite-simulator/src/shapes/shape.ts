import { drawAfterCode } from './draw-after-code.js';
import { drawBackground } from './draw-background.js';
import { drawContext, type DrawContext } from './draw-context.js';
import { CAPTCHA_PROMPTS, fieldDrawer } from './draw-fields.js';
import { drawLateDialog } from './draw-late-dialog.js';
import { drawBanner, drawOverlays } from './draw-overlays.js';
import { screenDrawer } from './draw-screens.js';
import { drawSecondFactor, otherFactorWords } from './draw-second-factor.js';
import { randomIdent } from './random.js';
import {
  CODE_LABELS, LABEL_MECHANISMS, USER_LABELS,
  type CaptchaShape, type CodeSubmit, type ControlKind, type FieldShape, type Host, type Naming, type ScreenShape, type Shape, type Steps,
} from './shape-types.js';

export * from './shape-types.js';

/** Some apps keep the code screen a while after the code was accepted (a redirect chain, an animation). */
function drawCodeLinger(ctx: DrawContext): Shape['codeLinger'] {
  const linger = ctx.r('linger');
  if (!linger.chance(0.3)) return undefined;
  return { ms: linger.int(150, 1500), status: linger.pick([undefined, undefined, 'Logging in…', 'Verifying…', 'Please wait…'] as const) };
}

const TITLES = [
  "Kite - Zerodha's fast and elegant flagship trading platform", 'Login / Kite', 'Kite by Zerodha', 'Login',
] as const;

/**
 * Draws one page shape; the same seed always gives the same shape. Each part draws from its
 * own area of the seed, so the second factor, the steps after the code, the late dialog and the
 * background requests (added later) left every earlier part of every seed as it was.
 */
export function generateShape(seed: number): Shape {
  const ctx = drawContext(seed);
  const { r } = ctx;

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

  // A captcha page never gets as far as the second factor: it keeps TOTP, and no steps after it.
  const secondFactor = solvable ? drawSecondFactor(ctx) : 'totp';
  const factorWords = otherFactorWords(ctx, secondFactor);

  const field = fieldDrawer(ctx, { boxes, labelMechanism, lab, names: r('naming') });
  const screen = screenDrawer(ctx, { codeSubmit, controlKind, controlNaming, controlKeyboard, useForm, nativeSubmit, keydownEnter, delays: r('delays') });

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
  // The label's words never change a draw: a page asking for the App Code is the same page with other words.
  const codeScreen = screen('code', [field('code', factorWords?.label ?? codeLabel)], factorWords ? factorWords.heading : codeHeading);
  if (factorWords) codeScreen.hint = factorWords.hint;
  screens.push(codeScreen);

  const overlays = drawOverlays(ctx, screens.length, captcha);
  const banner = drawBanner(ctx);

  const app = r('app');
  return {
    seed, solvable, title, host, hostTags, steps, labelMechanism, controlKind, useForm, sendType,
    code: { boxes, submit: codeSubmit },
    screens, overlays, banner, captcha,
    appId: app.pick([undefined, 'app', 'root', ctx.unique(app, 'id')] as const),
    appClass: app.pick([undefined, 'container', randomIdent(app, 'class')] as const),
    secondFactor,
    afterCode: solvable ? drawAfterCode(ctx) : [],
    lateDialog: drawLateDialog(ctx, screens, solvable),
    codeLinger: solvable ? drawCodeLinger(ctx) : undefined,
    background: drawBackground(ctx),
  };
}
