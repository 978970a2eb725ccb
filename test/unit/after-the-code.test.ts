import { describe, expect, it } from 'vitest';
import type { ControlSeen, FieldSeen, FrameSeen } from '../../src/kite/page-snapshot.js';
import { recognise, type Progress } from '../../src/kite/screen.js';
import { askedFactorOf, judgeSecondFactor } from '../../src/kite/second-factor.js';

let n = 0;
const control = (name: string, over: Partial<ControlSeen> = {}): ControlSeen => ({ ref: `c${n++}`, name, kind: 'button', hit: true, group: 0, dialog: null, ...over });
const field = (over: Partial<FieldSeen> = {}): FieldSeen => ({
  ref: `f${n++}`, type: 'text', name: '', context: '', maxLength: -1, minLength: -1, inputMode: '', autocomplete: '', valueLength: 0, width: 200, hit: true, group: 0, ...over,
});
const KITE = 'http://kite.test:8080';
const frame = (over: Partial<FrameSeen> = {}): FrameSeen => ({ url: `${KITE}/connect/authorize`, fields: [], controls: [], dialogs: [], alerts: [], text: '', captcha: false, ...over });
const afterCode: Progress = { userTyped: true, passwordAccepted: true, codeAccepted: true, filled: new Set(), kiteOrigin: KITE };

describe('the second factor Kite asks for', () => {
  const answer = (data: unknown): string => JSON.stringify({ status: 'success', data });

  it('reads twofa_type and twofa_types from Kite\'s answer to the password', () => {
    expect(askedFactorOf(answer({ twofa_type: 'totp', twofa_types: ['totp'] }))).toEqual({ type: 'totp', types: ['totp'] });
    expect(askedFactorOf(answer({ twofa_type: 'App_Code', twofa_types: ['app_code', 'sms'] }))).toEqual({ type: 'app_code', types: ['app_code', 'sms'] });
    expect(askedFactorOf(answer({ user_id: 'AB1234' }))).toEqual({}); // read, and it names no factor (an older answer)
    expect(askedFactorOf('not json')).toBeUndefined();
    expect(askedFactorOf(undefined)).toBeUndefined();
  });

  it.each([
    ['Kite asks for TOTP', { type: 'totp', types: ['totp'] }, 'External TOTP', '', true],
    ['Kite asks for the App Code', { type: 'app_code', types: ['app_code', 'sms'] }, 'Enter code', '', false],
    ['Kite asks for an SMS OTP', { type: 'sms', types: ['sms'] }, '', '', false],
    ['the App Code by default, TOTP a choice: the form is the App Code\'s', { type: 'app_code', types: ['app_code', 'totp'] }, 'Code', '', false],
    ['no type named, TOTP among the choices, a neutral page: which form shows is unclear', { types: ['app_code', 'totp'] }, 'Code', '', false],
    ['no type named, TOTP among the choices, the page asks for an external TOTP', { types: ['app_code', 'totp'] }, 'External TOTP', '', true],
    ['no type named, TOTP the only choice', { types: ['totp'] }, '••••••', '', true],
    ['an unknown type: not TOTP', { type: 'webauthn' }, 'Security key', '', false],
    ['an unknown type where the page clearly asks for an external TOTP', { type: 'ext_totp' }, 'External TOTP', '', true],
    ['the answer says nothing: the page decides (TOTP)', undefined, '••••••', 'Enter the code from your authenticator', true],
    ['an older answer (read, no twofa fields) and a neutral page: TOTP, as Kite did before it named factors', {}, '••••••', 'Enter the 6-digit code', true],
    ['the answer could not be read and the page is neutral: not typed', undefined, '••••••', 'Enter the 6-digit code', false],
    ['the answer says nothing, the field is the App Code', undefined, 'App Code', '', false],
    ['the answer says TOTP, the field is called an SMS OTP: the page\'s words win', { type: 'totp' }, 'SMS OTP', '', false],
    ['an OTP sent to the phone, said on the screen', { type: 'totp' }, 'Code', 'We have sent an OTP to your registered mobile', false],
    ['a footer about SMS alerts is not the field', { type: 'totp' }, 'External TOTP', 'Get SMS alerts for your orders', true],
    // Harmless words that once stopped accounts with TOTP enabled (an adversarial review's cases).
    ['Kite says TOTP, the field is an "Authenticator app code"', { type: 'totp' }, 'Authenticator app code', '', true],
    ['Kite says TOTP, the field names SMS only to rule it out', { type: 'totp' }, 'TOTP from your authenticator (not SMS)', '', true],
    ['Kite says TOTP, the screen offers "Use App Code instead"', { type: 'totp' }, '••••••', 'Use App Code instead', true],
    ['Kite says TOTP, a footer\'s "Kite app Code of conduct"', { type: 'totp' }, '••••••', 'Get the Kite app Code of conduct', true],
    ['Kite says TOTP, "WhatsApp code support" on the screen', { type: 'totp' }, '••••••', 'WhatsApp code support', true],
    ['Kite says TOTP on a page of the PIN era (its field called "PIN")', { type: 'totp' }, 'PIN', 'Enter PIN', true],
    ['Kite asks for the PIN', { type: 'pin' }, 'PIN', 'Enter PIN', false],
  ] as const)('%s', (_name, asked, fieldWords, screen, totp) => {
    expect(judgeSecondFactor(asked, { field: fieldWords, screen }).totp).toBe(totp);
  });

  it('says what Kite asked for, in words a person knows', () => {
    expect(judgeSecondFactor({ type: 'app_code', types: ['app_code', 'sms'] }, { field: '', screen: '' })).toEqual({ totp: false, stop: true, asked: 'the Kite app\'s App Code (it offers app_code, sms)' });
    expect(judgeSecondFactor({ type: 'sms' }, { field: 'SMS OTP', screen: '' })).toEqual({ totp: false, stop: true, asked: 'an SMS OTP (the page calls it "SMS")' });
    expect(JSON.stringify(judgeSecondFactor({ type: 'constructor' }, { field: '', screen: '' }))).not.toMatch(/function|native code/);
  });

  it('stops the account only when Kite names another factor; the page\'s words alone, or a disagreement, type nothing and stop nothing', () => {
    expect(judgeSecondFactor({ type: 'app_code' }, { field: '••••••', screen: '' })).toMatchObject({ totp: false, stop: true });
    expect(judgeSecondFactor({}, { field: 'App Code', screen: '' })).toMatchObject({ totp: false, stop: false, retry: false });
    // A common warning on a TOTP page, with no word from Kite: never a stop (an adversarial review's case).
    expect(judgeSecondFactor(undefined, { field: '6-digit code', screen: 'Never share an OTP sent to your registered mobile with anyone.' })).toMatchObject({ totp: false, stop: false, retry: true });
    expect(judgeSecondFactor({ type: '' }, { field: '••••••', screen: '' })).toEqual({ totp: true });
    expect(judgeSecondFactor({ types: ['app_code', 'totp'] }, { field: '••••••', screen: 'Use an authenticator instead?' })).toMatchObject({ totp: false, stop: false });
    // Kite says TOTP, the field says SMS OTP: nothing typed, no stop (innocent wording must not stop an account), not retried.
    expect(judgeSecondFactor({ type: 'totp' }, { field: 'SMS OTP', screen: '' })).toMatchObject({ totp: false, stop: false, retry: false, why: expect.stringMatching(/external TOTP.*SMS/) });
    // Kite's answer not read in time, a neutral page: nothing typed, no stop, and another attempt may read it.
    expect(judgeSecondFactor(undefined, { field: '••••••', screen: 'Enter the 6-digit code' })).toMatchObject({ totp: false, stop: false, retry: true });
  });
});

describe('the steps after the code', () => {
  it('a consent page on Kite\'s origin, in other words than "Authorize": its one control that allows', () => {
    for (const words of ['Allow', 'Allow access', 'Grant access', 'Continue', 'Approve', 'Yes, allow', 'Authorise']) {
      const allow = control(words);
      expect(recognise([frame({ controls: [control('Deny'), allow, control('Not you? Log out')], text: 'My App is requesting access to your Kite account' })], afterCode))
        .toEqual({ kind: 'consent', authorize: { frame: 0, ref: allow.ref } });
    }
  });

  it('a page elsewhere than Kite\'s origin asking for consent is not Kite\'s consent page', () => {
    expect(recognise([frame({ url: 'http://phish.example/authorize', controls: [control('Allow')] })], afterCode).kind).not.toBe('consent');
  });

  it('an optional offer: the choice that goes on without changing anything, never the one that sets something up', () => {
    for (const [offer, skipWords] of [['Set up a passkey', 'Not now'], ['Trust this device?', 'Skip'], ['Take a tour', 'Maybe later'], ['Enable notifications', 'Remind me later'], ['Set up a passkey', 'No thanks']] as const) {
      const skip = control(skipWords);
      const screen = recognise([frame({ controls: [control(offer.startsWith('Enable') ? 'Allow notifications' : offer), skip, control('Log out')], text: offer })], afterCode);
      expect(screen).toMatchObject({ kind: 'offer', skip: { ref: skip.ref } });
    }
    const close = control('×', { dialog: 'd1' });
    expect(recognise([frame({ controls: [control('Start tour', { dialog: 'd1' }), close] })], afterCode)).toMatchObject({ kind: 'offer', skip: { ref: close.ref } });
  });

  it('no clear choice: ambiguous or unrecognised, never a guess', () => {
    expect(recognise([frame({ controls: [control('Not now'), control('Skip')] })], afterCode)).toMatchObject({ kind: 'ambiguous' });
    expect(recognise([frame({ controls: [control('Allow'), control('Continue')] })], afterCode)).toMatchObject({ kind: 'ambiguous' });
    expect(recognise([frame({ controls: [control('Set up passkey'), control('Log out')] })], afterCode).kind).toBe('loading');
  });

  it('a permission prompt on Kite\'s origin is no consent page: "Allow notifications" switches something on', () => {
    const prompt = frame({ url: `${KITE}/dashboard`, text: 'Kite would like to send you notifications', controls: [control('Allow notifications'), control('Block')] });
    expect(recognise([prompt], afterCode).kind).not.toBe('consent');
  });

  it('the code screen still showing after Kite accepted the code: its "Continue" is not consent (it would post the code again)', () => {
    const box = field({ type: 'number', maxLength: 6, valueLength: 6, name: '••••••' });
    const codeScreen = frame({ url: `${KITE}/connect/login`, fields: [box], controls: [control('Continue')] });
    expect(recognise([codeScreen], { ...afterCode, codeBoxes: new Set([box.ref]) })).toEqual({ kind: 'loading' });
    // Once the code screen has gone, the consent page's Continue is consent.
    expect(recognise([frame({ controls: [control('Continue')] })], { ...afterCode, codeBoxes: new Set([box.ref]) })).toMatchObject({ kind: 'consent' });
  });

  it('before the code is accepted none of this applies: a "Continue" is a form\'s submit', () => {
    const before: Progress = { ...afterCode, codeAccepted: false };
    expect(recognise([frame({ fields: [field({ name: 'User ID' })], controls: [control('Continue')] })], { ...before, passwordAccepted: false, userTyped: false }).kind).toBe('user-id');
  });
});

describe('dialogs stacked over the form', () => {
  it('a notice that came late on top of another: its own close control, the one a click reaches (found by the fuzzer, seed 81)', () => {
    const box = field({ type: 'text', maxLength: 1, hit: false });
    const under = { ref: 'd-under', text: 'Scheduled maintenance', covers: true, modal: true };
    const top = { ref: 'd-top', text: 'A new look for Kite', covers: true, modal: true };
    const screen = recognise([frame({
      url: `${KITE}/connect/login`, fields: [box], dialogs: [under, top],
      controls: [control('×', { dialog: under.ref, hit: false }), control('×', { dialog: top.ref, hit: true })],
    })], { userTyped: true, passwordAccepted: true, filled: new Set() });
    expect(screen).toMatchObject({ kind: 'overlay', text: 'A new look for Kite', dialog: { ref: top.ref } });
    // The top dialog's ×, the one a click reaches (the other is under it).
    expect((screen as { dismiss?: { ref: string } }).dismiss).toMatchObject({ ref: expect.stringMatching(/^c\d+$/) });
    expect(JSON.stringify(screen)).not.toContain('"d-under"');
  });
});
