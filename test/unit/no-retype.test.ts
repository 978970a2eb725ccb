/*
 * Found by an adversarial review: typing given up at its bound goes on inside Playwright, and a
 * page that posts at the sixth digit may send while the flow looks at the screen again; a second
 * round then typed the code again and the page posted it twice (the ledger held one). Now
 * nothing is typed again once the request carrying the secret was seen, and what goes with the
 * password (the user id) is typed before the password's submission begins.
 */
import { describe, expect, it } from 'vitest';
import { CoveredWhileTyping } from '../../src/kite/page-actions.js';
import { submitSecret, type SecretSend, type SubmissionGate } from '../../src/kite/submit-secret.js';
import { fakePage } from '../support/fake-page.js';

// Kite answers 200 to each post of the secret.
function post(body: string, posts: string[]) {
  posts.push(body);
  return { method: () => 'POST', resourceType: () => 'xhr', postData: () => body, url: () => 'https://kite.example/api/x',
    response: () => Promise.resolve({ status: () => 200, text: () => Promise.resolve('{"status":"success","data":{}}') }), failure: () => null };
}
const gate = (settled: string[]): SubmissionGate => ({
  totpWindowFloor: () => undefined, recordStop: () => Promise.resolve(),
  open: () => Promise.resolve({ settle: (a) => { settled.push(a); return Promise.resolve(); }, notSent: () => { settled.push('not-sent'); return Promise.resolve(); } }),
});
const run = (page: unknown, factor: 'totp' | 'password', secret: string, send: SecretSend, settled: string[]) => submitSecret({
  page: page as never, factor, secret, gate: gate(settled), kiteNow: Date.now(), clockMeasured: true, window: 1,
  answerMs: 10_000, socketOpened: () => false, diagnosticsDir: '/nonexistent', signal: undefined, now: Date.now,
}, send).then((r) => r.status, (e: unknown) => e);

describe('retyping after the secret already left', () => {
  it('split boxes: typing given up at its bound, the 6th digit lands (page posts, clears boxes) while the screen is looked at again; round 2 types the code again', async () => {
    const page = fakePage();
    const posts: string[] = [];
    const settled: string[] = [];
    let boxes = '';
    let typings = 0;
    // The page posts the code at the 6th digit, then clears the boxes (a page that resets its form when it sends).
    const typeAll = () => { boxes = '123456'; page.emit('request', post('twofa_value=123456', posts)); boxes = ''; };
    const send: SecretSend = {
      type: (_w, first) => {
        // as walk-login-pages' code send: type when first, or when the boxes do not hold the code
        if (!first && boxes === '123456') return Promise.resolve();
        typings += 1;
        if (typings === 1) { setTimeout(typeAll, 20); return Promise.reject(new CoveredWhileTyping('The code boxes')); } // Playwright keeps typing
        typeAll();
        return Promise.resolve();
      },
      press: () => Promise.resolve('done'),
      clearCover: () => new Promise((r) => setTimeout(() => r(true), 50)), // look() takes a while; screen still 'code'
    };
    expect(await run(page, 'totp', '123456', send, settled)).toBe(200);
    expect(posts.length).toBe(1);
    expect(typings).toBe(1);
  });

  it('password: click bound exceeded (unresponsive), the post goes out while looking again, the page cleared the password: typed and pressed again', async () => {
    const page = fakePage();
    const posts: string[] = [];
    const settled: string[] = [];
    let field = '';
    let presses = 0;
    const send: SecretSend = {
      type: (_w, first) => { if (first || field !== 'pw-secret') field = 'pw-secret'; return Promise.resolve(); },
      press: () => {
        presses += 1;
        const value = field;
        if (presses === 1) { setTimeout(() => { page.emit('request', post(`password=${value}`, posts)); field = ''; }, 20); return Promise.resolve('unresponsive' as const); }
        page.emit('request', post(`password=${value}`, posts)); field = '';
        return Promise.resolve('done' as const);
      },
      clearCover: () => new Promise((r) => setTimeout(() => r(true), 50)),
    };
    expect(await run(page, 'password', 'pw-secret', send, settled)).toBe(200);
    expect(posts.length).toBe(1);
    expect(presses).toBe(1);
  });
});

it('the page crashes while the user id is typed, before any key of the password: not sent', async () => {
  const page = fakePage({ closeDelayMs: 0 });
  const settled: string[] = [];
  let passwordTyped = false;
  const err = await run(page, 'password', 'pw', {
    prepare: () => { page.emit('crash'); page.dead = true; return Promise.reject(new Error('Target crashed')); },
    type: () => { passwordTyped = true; return Promise.resolve(); },
    press: () => Promise.resolve('done'), clearCover: () => Promise.resolve(false),
  }, settled);
  expect(err).toBeInstanceOf(Error);
  expect(passwordTyped).toBe(false);
  expect(settled).toEqual(['not-sent']);
});
