/**
 * What the login page shows, as seen by `classifyPage`. Field references are CSS selectors
 * of marks that `classifyPage` itself put on the elements it chose.
 */
export type PageState =
  | { kind: 'loading' }
  | { kind: 'credentials'; user: string; password: string; submit: string | null }
  | { kind: 'second-factor'; code: string; submit: string | null; hint: string }
  | { kind: 'security-questions' }
  | { kind: 'consent'; authorize: string }
  | { kind: 'dashboard' }
  | { kind: 'captcha' }
  | { kind: 'error'; message: string };

export type PageKind = PageState['kind'];

/**
 * Runs inside the page (serialised by Playwright, so it must be self-contained: no imports,
 * no helpers outside its body). Returns the state when its kind is one of `expected`, else
 * false, so `page.waitForFunction` can wait for it.
 *
 * Kite's ids and layout change every year or two (the newest TOTP field even reuses
 * `id="userid"`), so nothing here keys on an id alone: fields are found by type, length,
 * labels, placeholders and the form they sit in.
 */
export function classifyPage(expected: readonly string[]): PageState | false {
  const MARK = 'data-kite-autologin';
  const ERROR_PATTERNS = [
    /invalid\s+(?:username|user\s*id|account|credentials|password|totp|app\s*code|pin|2fa|two[- ]factor|otp)[^.\n]*\.?(?:\s*\d+\s+attempts?\s+remain(?:ing)?\.?)?/i,
    /user\s+(?:profile\s+)?not\s+found[^.\n]*\.?/i,
    /\d+\s+attempts?\s+remain(?:ing)?[^.\n]*\.?/i,
    /account\s+(?:is\s+|has\s+been\s+)?(?:blocked|locked)[^\n]*/i,
    /invalid\s+`?api_key`?[^\n]*/i,
    /too\s+many\s+(?:requests|attempts)[^\n]*/i,
  ];
  const CODE_HINT = /totp|otp|pin|app\s*code|2fa|twofa|two[- ]factor|verification|security\s*code|authenticator/i;
  const USER_HINT = /user|login|client|account|email/i;
  const SUBMIT_TEXT = /^(?:log\s*in|login|sign\s*in|continue|submit|verify|proceed|next)\b/i;

  const visible = (el: Element): boolean => {
    const rects = el.getClientRects();
    if (rects.length === 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) !== 0;
  };
  const labelText = (input: HTMLInputElement): string => {
    const parts = [input.id, input.name, input.placeholder, input.getAttribute('aria-label'),
      input.getAttribute('label'), input.getAttribute('autocomplete'), input.className];
    for (const label of Array.from(input.labels ?? [])) parts.push(label.textContent);
    const wrapper = input.closest('label, .su-input-group, .form-group, .input-group');
    if (wrapper) parts.push(wrapper.querySelector('label')?.textContent ?? null);
    return parts.filter(Boolean).join(' ');
  };
  const textInputs = (root: ParentNode): HTMLInputElement[] =>
    Array.from(root.querySelectorAll('input')).filter((i) =>
      ['text', 'password', 'number', 'tel', 'email', ''].includes(i.type) && !i.disabled && visible(i));
  const buttons = (root: ParentNode): HTMLElement[] =>
    Array.from(root.querySelectorAll<HTMLElement>('button, input[type=submit], input[type=button], a[role=button]')).filter(visible);
  const buttonText = (b: HTMLElement): string =>
    (b instanceof HTMLInputElement ? b.value : b.textContent ?? '').replace(/\s+/g, ' ').trim();

  let marks = 0;
  const mark = (el: Element, role: string): string => {
    const value = `${role}-${Date.now().toString(36)}-${marks++}`;
    el.setAttribute(MARK, value);
    return `[${MARK}="${value}"]`;
  };
  const submitOf = (field: HTMLInputElement): string | null => {
    const root = field.form ?? field.closest('form, .login-form, .twofa-form') ?? document.body;
    const candidates = buttons(root);
    const chosen = candidates.find((b) => (b as HTMLButtonElement).type === 'submit' && !(b as HTMLButtonElement).disabled)
      ?? candidates.find((b) => SUBMIT_TEXT.test(buttonText(b)));
    return chosen ? mark(chosen, 'submit') : null;
  };
  const accept = (state: PageState): PageState | false => (expected.includes(state.kind) ? state : false);

  const body = document.body;
  if (!body) return accept({ kind: 'loading' });

  // 1. An error Kite shows: known wording anywhere visible, or text in an alert-like element.
  const pageText = body.innerText ?? '';
  for (const pattern of ERROR_PATTERNS) {
    const match = pattern.exec(pageText);
    if (match) return accept({ kind: 'error', message: match[0].trim().slice(0, 200) });
  }
  const alert = Array.from(body.querySelectorAll('[role=alert], .error, .errors, .alert, .text-error, .form-error, .error-message'))
    .find((el) => visible(el) && (el.textContent ?? '').trim().length > 3);
  if (alert) return accept({ kind: 'error', message: (alert.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 200) });

  // 2. A captcha is never answered, and its text box must not be mistaken for the code field.
  if (/captcha|prove you are (?:a )?human|not a robot|verify you are human/i.test(pageText) ||
      body.querySelector('[class*=captcha], [id*=captcha], img[src*=captcha], iframe[src*=recaptcha], iframe[src*=hcaptcha]')) {
    return accept({ kind: 'captcha' });
  }

  // 3. The user id + password step: a visible password field with a user-id-like field beside it.
  const want = (kind: PageState['kind']): boolean => expected.includes(kind);
  for (const password of textInputs(body).filter((i) => i.type === 'password')) {
    const root = password.form ?? password.closest('form, .login-form') ?? body;
    const others = textInputs(root).filter((i) => i !== password && i.type !== 'password');
    const user = others.find((i) => USER_HINT.test(labelText(i))) ?? others[0];
    if (user && user.compareDocumentPosition(password) & Node.DOCUMENT_POSITION_FOLLOWING) {
      if (!want('credentials')) return false;
      return accept({ kind: 'credentials', user: mark(user, 'user'), password: mark(password, 'password'), submit: submitOf(password) });
    }
  }

  // 4. The second factor: one short code field (6 digits, number type, TOTP/PIN labels, twofa form).
  const inputs = textInputs(body);
  const inTwofaForm = (i: HTMLInputElement): boolean => i.closest('.twofa-form, [class*=twofa], [class*=totp]') !== null;
  if (inputs.length >= 2 && inputs.every((i) => i.type !== 'password') &&
      (inputs.some(inTwofaForm) || inputs.filter((i) => /\?/.test(labelText(i))).length >= 2)) {
    return accept({ kind: 'security-questions' });
  }
  const codeLike = inputs.filter((i) =>
    i.maxLength === 6 || i.minLength === 6 || i.type === 'number' || i.type === 'tel' ||
    i.autocomplete === 'one-time-code' || /^[•●*·]{4,}$/.test(i.placeholder) ||
    CODE_HINT.test(labelText(i)) || inTwofaForm(i));
  if (codeLike.length === 1 && inputs.length === 1) {
    const code = codeLike[0] as HTMLInputElement;
    if (!want('second-factor')) return false;
    return accept({ kind: 'second-factor', code: mark(code, 'code'), submit: submitOf(code), hint: labelText(code).slice(0, 80) });
  }

  // 5. The consent page of an app's first login.
  const authorize = buttons(body).find((b) => /^authori[sz]e\b/i.test(buttonText(b)));
  if (authorize && !want('consent')) return false;
  if (authorize) return accept({ kind: 'consent', authorize: mark(authorize, 'authorize') });

  if (/^\/dashboard\b/.test(location.pathname)) return accept({ kind: 'dashboard' });
  return accept({ kind: 'loading' });
}
