import type { AfterCodeStep, ConsentAccept, ConsentStep, Offer, OfferStep, StepControl } from './after-code.js';
import { escapeHtml, shell } from './pages.js';

/**
 * The pages of the steps after the code, on Kite's origin, rendered by the server as Kite's
 * consent page always was: a form whose controls each post `choice` (its place among the
 * step's controls) with the session and the step's number. Nothing in the markup says which
 * control goes on: only its words do.
 */

const OFFER_WORDS: Record<Offer, { heading: string; text: string }> = {
  passkey: { heading: 'Log in faster with a passkey', text: 'Use your fingerprint, face or screen lock to log in to Kite instead of your password and second factor.' },
  'trust-device': { heading: 'Trust this device?', text: 'Kite will not ask for your second factor on this browser for the next 30 days.' },
  tour: { heading: 'Take a tour of the new Kite', text: 'See what is new in Kite in a quick two-minute tour.' },
  notifications: { heading: 'Turn on notifications', text: 'Get order updates and price alerts in this browser.' },
};

function consentHeading(accept: ConsentAccept, app: string): string {
  switch (accept) {
    case 'Authorize':
    case 'Authorise': return `${accept} ${app}`;
    case 'Allow':
    case 'Allow access':
    case 'Yes, allow': return `Allow ${app} to access your Kite account?`;
    case 'Grant access': return `Grant ${app} access`;
    case 'Continue': return `${app} would like to connect to your Kite account`;
    case 'Approve': return `Approve access for ${app}`;
  }
}

function controlHtml(control: StepControl): string {
  const label = control.ariaLabel ? ` aria-label="${escapeHtml(control.ariaLabel)}"` : '';
  const style = control.text === '×' ? 'close' : control.role === 'go-on' ? 'button-orange wide' : /log out|dashboard/i.test(control.text) ? 'text-light link' : 'button-outline';
  return `<button type="submit" name="choice" value="${control.choice}" class="${style}"${label}>${escapeHtml(control.text)}</button>`;
}

function stepForm(action: string, sessId: string, index: number, controls: StepControl[], body: string): string {
  const close = controls.filter((c) => c.text === '×').map(controlHtml).join('');
  const others = controls.filter((c) => c.text !== '×').map(controlHtml).join('\n');
  return `<div id="app"><form method="post" action="${action}">
${close ? `<div style="text-align:right">${close}</div>` : ''}${body}
<input type="hidden" name="sess_id" value="${escapeHtml(sessId)}">
<input type="hidden" name="step" value="${index}">
<div class="actions">${others}</div>
</form></div>`;
}

export function consentStepPage(appName: string, sessId: string, index: number, step: ConsentStep, controls: StepControl[]): string {
  const heading = consentHeading(step.accept ?? 'Authorize', appName);
  return shell(`${step.accept === 'Authorise' ? 'Authorise' : 'Authorize'} - Kite Connect`, stepForm('/connect/authorize', sessId, index, controls, `
<h2>${escapeHtml(heading)}</h2>
<p>${escapeHtml(appName)} is requesting access to your Kite account: your profile, orders, holdings and positions.</p>`));
}

export function offerStepPage(sessId: string, index: number, step: OfferStep, controls: StepControl[]): string {
  const words = OFFER_WORDS[step.offer];
  return shell('Kite', stepForm('/connect/step', sessId, index, controls, `
<h2>${escapeHtml(words.heading)}</h2>
<p>${escapeHtml(words.text)}</p>`));
}

/** Where a decoy leads: a page that ends the login there (no way on to a token). */
export function decoyPage(step: AfterCodeStep, pressed: string, loginUrl: string): { redirect: string } | { html: string } {
  const link = (href: string, text: string): string => `<p><a href="${escapeHtml(href)}">${escapeHtml(text)}</a></p>`;
  const page = (heading: string, text: string, more = ''): { html: string } =>
    ({ html: shell('Kite', `<div id="app"><h2>${escapeHtml(heading)}</h2><p>${escapeHtml(text)}</p>${more}</div>`) });
  switch (pressed) {
    case 'Go to dashboard': return { redirect: '/dashboard' };
    case 'Start tour': return { redirect: '/dashboard?tour=1' };
    case 'Deny':
    case 'Cancel':
      return page('Login cancelled', step.kind === 'consent' ? 'The app was not given access to your account.' : 'You cancelled the login.', link('/dashboard', 'Go to dashboard'));
    case 'Not you? Log out':
    case 'Log out':
      return page('You have been logged out', 'Log in again to continue.', link(loginUrl, 'Login again'));
    case 'Set up passkey':
      return page('Set up a passkey', 'Follow your browser\'s prompt to create a passkey for this account.');
    case 'Trust this device':
      return page('This device is now trusted', 'Kite will not ask for your second factor on this browser for 30 days.', link('/dashboard', 'Go to dashboard'));
    default:
      return page('Notifications turned on', 'You will get order updates and price alerts in this browser.', link('/dashboard', 'Go to dashboard'));
  }
}
