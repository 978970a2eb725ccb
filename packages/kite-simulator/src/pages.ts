import type { PageFaults } from './faults.js';
import { PAGE_FAULT_HOOKS } from './page-fault-hooks.js';
import type { VariantMarkup } from './page-variants.js';
import { OTHER_FACTOR_FORMS } from './second-factor-forms.js';

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body{font-family:sans-serif;background:#fafafa;margin:0}
#app{max-width:360px;margin:60px auto;background:#fff;padding:30px;border:1px solid #eee}
input{display:block;width:100%;box-sizing:border-box;margin:8px 0;padding:8px}
.button-orange{background:#ff5722;color:#fff;border:0;padding:10px;width:100%}
.error{color:#d32f2f}`;

export function shell(title: string, body: string, scripts = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="icon" href="/static/favicon.png"><style>${STYLE}</style></head><body>${body}${scripts}</body></html>`;
}

/**
 * The login app's HTML: an empty mount point; the form appears once its script has run.
 * `faults` (default none) rides along in the page's config; without it the page is byte for
 * byte what it was before page faults existed.
 */
export function loginAppPage(markup: VariantMarkup, faults?: PageFaults): string {
  const config = JSON.stringify({ login: markup.login, twofa: markup.twofa, sendType: markup.sendType, autoSubmit: markup.autoSubmit, faults })
    .replace(/</g, '\\u003c');
  return shell('Kite - Zerodha\'s fast and elegant flagship trading platform',
    '<div id="app"><div class="loading">Loading…</div></div><img src="/static/logo.svg" alt="Kite" width="1" height="1">',
    `<script>window.__KITE_PAGE__=${config};</script><script src="/static/kite-app.js" defer></script>`);
}

/**
 * The client-side app: renders the credentials form, posts to /api/login, swaps in the
 * second-factor form Kite's answer names (no navigation: the variant's own TOTP form, or the
 * App Code or SMS OTP form), posts to /api/twofa with that `twofa_type`, then goes to
 * /connect/finish. Like the real one it does not guard against a code being submitted twice.
 * The page faults hook in where a screen is rendered and where an answer has been received.
 */
export const LOGIN_APP_SCRIPT = `(function () {
  var page = window.__KITE_PAGE__;${PAGE_FAULT_HOOKS}
  var FORMS = ${JSON.stringify(OTHER_FACTOR_FORMS)};
  var query = new URLSearchParams(location.search);
  var app = document.getElementById('app');
  var userId = null, requestId = null, twofaType = 'totp', formHint = null;
  function render(html) { app.innerHTML = html; }
  function showError(message) {
    var el = app.querySelector('.error');
    el.textContent = message;
    el.style.display = message ? '' : 'none';
  }
  function post(path, fields, point) {
    var user = fields.user_id;
    return fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Kite-Version': '3' },
      body: new URLSearchParams(fields)
    }).then(function (r) { if (path === '/api/login') formHint = r.headers.get('X-Sim-Twofa-Form'); return r.json(); })
      .then(function (body) { pageFaults.answered(point, user); return body; })
      .catch(function () { return { status: 'error', message: 'Something went wrong. Please try again.' }; });
  }
  function renderLogin() {
    render(page.login);
    var form = app.querySelector('form');
    var inputs = form.querySelectorAll('input');
    function send() {
      var fields = { user_id: inputs[0].value, password: inputs[1].value };
      if (page.sendType) fields.type = 'user_id';
      post('/api/login', fields, 'after-password').then(function (res) {
        if (res.status !== 'success') return showError(res.message);
        userId = res.data.user_id; requestId = res.data.request_id;
        twofaType = res.data.twofa_type || formHint || 'totp';
        renderTwofa();
      });
    }
    form.addEventListener('submit', function (event) { event.preventDefault(); send(); });
    if (page.faults && page.faults.postOnInput) {
      inputs[1].addEventListener('input', function once() { inputs[1].removeEventListener('input', once); send(); });
    }
    pageFaults.screen('credentials', form);
  }
  function renderTwofa() {
    render(twofaType !== 'totp' && FORMS[twofaType] ? FORMS[twofaType] : page.twofa);
    var form = app.querySelector('form');
    var input = form.querySelector('input');
    function send() {
      post('/api/twofa', { user_id: userId, request_id: requestId, twofa_value: input.value, twofa_type: twofaType, skip_session: '' }, 'after-code')
        .then(function (res) {
          if (res.status !== 'success') return showError(res.message);
          location.href = '/connect/finish?api_key=' + encodeURIComponent(query.get('api_key') || '') +
            '&sess_id=' + encodeURIComponent(query.get('sess_id') || '');
        });
    }
    form.addEventListener('submit', function (event) { event.preventDefault(); send(); });
    if (page.autoSubmit) input.addEventListener('input', function () { if (input.value.length === 6) send(); });
    pageFaults.screen('code', form);
  }
  renderLogin();
})();`;

export function dashboardPage(): string {
  return shell('Dashboard / Kite', '<div id="app"><h1>Dashboard</h1><p>Hi, welcome back.</p><div class="marketwatch"></div></div>');
}

export function maintenancePage(): string {
  return shell('Kite', '<div id="app"><h1>Scheduled maintenance</h1><p>Kite is unavailable while we upgrade our systems. We will be back shortly.</p></div>');
}

export function captchaPage(): string {
  return shell('Kite', `<div id="app"><form><h2>Verify</h2><p>Please prove you are human.</p>
<div class="captcha"><img src="/static/captcha.png" alt="captcha" width="120" height="40"></div>
<input type="text" placeholder="Enter the characters shown" maxlength="6"><button type="submit">Continue</button></form></div>`);
}
