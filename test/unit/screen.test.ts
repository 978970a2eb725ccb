import { describe, expect, it } from 'vitest';
import type { ControlSeen, FieldSeen, FrameSeen } from '../../src/kite/page-snapshot.js';
import { describeSeen, recognise, type Progress } from '../../src/kite/screen.js';

let n = 0;
const field = (over: Partial<FieldSeen> = {}): FieldSeen => ({
  ref: `f${n++}`, type: 'text', name: '', context: '', maxLength: -1, minLength: -1, inputMode: '', autocomplete: '', valueLength: 0, width: 200, hit: true, group: 0, ...over,
});
const control = (name: string, over: Partial<ControlSeen> = {}): ControlSeen => ({ ref: `c${n++}`, name, kind: 'button', hit: true, group: 0, dialog: null, ...over });
const frame = (over: Partial<FrameSeen> = {}): FrameSeen => ({ url: 'http://kite/connect/login', fields: [], controls: [], dialogs: [], alerts: [], text: '', captcha: false, ...over });
const start: Progress = { userTyped: false, passwordAccepted: false, filled: new Set() };
const afterPassword = (filled: string[]): Progress => ({ userTyped: true, passwordAccepted: true, filled: new Set(filled) });

describe('recognising a screen by what it means to a person', () => {
  it('user id and password, whatever the ids, with the submit control of their group', () => {
    const user = field({ name: 'Client ID' });
    const password = field({ type: 'password', name: 'Password' });
    const submit = control('Sign in');
    expect(recognise([frame({ fields: [user, password], controls: [control('Forgot password?'), submit] })], start))
      .toEqual({ kind: 'credentials', user: { frame: 0, ref: user.ref }, password: { frame: 0, ref: password.ref }, submit: { frame: 0, ref: submit.ref } });
  });

  it('in an iframe: the target names its frame', () => {
    const screen = recognise([frame(), frame({ fields: [field({ name: 'User ID' }), field({ type: 'password', name: 'Password' })] })], start);
    expect(screen).toMatchObject({ kind: 'credentials', password: { frame: 1 } });
  });

  it('two fields that could take the user id: ambiguous, never a guess', () => {
    expect(recognise([frame({ fields: [field({ name: 'User ID' }), field({ name: 'Login ID' }), field({ type: 'password', name: 'Password' })] })], start))
      .toMatchObject({ kind: 'ambiguous', why: expect.stringMatching(/2 fields could take the user id/) });
  });

  it('two password fields: ambiguous', () => {
    expect(recognise([frame({ fields: [field({ name: 'User ID' }), field({ type: 'password', name: 'Password' }), field({ type: 'password', name: 'Confirm' })] })], start).kind).toBe('ambiguous');
  });

  it('a user id alone (a two-step login), then the password alone', () => {
    const user = field({ name: 'Phone or User ID' });
    expect(recognise([frame({ fields: [user], controls: [control('Continue')] })], start)).toMatchObject({ kind: 'user-id', user: { ref: user.ref } });
    const password = field({ type: 'password', name: 'Password' });
    expect(recognise([frame({ fields: [password] })], { ...start, userTyped: true, filled: new Set([user.ref]) })).toMatchObject({ kind: 'credentials', user: undefined, password: { ref: password.ref } });
    expect(recognise([frame({ fields: [password] })], start).kind).toBe('ambiguous');
  });

  it('the code field that reuses id="userid" is read by its shape, not its id', () => {
    const code = field({ type: 'number', name: '••••••', maxLength: 6, context: 'twofa-form' });
    expect(recognise([frame({ fields: [code], controls: [control('Continue', { kind: 'submit' })] })], afterPassword(['u', 'p']))).toMatchObject({ kind: 'code', boxes: [{ ref: code.ref }] });
  });

  it('six one-character boxes are one code field; five are not a 6-digit code', () => {
    const boxes = Array.from({ length: 6 }, () => field({ maxLength: 1, group: 3, inputMode: 'numeric' }));
    expect(recognise([frame({ fields: boxes })], afterPassword([]))).toMatchObject({ kind: 'code', boxes: boxes.map((b) => ({ frame: 0, ref: b.ref })) });
    expect(recognise([frame({ fields: boxes.slice(1) })], afterPassword([])).kind).toBe('ambiguous');
  });

  it('the code never goes into a field holding the user id or the password', () => {
    const user = field({ name: 'User ID', maxLength: 6 });
    expect(recognise([frame({ fields: [user] })], afterPassword([user.ref])).kind).not.toBe('code');
  });

  it('security questions are told apart from a code', () => {
    const q = [field({ name: 'What is your year of birth?', context: 'twofa-form' }), field({ name: 'Your first school?', context: 'twofa-form' })];
    expect(recognise([frame({ fields: q })], afterPassword([])).kind).toBe('security-questions');
  });

  it('a dialog over the form is dismissed with its benign control, never a harmful one', () => {
    const dialog = { ref: 'd1', text: 'New: market holidays. Got it', covers: true, modal: true };
    const fields = [field({ name: 'User ID', hit: false }), field({ type: 'password', name: 'Password', hit: false })];
    const gotIt = control('Got it', { dialog: 'd1' });
    expect(recognise([frame({ fields, dialogs: [dialog], controls: [control('Logout', { dialog: 'd1' }), gotIt] })], start))
      .toEqual({ kind: 'overlay', dismiss: { frame: 0, ref: gotIt.ref }, text: dialog.text, dialog: { frame: 0, ref: 'd1' } });
    expect(recognise([frame({ fields, dialogs: [dialog], controls: [control('Logout', { dialog: 'd1' }), control('Cancel', { dialog: 'd1' })] })], start))
      .toMatchObject({ kind: 'overlay', dismiss: undefined, dialog: { ref: 'd1' } }); // Escape, sent to it
  });

  it('a field covered in an iframe: the modal dialog of that frame is dismissed, not a banner of the page', () => {
    const banner = { ref: 'b1', text: 'This site uses cookies. Accept all', covers: false, modal: false };
    const dialog = { ref: 'd2', text: 'Beware of fraud ×', covers: false, modal: true };
    const close = control('×', { dialog: 'd2' });
    const screen = recognise([
      frame({ dialogs: [banner], controls: [control('Accept all', { dialog: 'b1' })] }),
      frame({ fields: [field({ type: 'password', name: 'Password', hit: false })], dialogs: [dialog], controls: [close] }),
    ], { ...start, userTyped: true });
    expect(screen).toMatchObject({ kind: 'overlay', dismiss: { frame: 1, ref: close.ref }, dialog: { frame: 1, ref: 'd2' } });
  });

  it('errors, captchas, consent and loading', () => {
    expect(recognise([frame({ text: 'Invalid account credentials. 4 attempts remain' })], start)).toMatchObject({ kind: 'error', message: expect.stringMatching(/4 attempts remain/) });
    expect(recognise([frame({ alerts: ['Service unavailable. Please try again later.'] })], start)).toMatchObject({ kind: 'error' });
    expect(recognise([frame({ alerts: ['Enter the code from your app'] })], start).kind).toBe('loading');
    expect(recognise([frame({ captcha: true, fields: [field({ name: 'Enter the characters' })] })], start).kind).toBe('captcha');
    expect(recognise([frame({ controls: [control('Authorize')] })], afterPassword([])).kind).toBe('consent');
    expect(recognise([frame()], start).kind).toBe('loading');
  });

  it('describes what was seen without any value', () => {
    const text = describeSeen([frame({ fields: [field({ name: 'User ID', valueLength: 6 })], controls: [control('Login')] })]);
    expect(text).toMatch(/frame 0 \/connect\/login: fields \[text "User ID"\]; controls \["Login" \(button\)\]/);
  });
});
