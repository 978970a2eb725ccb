import type { ControlSeen, DialogSeen, FieldSeen, FrameSeen } from './page-snapshot.js';

/** What the login has done so far: what a screen means depends on it. */
export interface Progress {
  userTyped: boolean;
  passwordAccepted: boolean;
  /** Kite accepted the code: what follows is a consent page, an offer, the redirect. */
  codeAccepted?: boolean;
  /** Kite's own origin (the login URL's): a consent page is trusted only there. */
  kiteOrigin?: string | undefined;
  /** References of the fields that hold the user id or the password (a code never goes there). */
  filled: ReadonlySet<string>;
  /** References of the boxes the code was typed into: while one still shows, the code screen has not moved on. */
  codeBoxes?: ReadonlySet<string> | undefined;
}

/** A field or control: which frame (index into the frames seen) and its reference there. */
export interface Target { frame: number; ref: string }

/** The one thing the current screen is recognised for. */
export type Screen =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'captcha' }
  | { kind: 'security-questions' }
  | { kind: 'dashboard' }
  | { kind: 'overlay'; dismiss: Target | undefined; text: string; dialog?: Target | undefined }
  | { kind: 'credentials'; user: Target | undefined; password: Target; submit: Target | undefined }
  | { kind: 'user-id'; user: Target; submit: Target | undefined }
  | { kind: 'code'; boxes: Target[]; submit: Target | undefined; hint: string }
  | { kind: 'consent'; authorize: Target }
  /** An optional step offered after the code (a passkey, a tour...): `skip` goes on without changing anything. */
  | { kind: 'offer'; skip: Target; text: string }
  | { kind: 'ambiguous'; why: string };

const ERROR_PATTERNS = [
  /invalid\s+(?:username|user\s*id|account|credentials|password|totp|app\s*code|pin|2fa|two[- ]factor|otp|code)[^.\n]*\.?(?:\s*\d+\s+attempts?\s+remain(?:ing)?\.?)?/i,
  /user\s+(?:profile\s+)?not\s+found[^.\n]*\.?/i,
  /\d+\s+attempts?\s+remain(?:ing)?[^.\n]*\.?/i,
  /account\s+(?:is\s+|has\s+been\s+)?(?:blocked|locked)[^\n]*/i,
  /invalid\s+`?api_key`?[^\n]*/i,
  /too\s+many\s+(?:requests|attempts)[^\n]*/i,
];
const ERRORISH = /invalid|incorrect|wrong|error|failed|blocked|locked|not\s+found|unavailable|try\s+again|too\s+many|went\s+wrong|expired|denied/i;
const CODE_WORDS = /totp|\botp\b|\bpin\b|app\s*code|2fa|two[- ]factor|verification|security\s*code|authenticator|one[- ]time|\bcode\b/i;
const USER_WORDS = /user|client|login\s*id|account|e-?mail|phone|mobile|\bid\b/i;
const SUBMIT_WORDS = /^(?:log\s*in|login|sign\s*in|continue|submit|verify|proceed|next|confirm|go)\b|^[→›>»]$/i;
const BENIGN = /^(?:ok|okay|close|got\s+it|i\s+understand|understood|dismiss|noted|×|✕|✖|x|continue|accept|agree|i\s+agree|alright|not\s+now|skip(?:\s+for\s+now)?|later|maybe\s+later|remind\s+me\s+later|no,?\s+thanks?)[.!]?$/i;
const HARMFUL = /log\s*out|sign\s*out|cancel|reset|leave|exit|dashboard|back|delete|remove|forgot|change|switch|help|learn\s+more|set\s*up|enable|trust|turn\s+on|start|install|register|create|\badd\b|deny|decline|reject|not\s+you|notif|subscri|location|camera|microphone/i;
/** The choice that goes on without changing anything, on an optional step offered after the code. */
const SKIP = /^(?:not\s+now|skip(?:\s+for\s+now|\s+this)?|later|maybe\s+later|remind\s+me\s+later|no,?\s+thanks?|×|✕|✖|close)[.!]?$/i;
/** What gives the app access on Kite's consent page, in any words. */
const ALLOW = /^(?:authori[sz]e|allow(?:\s+access)?|grant(?:\s+access)?|approve|continue|proceed|yes,?\s+allow|accept|confirm|i\s+agree)\b/i;

interface Located<T> { frame: number; item: T }

const targetOf = (located: Located<{ ref: string }>): Target => ({ frame: located.frame, ref: located.item.ref });

/** A field made for a short code: its shape says so, or its name, or the form it sits in. */
export function isCodeField(f: FieldSeen): boolean {
  return f.maxLength === 6 || f.minLength === 6 || f.type === 'number' || f.type === 'tel' || f.inputMode === 'numeric' ||
    f.autocomplete === 'one-time-code' || /^[•●*·\s|]{4,}$/.test(f.name) || /^(?:\d\s?){4,8}$/.test(f.name) || CODE_WORDS.test(f.name) || /twofa|totp|otp/i.test(f.context);
}

/** A one-character box, one of a row that together takes the code: it says so, or is too narrow for more. */
const isBox = (f: FieldSeen): boolean => f.maxLength === 1 || (f.width > 0 && f.width <= 64);

function isPasswordField(f: FieldSeen): boolean {
  return f.type === 'password' && !(CODE_WORDS.test(f.name) && !/password/i.test(f.name)) && !(f.maxLength > 0 && f.maxLength <= 8 && !/password/i.test(f.name));
}

/**
 * Pure: which screen the frames show and what to act on. Never guesses: two candidates for a
 * field, or fields that fit no screen, are `ambiguous`.
 */
export function recognise(frames: readonly FrameSeen[], progress: Progress): Screen {
  const after = progress.codeAccepted === true ? afterCode(frames, progress) : undefined;
  if (after) return after;
  if (frames.some((f) => f.captcha)) return { kind: 'captcha' };
  const error = errorShown(frames);
  if (error) return { kind: 'error', message: error };

  const fields: Located<FieldSeen>[] = frames.flatMap((f, frame) => f.fields.map((item) => ({ frame, item })));
  const controls: Located<ControlSeen>[] = frames.flatMap((f, frame) => f.controls.map((item) => ({ frame, item })));
  const dialogs = frames.flatMap((f, frame) => f.dialogs.map((item) => ({ frame, item })));
  const covering = dialogs.filter((d) => d.item.covers);

  const screen = fieldScreen(fields, controls, progress);
  const targets = screen ? targetsOf(screen) : [];
  const blocked = targets.some((t) => !hitOf(t, fields, controls));
  if ((blocked || screen?.kind === 'ambiguous') && covering.length > 0) return overlay(covering, controls);
  if (blocked && dialogs.length > 0) {
    // What covers the field is most likely a modal dialog of the field's own frame (a native
    // dialog's backdrop is no element), then any modal one; a banner last.
    const frame = targets.find((t) => !hitOf(t, fields, controls))?.frame;
    const rank = (d: Located<DialogSeen>): number => (d.item.modal ? 0 : 2) + (d.frame === frame ? 0 : 1);
    return overlay([...dialogs].sort((a, b) => rank(a) - rank(b)), controls);
  }
  if (blocked) return { kind: 'overlay', dismiss: undefined, text: 'something covers the field' };
  if (screen) return screen;
  // Nothing to fill: a dialog may be all there is until it is dismissed (the form appears
  // after). A mere banner (a cookie notice) is left alone. With no benign control to click,
  // Escape (the dialog may close on it; nothing is lost if not).
  const modal = dialogs.filter((d) => d.item.modal);
  if (modal.length > 0) return overlay([...covering, ...modal.filter((d) => !d.item.covers)], controls);

  const authorize = controls.filter((c) => !c.item.dialog && /^authori[sz]e\b/i.test(c.item.name));
  if (authorize.length === 1) return { kind: 'consent', authorize: targetOf(authorize[0] as Located<ControlSeen>) };
  if (frames.some((f) => /\/dashboard\b/.test(safePath(f.url)))) return { kind: 'dashboard' };
  return { kind: 'loading' };
}

/**
 * After the code: an optional step with a choice to go on without changing anything (that
 * choice, never one that sets something up), or Kite's own consent page for the app (its one
 * control that allows, in any words). Undefined: neither is clear (the usual recognition
 * goes on, and a screen that fits nothing stops the login with what was seen).
 */
function afterCode(frames: readonly FrameSeen[], progress: Progress): Screen | undefined {
  if (frames.some((f) => f.captcha) || errorShown(frames) !== undefined) return undefined;
  // The code screen still showing (its "Continue" is no consent: pressing it would post the code again).
  if (frames.some((f) => f.fields.some((field) => field.hit && progress.codeBoxes?.has(field.ref)))) return { kind: 'loading' };
  if (frames.some((f) => f.fields.some((field) => field.hit && field.valueLength === 0 && !progress.filled.has(field.ref)))) return undefined;
  const controls: Located<ControlSeen>[] = frames.flatMap((f, frame) => f.controls.map((item) => ({ frame, item })));
  const named = (c: Located<ControlSeen>): string => c.item.name.trim();
  const skips = controls.filter((c) => c.item.hit && SKIP.test(named(c)) && !HARMFUL.test(named(c).replace(/^close$/i, '')));
  const words = new Set(skips.map((c) => named(c).toLowerCase()));
  if (skips.length > 0 && words.size === 1) {
    const skip = skips[0] as Located<ControlSeen>;
    return { kind: 'offer', skip: targetOf(skip), text: (frames[skip.frame]?.text ?? '').slice(0, 120) };
  }
  if (skips.length > 0) return { kind: 'ambiguous', why: `${words.size} different ways to skip (${[...words].join(', ')})` };
  const onKite = (frame: number): boolean => progress.kiteOrigin === undefined || originOf(frames[frame]?.url ?? '') === progress.kiteOrigin;
  const allows = controls.filter((c) => !c.item.dialog && c.item.hit && ALLOW.test(named(c)) && !HARMFUL.test(named(c)) && onKite(c.frame));
  if (allows.length === 1) return { kind: 'consent', authorize: targetOf(allows[0] as Located<ControlSeen>) };
  if (allows.length > 1) return { kind: 'ambiguous', why: `${allows.length} controls could give consent (${allows.map(named).join(', ')})` };
  return undefined;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function errorShown(frames: readonly FrameSeen[]): string | undefined {
  for (const frame of frames) {
    for (const pattern of ERROR_PATTERNS) {
      const match = pattern.exec(frame.text);
      if (match) return match[0].trim().slice(0, 200);
    }
  }
  for (const frame of frames) {
    const alert = frame.alerts.find((a) => ERRORISH.test(a));
    if (alert) return alert;
  }
  return undefined;
}

function fieldScreen(fields: Located<FieldSeen>[], controls: Located<ControlSeen>[], progress: Progress): Screen | undefined {
  if (fields.length === 0) return undefined;
  const free = fields.filter((f) => !progress.filled.has(f.item.ref) || !progress.passwordAccepted);

  // Split code boxes: 4 to 8 one-character fields of one group.
  const byGroup = new Map<string, Located<FieldSeen>[]>();
  for (const f of free.filter((x) => isBox(x.item))) {
    const key = `${f.frame}:${f.item.group}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), f]);
  }
  const rows = [...byGroup.values()].filter((row) => row.length >= 4 && row.length <= 8);
  if (rows.length > 1) return { kind: 'ambiguous', why: `${rows.length} rows of one-character boxes` };
  const row = rows[0];
  if (row) {
    if (!progress.passwordAccepted) return { kind: 'ambiguous', why: 'code boxes before the password was accepted' };
    if (row.length !== 6) return { kind: 'ambiguous', why: `${row.length} code boxes for a 6-digit code` };
    return { kind: 'code', boxes: row.map(targetOf), submit: submitFor(row.at(-1) as Located<FieldSeen>, controls), hint: row[0]?.item.name ?? '' };
  }

  const passwords = free.filter((f) => isPasswordField(f.item));
  if (passwords.length > 1) return { kind: 'ambiguous', why: `${passwords.length} password fields` };
  const password = passwords[0];
  if (password && !progress.passwordAccepted) {
    const others = free.filter((f) => f !== password && f.frame === password.frame && !isPasswordField(f.item) && f.item.type !== 'password');
    const named = others.filter((f) => USER_WORDS.test(f.item.name) && !isCodeField(f.item));
    const before = others.filter((f) => f.item.group === password.item.group && !isCodeField(f.item));
    const users = named.length > 0 ? named : before;
    if (users.length > 1) return { kind: 'ambiguous', why: `${users.length} fields could take the user id` };
    const user = users[0];
    if (!user && !progress.userTyped) return { kind: 'ambiguous', why: 'a password field with no user id field, and no user id typed yet' };
    return { kind: 'credentials', user: user ? targetOf(user) : undefined, password: targetOf(password), submit: submitFor(password, controls) };
  }

  if (progress.passwordAccepted) {
    const codes = free.filter((f) => !progress.filled.has(f.item.ref) && isCodeField(f.item));
    const plain = free.filter((f) => !progress.filled.has(f.item.ref));
    if (codes.length > 1) {
      if (codes.every((c) => c.item.type !== 'password') && plain.length >= 2) return { kind: 'security-questions' };
      return { kind: 'ambiguous', why: `${codes.length} fields could take the code` };
    }
    const code = codes[0];
    if (code) return { kind: 'code', boxes: [targetOf(code)], submit: submitFor(code, controls), hint: code.item.name.slice(0, 80) };
    if (plain.length >= 2 && (plain.some((f) => /\?/.test(f.item.name)) || plain.some((f) => /twofa/i.test(f.item.context)))) return { kind: 'security-questions' };
    return plain.length > 0 ? { kind: 'ambiguous', why: 'after the password, fields that do not look like a code field' } : undefined;
  }

  // No password field yet: a user id on its own (a two-step login).
  if (!progress.userTyped) {
    const candidates = free.filter((f) => f.item.type !== 'password' && !isCodeField(f.item));
    const named = candidates.filter((f) => USER_WORDS.test(f.item.name));
    const users = named.length > 0 ? named : candidates;
    if (users.length === 1) return { kind: 'user-id', user: targetOf(users[0] as Located<FieldSeen>), submit: submitFor(users[0] as Located<FieldSeen>, controls) };
    if (users.length > 1) {
      if (users.length >= 2 && users.filter((f) => /\?/.test(f.item.name)).length >= 2) return { kind: 'security-questions' };
      return { kind: 'ambiguous', why: `${users.length} fields could take the user id` };
    }
  }
  return undefined;
}

/** The control that submits a field's form: a submit button of its form, else a control that says so, nearest after it. */
function submitFor(field: Located<FieldSeen>, controls: Located<ControlSeen>[]): Target | undefined {
  const mine = controls.filter((c) => c.frame === field.frame && !c.item.dialog);
  const sameGroupSubmit = mine.filter((c) => c.item.kind === 'submit' && c.item.group === field.item.group);
  if (sameGroupSubmit.length >= 1) return targetOf(sameGroupSubmit[0] as Located<ControlSeen>);
  const worded = mine.filter((c) => SUBMIT_WORDS.test(c.item.name) && !HARMFUL.test(c.item.name));
  const sameGroup = worded.filter((c) => c.item.group === field.item.group);
  const chosen = sameGroup[0] ?? (worded.length === 1 ? worded[0] : undefined);
  return chosen ? targetOf(chosen) : undefined;
}

function targetsOf(screen: Screen): Target[] {
  switch (screen.kind) {
    case 'credentials': return [...(screen.user ? [screen.user] : []), screen.password];
    case 'user-id': return [screen.user];
    case 'code': return screen.boxes;
    default: return [];
  }
}

function hitOf(target: Target, fields: Located<FieldSeen>[], controls: Located<ControlSeen>[]): boolean {
  const found = fields.find((f) => f.frame === target.frame && f.item.ref === target.ref) ?? controls.find((c) => c.frame === target.frame && c.item.ref === target.ref);
  return found?.item.hit ?? false;
}

/**
 * The dialog to dismiss first (covering ones first, then modal ones, then banners) and how:
 * its benign control when it has one a click reaches, else Escape sent to it. A banner's OK
 * is never clicked while a dialog without a control still covers the field.
 */
function overlay(candidates: Located<{ ref: string; text: string }>[], controls: Located<ControlSeen>[]): Screen {
  // Only a control a click reaches: one under a modal's backdrop, or under another dialog
  // stacked on top (a notice that came late), would wait for nothing. The first candidate
  // with such a control is the one on top; with none, Escape goes to the first.
  const benignOf = (d: Located<{ ref: string }>) => controls.find((c) => c.frame === d.frame && c.item.dialog === d.item.ref && c.item.hit && BENIGN.test(c.item.name) && !HARMFUL.test(c.item.name));
  const reachable = candidates.find((d) => benignOf(d) !== undefined);
  const chosen = reachable ?? candidates[0];
  if (!chosen) return { kind: 'overlay', dismiss: undefined, text: '' };
  const benign = benignOf(chosen);
  return { kind: 'overlay', dismiss: benign ? targetOf(benign) : undefined, text: chosen.item.text, dialog: targetOf(chosen) };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/** What was seen, for a person reading an error: frames, fields and controls with their names and types, never a value. */
export function describeSeen(frames: readonly FrameSeen[]): string {
  return frames.map((f, i) => {
    const fields = f.fields.map((x) => `${x.type} "${x.name || '(no name)'}"${x.maxLength > 0 ? ` max ${x.maxLength}` : ''}${x.hit ? '' : ' (covered)'}`);
    const controls = f.controls.filter((c) => c.name).slice(0, 12).map((c) => `"${c.name}" (${c.kind})`);
    const dialogs = f.dialogs.map((d) => `"${d.text.slice(0, 60)}"${d.covers ? ' covering' : ''}`);
    return `frame ${i} ${safePath(f.url) || f.url.slice(0, 40)}: fields [${fields.join(', ')}]; controls [${controls.join(', ')}]${dialogs.length ? `; dialogs [${dialogs.join(', ')}]` : ''}`;
  }).join(' || ').slice(0, 1500);
}
