import { randomIdent } from './random.js';
import type { DrawContext } from './draw-context.js';
import { HARMFULS, type BannerShape, type CaptchaShape, type Dismiss, type OverlayShape, type OverlayStyle } from './shape-types.js';

/** The notices a designer might put in front of a screen: at most one, at the start or between screens. */
export function drawOverlays(ctx: DrawContext, screenCount: number, captcha: CaptchaShape | undefined): OverlayShape[] {
  const ov = ctx.r('overlay');
  const overlays: OverlayShape[] = [];
  const where = ov.weighted([['none', 50], ['start', 25], ['between', 25]] as const);
  if (where !== 'none') {
    const firstLogin = captcha?.placement === 'before' ? 1 : 0;
    const at = where === 'start' ? 0 : ov.int(firstLogin + 1, screenCount - 1);
    const style = ov.weighted<OverlayStyle>([['native-dialog', 30], ['aria-dialog', 40], ['fixed-div', 30]]);
    const dismiss = ov.weighted<Dismiss>([['OK', 18], ['Close', 18], ['Got it', 18], ['I understand', 16], ['×', 18], ['Escape', 12]]);
    const harmful = dismiss !== 'Escape' && ov.chance(0.4) ? ov.pick(HARMFULS) : undefined;
    const notice = ov.pick(NOTICES);
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
  return overlays;
}

/** Notices of Kite's kind: a title and a line. */
export const NOTICES = [
  ['Scheduled maintenance', 'Kite will be unavailable on Sunday between 06:00 and 08:00 IST for scheduled maintenance.'],
  ['Important', 'Exchange rules: from 1 April 2026 orders are accepted only from a registered static IP.'],
  ['Updated terms', 'We have updated our terms of use and privacy policy.'],
  ['Beware of fraud', 'Zerodha will never ask for your password or TOTP over a call or message.'],
] as const;

export function drawBanner(ctx: DrawContext): BannerShape | undefined {
  const ban = ctx.r('banner');
  return ban.chance(0.3)
    ? { text: ban.pick(['We use cookies to improve your experience.', 'This site uses cookies. By continuing you accept our cookie policy.'] as const), accept: ban.pick(['Accept', 'OK', 'Got it', 'Accept all'] as const) }
    : undefined;
}
