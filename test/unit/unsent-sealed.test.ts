import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitSecret, type SubmissionGate } from '../../src/kite/submit-secret.js';

/*
 * "Not sent" is recorded only when nothing that could carry the secret left the page. To make
 * that certain the flow closes the page; but closing runs the page's pagehide, visibilitychange
 * and unload handlers, and what they send (a beacon of the form's fields, as form-abandonment
 * analytics do) is not reported before close() resolves. Found by an adversarial review: the
 * password reached the server while the ledger said "not sent". Here, with real Chromium and a
 * server that records every POST: a "not sent" must never come with the secret received.
 */
const CHROMIUM = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((path) => existsSync(path));
const SECRET = 'hunter2-secret-42';
const PAGE = `<input id=p type=password><script>
  const send = (where) => navigator.sendBeacon(where, p.value);
  addEventListener('pagehide', () => send('/beacon-pagehide'));
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') send('/beacon-hidden'); });
  addEventListener('unload', () => send('/beacon-unload'));
</script>`;

describe.skipIf(CHROMIUM === undefined && !process.env['CI'])('a failed submission is "not sent" only if the page could not send it while closing', { timeout: 30_000 }, () => {
  // Unset when beforeAll failed (no Chromium, port not bound): afterAll still runs then.
  let browser: Browser | undefined;
  let server: Server | undefined;
  const received: string[] = [];

  beforeAll(async () => {
    const listening = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => {
        if (req.method === 'POST') received.push(`${req.url ?? ''} ${body}`);
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(PAGE);
      });
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: CHROMIUM ?? 'chromium-not-installed', args: ['--no-sandbox'], timeout: 10_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('typed, the submit control stays covered, the page is closed: its unload beacons must not carry the secret out unrecorded', async () => {
    if (browser === undefined || server === undefined) throw new Error('the browser or the server did not start');
    const context = await browser.newContext();
    const page = await context.newPage();
    const { port } = server.address() as { port: number };
    await page.goto(`http://127.0.0.1:${port}/`);
    const settled: string[] = [];
    const gate: SubmissionGate = {
      totpWindowFloor: () => undefined,
      recordStop: () => Promise.resolve(undefined),
      open: () => Promise.resolve({ settle: (answer) => { settled.push(answer); return Promise.resolve(); }, notSent: () => { settled.push('not-sent'); return Promise.resolve(); } }),
    };
    const error = await submitSecret({
      page, factor: 'password', secret: SECRET, gate, kiteNow: Date.now(), clockMeasured: true,
      answerMs: 5_000, socketOpened: () => false, diagnosticsDir: '/nonexistent', signal: undefined, now: Date.now,
    }, {
      type: async () => { await page.fill('#p', SECRET); },
      press: () => Promise.resolve('covered' as const),
      clearCover: () => Promise.resolve(false),
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    // Every connection the browser had ends with its processes: what it sent is in `received` then.
    await context.close().catch(() => undefined);
    await browser.close();
    browser = await chromium.launch({ executablePath: CHROMIUM ?? 'chromium-not-installed', args: ['--no-sandbox'], timeout: 10_000 });
    const leaked = received.filter((line) => line.includes(SECRET));
    expect(settled).toHaveLength(1);
    // Either the secret never left, or the ledger says it may have.
    if (settled[0] === 'not-sent') expect(leaked).toEqual([]);
    else expect(settled).toEqual(['unknown']);
  });
});
