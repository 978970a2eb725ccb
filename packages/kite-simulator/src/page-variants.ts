/**
 * The Kite login page as automation scripts found it over the years: placeholder-only fields
 * with security questions (2018), a PIN (2019-2021), an external TOTP, the newest number field.
 * Each variant is the markup the client-side app renders for the two steps; the login flow
 * must get through every one of them without knowing which it faces.
 */
export const PAGE_VARIANTS = ['2018', 'pin', 'totp', 'newest', 'autosubmit'] as const;
export type PageVariant = (typeof PAGE_VARIANTS)[number];

export interface VariantMarkup {
  /** The user id + password form. */
  login: string;
  /** The second-factor form. */
  twofa: string;
  /** Newer clients post `type=user_id` with the credentials. */
  sendType: boolean;
  /** The page posts the code by itself at the sixth digit. */
  autoSubmit: boolean;
  /** Wrong-password wording of the era. */
  messageStyle: 'classic' | 'attempts';
}

const error = '<p class="error" style="display:none"></p>';

const classicLogin = `
<form class="login-form" autocomplete="off">
  <h2>Login to Kite</h2>
  <div class="uid"><input type="text" placeholder="User ID" autocorrect="off" spellcheck="false"></div>
  <div class="password"><input type="password" placeholder="Password"></div>
  ${error}
  <div class="actions"><button type="submit" class="button-orange wide">Login</button></div>
  <a class="text-light forgot-link" href="#">Forgot password?</a>
</form>`;

const totpEraLogin = `
<form class="login-form" autocomplete="off">
  <h2>Login to Kite</h2>
  <div class="su-input-group"><label for="userid">User ID</label><input id="userid" type="text" placeholder="User ID" autocorrect="off" maxlength="10"></div>
  <div class="su-input-group"><label for="password">Password</label><input id="password" type="password" placeholder="Password"></div>
  ${error}
  <div class="actions"><button type="submit" class="button-orange wide">Login</button></div>
  <a class="text-light forgot-link" href="#">Forgot user ID or password?</a>
</form>`;

const newestLogin = `
<form class="login-form" autocomplete="off">
  <h2>Login to Kite</h2>
  <div class="su-input-group"><label for="userid" class="su-input-label">Phone or User ID</label>
    <input id="userid" type="text" placeholder="Phone or User ID" autocorrect="off" maxlength="24" autocomplete="username"></div>
  <div class="su-input-group"><label for="password" class="su-input-label">Password</label>
    <input id="password" type="password" placeholder="Password" autocomplete="current-password"></div>
  <p class="su-message error" style="display:none"></p>
  <div class="actions"><button type="submit" class="button-orange wide">Login</button></div>
  <a class="text-light forgot-link" href="#">Forgot user ID or password?</a>
</form>`;

const newestTwofa = `
<form class="twofa-form" autocomplete="off">
  <h2>Login to Kite</h2>
  <div class="su-input-group twofa-value"><input id="userid" type="number" maxlength="6" minlength="6" placeholder="••••••" autocomplete="off"></div>
  <p class="su-message error" style="display:none"></p>
  <div class="actions"><button type="submit" class="button-orange wide">Continue</button></div>
</form>`;

export const VARIANTS: Record<PageVariant, VariantMarkup> = {
  '2018': {
    login: classicLogin,
    twofa: `
<form class="twofa-form">
  <h2>Security questions</h2>
  <div><label>What is your year of birth?</label><input type="text" name="answer1"></div>
  <div><label>What is the name of your first school?</label><input type="text" name="answer2"></div>
  ${error}
  <button type="submit" class="button-orange wide">Continue</button>
</form>`,
    sendType: false,
    autoSubmit: false,
    messageStyle: 'classic',
  },
  pin: {
    login: classicLogin,
    twofa: `
<form class="twofa-form">
  <h2>Enter PIN</h2>
  <div><input id="pin" type="password" label="PIN" placeholder="PIN" maxlength="6" autocomplete="off"></div>
  ${error}
  <button type="submit" class="button-orange wide">Continue</button>
</form>`,
    sendType: false,
    autoSubmit: false,
    messageStyle: 'classic',
  },
  totp: {
    login: totpEraLogin,
    twofa: `
<form class="twofa-form">
  <h2>External TOTP</h2>
  <div class="su-input-group"><input id="totp" type="text" label="External TOTP" placeholder="External TOTP" maxlength="6" autocomplete="off"></div>
  ${error}
  <div class="actions"><button type="submit" class="button-orange wide">Continue</button></div>
</form>`,
    sendType: false,
    autoSubmit: false,
    messageStyle: 'attempts',
  },
  newest: { login: newestLogin, twofa: newestTwofa, sendType: true, autoSubmit: false, messageStyle: 'attempts' },
  autosubmit: { login: newestLogin, twofa: newestTwofa, sendType: true, autoSubmit: true, messageStyle: 'attempts' },
};

export function isPageVariant(value: string): value is PageVariant {
  return (PAGE_VARIANTS as readonly string[]).includes(value);
}
