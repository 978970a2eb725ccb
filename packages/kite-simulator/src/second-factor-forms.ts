/**
 * The login app's second-factor form for an account without external TOTP, in the page's own
 * words: the Kite app's App Code, or an SMS OTP. The variants' login app shows one of these
 * when Kite's answer to the password names `app_code` or `sms` (its own TOTP form otherwise).
 */
const error = '<p class="su-message error" style="display:none"></p>';

function form(label: string, hint: string): string {
  return `
<form class="twofa-form" autocomplete="off">
  <h2>${label}</h2>
  <div class="su-input-group twofa-value"><label for="userid" class="su-input-label">${label}</label>
    <input id="userid" type="number" maxlength="6" minlength="6" placeholder="••••••" autocomplete="one-time-code"></div>
  <p class="text-light">${hint}</p>
  ${error}
  <div class="actions"><button type="submit" class="button-orange wide">Continue</button></div>
</form>`;
}

export const OTHER_FACTOR_FORMS = {
  app_code: form('App Code', 'Enter the app code from the Kite app'),
  sms: form('SMS OTP', 'OTP sent to your phone'),
} as const;
