import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, newLoginContext } from '../../src/kite/browser.js';
import { stopScripts } from '../../src/kite/seal-page.js';
import { submitSecret, type SubmissionGate } from '../../src/kite/submit-secret.js';

/*
 * "Not sent" is recorded only when nothing that could carry the secret left the page. To make
 * that certain the flow closes the page; but closing runs the page's pagehide, visibilitychange
 * and unload handlers, and what they send (a beacon of the form's fields, as form-abandonment
 * analytics do) is not reported before close() resolves. Found by an adversarial review: the
 * password reached the server while the ledger said "not sent". Here, with real Chromium and a
 * server that records every POST: a "not sent" must never come with the secret received.
 * Taking the context offline before closing was the first fix, and not enough: the beacons still
 * arrived in about one close in five, and in four of five from a field inside a frame (seen in CI).
 * Each shape is tried a few times, the frame one with site isolation on (the frame in a process
 * of its own, with settings of its own).
 */
const CHROMIUM = ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((path) => existsSync(path));
const SECRET = 'hunter2-secret-42';
const PAGE = `<input id=p type=password><script>
  const send = (where) => navigator.sendBeacon(where, p.value);
  addEventListener('pagehide', () => send('/beacon-pagehide'));
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') send('/beacon-hidden'); });
  addEventListener('unload', () => send('/beacon-unload'));
</script>`;
/** The same field, inside a frame from another site (localhost and 127.0.0.1 are two sites). */
const OUTER = (port: number): string => `<iframe src="http://localhost:${port}/inner"></iframe>`;
/**
 * A worker holds the value; the page beats to it, and it posts the value once the beats stop
 * (the page is gone). Its request after the close is reported to no page: with a worker, "not
 * sent" is never certain.
 */
const WORKER = `let v = ''; let last = Date.now(); let fired = false;
onmessage = (e) => { if (e.data.v !== undefined) v = e.data.v; last = Date.now(); };
setInterval(() => { if (!fired && v && Date.now() - last > 10) { fired = true; fetch('/worker-post', { method: 'POST', body: v, keepalive: true }); } }, 1);`;
const WORKER_PAGE = `<input id=p type=password><script>
  const w = new Worker('/w.js');
  p.addEventListener('input', () => w.postMessage({ v: p.value }));
  setInterval(() => w.postMessage({ beat: 1 }), 2);
</script>`;
/** A GET whose URL carries the value, as a stylesheet: no body, and still a way out. */
const GET_PAGE = `<input id=p type=password><script>
  p.addEventListener('input', () => { const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '/s.css?v=' + encodeURIComponent(p.value); document.head.append(l); });
</script>`;
const ROUNDS = 3;

describe.skipIf(CHROMIUM === undefined && !process.env['CI'])('a failed submission is "not sent" only if the page could not send it while closing', { timeout: 30_000 }, () => {
  // Unset when beforeAll failed (no Chromium, port not bound): afterAll still runs then.
  let browser: Browser | undefined;
  let server: Server | undefined;
  const received: string[] = [];
  const port = (): number => (server?.address() as { port: number } | null)?.port ?? 0;

  beforeAll(async () => {
    const listening = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        if (req.method === 'POST' || (req.url ?? '').includes('?')) received.push(`${decodeURIComponent(req.url ?? '')} ${body}`);
        res.writeHead(200, { 'Content-Type': path === '/w.js' ? 'text/javascript' : path === '/s.css' ? 'text/css' : 'text/html' });
        const pages: Record<string, string> = { '/framed': OUTER(port()), '/worker': WORKER_PAGE, '/w.js': WORKER, '/get': GET_PAGE, '/s.css': '' };
        res.end(pages[path ?? '/'] ?? PAGE);
      });
    });
    server = listening;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    browser = await launch();
  });

  // The tool's own flags and context, and site isolation on (a cross-site frame in a process of its own).
  const launch = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM ?? 'chromium-not-installed', args: [...chromiumArgs(false), '--no-sandbox', '--site-per-process'], timeout: 10_000 });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  // The rounds below catch a leak that came one close in five; this catches the mechanism every time.
  it('a page whose scripts were stopped sends nothing from its unload handlers when it closes, even online', async () => {
    if (browser === undefined || server === undefined) throw new Error('the browser or the server did not start');
    for (const path of ['/', '/framed']) {
      received.length = 0;
      const context = await newLoginContext(browser, 10_000);
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${port()}${path}`);
      const field = path === '/framed' ? page.frameLocator('iframe').locator('#p') : page.locator('#p');
      await field.fill(SECRET);
      await stopScripts(page, page.frames());
      await page.close({ runBeforeUnload: false });
      await context.close();
      // Every connection the browser had ends with its processes: what it sent is in `received` then.
      await browser.close();
      browser = await launch();
      expect(received, path).toEqual([]);
    }
  });

  it.each([
    ['a field on the page', '/', 'not-sent'],
    ['a field in a frame from another site, in a process of its own', '/framed', 'not-sent'],
    ['a field whose value a worker of the page holds', '/worker', 'unknown'],
    ['a field whose value goes out in the URL of a stylesheet', '/get', 'unknown'],
  ])('typed into %s, the submit control stays covered, the page is closed: nothing carries the secret out unrecorded (%s)', async (_shape, path, expected) => {
    for (let round = 0; round < ROUNDS; round += 1) {
      if (browser === undefined || server === undefined) throw new Error('the browser or the server did not start');
      received.length = 0;
      const context = await newLoginContext(browser, 10_000);
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${port()}${path}`);
      const field = path === '/framed' ? page.frameLocator('iframe').locator('#p') : page.locator('#p');
      await field.waitFor({ timeout: 10_000 });
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
        type: async () => { await field.fill(SECRET); },
        press: () => Promise.resolve('covered' as const),
        clearCover: () => Promise.resolve(false),
      }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      // Every connection the browser had ends with its processes: what it sent is in `received` then.
      await context.close().catch(() => undefined);
      await browser.close();
      browser = await launch();
      const leaked = received.filter((line) => line.includes(SECRET));
      expect(settled).toHaveLength(1);
      // Either the secret never left, or the ledger says it may have.
      if (settled[0] === 'not-sent') expect(leaked, `round ${round + 1}`).toEqual([]);
      else expect(settled).toEqual(['unknown']);
      // A sealed page without workers sends nothing: "not sent". A worker, or a request seen, cannot be: "unknown".
      expect(settled, `round ${round + 1}`).toEqual([expected]);
    }
  });
});
