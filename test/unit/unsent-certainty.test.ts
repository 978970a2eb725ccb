import type { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { BoundExceeded } from '../../src/kite/bounded.js';
import { submitSecret, type SecretSend, type SubmissionGate } from '../../src/kite/submit-secret.js';
import { fakePage, type FakeOptions, type FakePage } from '../support/fake-page.js';

/**
 * When a submission fails before any answer, "not sent" must be certain: a typing call given up
 * at its bound goes on inside Playwright, and a page may post the moment its last digit lands.
 * The page here is a fake with what submitSecret uses (test/support/fake-page.ts).
 */
function postRequest(body: string) {
  return { method: () => 'POST', resourceType: () => 'xhr', postData: () => body, url: () => 'https://kite.example/api/twofa', response: () => new Promise(() => undefined), failure: () => null };
}

function recordingGate(settled: string[]): SubmissionGate {
  return {
    totpWindowFloor: () => undefined,
    recordStop: () => Promise.resolve(undefined),
    open: () => Promise.resolve({
      settle: (answer) => { settled.push(answer); return Promise.resolve(); },
      notSent: () => { settled.push('not-sent'); return Promise.resolve(); },
    }),
  };
}

async function submit(page: FakePage, send: SecretSend, settled: string[], signal?: AbortSignal): Promise<unknown> {
  return submitSecret({
    page: page as never, factor: 'totp', secret: '123456', gate: recordingGate(settled), kiteNow: Date.now(), clockMeasured: true, window: 1,
    answerMs: 30_000, socketOpened: () => false, diagnosticsDir: '/nonexistent', signal, now: Date.now,
  }, send).then(() => undefined, (error: unknown) => error);
}

const idle = { press: () => Promise.resolve('done' as const), clearCover: () => Promise.resolve(false) };

describe('a submission that failed is not-sent only when that is certain', () => {
  it('typing given up at its bound, then the page posts the code as its last digit lands: unknown, not not-sent', async () => {
    const page = fakePage();
    const settled: string[] = [];
    const error = await submit(page, {
      ...idle,
      type: () => {
        setTimeout(() => page.emit('request', postRequest('twofa_value=123456')), 3);
        return Promise.reject(new BoundExceeded('typing', 5_000));
      },
    }, settled);
    expect(error).toBeInstanceOf(Error);
    expect(settled).toEqual(['unknown']);
    expect(page.closeCalls).toBe(1);
  });

  it('typing given up, the page closed and sent nothing: not-sent', async () => {
    const page = fakePage();
    const settled: string[] = [];
    await submit(page, { ...idle, type: () => Promise.reject(new BoundExceeded('typing', 5_000)) }, settled);
    expect(settled).toEqual(['not-sent']);
    expect(page.scriptsStopped).toBe(1);
  });

  it.each([
    ['a worker of the page (its requests after the close are reported nowhere)', { worker: true }],
    ['a second page in the context (a popup the value may be passed to)', { otherPage: true }],
    ['a shared worker in the context', { sharedWorker: true }],
    ['a frame that navigated while the page was sealed (its new document runs scripts again)', { navigateWhileFrozen: true }],
    ['a request of any kind after the typing (a GET carries a value in its URL)', { get: true }],
  ])('typing given up, the page closed, with %s: unknown', async (_what, options: FakeOptions & { worker?: boolean; get?: boolean }) => {
    const page = fakePage(options);
    if (options.worker === true) page.workerList.push({});
    const settled: string[] = [];
    await submit(page, {
      ...idle,
      type: () => {
        if (options.get === true) page.emit('request', { ...postRequest(''), method: () => 'GET', resourceType: () => 'stylesheet', url: () => 'https://kite.example/s.css?v=123456' });
        return Promise.reject(new BoundExceeded('typing', 5_000));
      },
    }, settled);
    expect(settled).toEqual(['unknown']);
    expect(page.closeCalls).toBe(1);
  });

  it('typing given up, a shared worker of the context came and went after the typing (gone by the seal): unknown', async () => {
    const page = fakePage();
    const settled: string[] = [];
    await submit(page, {
      ...idle,
      type: () => {
        page.cdp?.emit('Target.targetCreated', { targetInfo: { targetId: 'S2', type: 'shared_worker', browserContextId: 'C1' } });
        page.cdp?.emit('Target.targetDestroyed', { targetId: 'S2' });
        return Promise.reject(new BoundExceeded('typing', 5_000));
      },
    }, settled);
    expect(settled).toEqual(['unknown']);
  });

  it.each([
    ['a frame navigation refused by the page\'s CSP after a redirect (its first hop left)', { resourceType: 'document', navigation: true, errorText: 'net::ERR_BLOCKED_BY_CSP' }],
    ['a script that failed (only images, fonts and media are the tool\'s own refusals)', { resourceType: 'script', navigation: false, errorText: 'net::ERR_BLOCKED_BY_CLIENT' }],
  ])('typing given up, the only request after it failed, %s: unknown', async (_what, failed) => {
    const page = fakePage();
    const settled: string[] = [];
    await submit(page, {
      ...idle,
      type: () => {
        const request = { ...postRequest(''), method: () => 'GET', resourceType: () => failed.resourceType, isNavigationRequest: () => failed.navigation, url: () => 'https://kite.example/x', failure: () => ({ errorText: failed.errorText }) };
        page.emit('request', request);
        (page['context'] as () => EventEmitter)().emit('requestfailed', request);
        return Promise.reject(new BoundExceeded('typing', 5_000));
      },
    }, settled);
    expect(settled).toEqual(['unknown']);
  });

  it('typing given up; the context lists a target at the seal that the page\'s own events never showed (a frame in a process of its own not yet attached): unknown', async () => {
    const page = fakePage({ strayAtSeal: true });
    const settled: string[] = [];
    await submit(page, { ...idle, type: () => Promise.reject(new BoundExceeded('typing', 5_000)) }, settled);
    expect(settled).toEqual(['unknown']);
  });

  it('typing given up, the renderer crashed while the page was sealed (a request may have gone with it): unknown', async () => {
    const page = fakePage({ crashOnClose: true });
    const settled: string[] = [];
    await submit(page, { ...idle, type: () => Promise.reject(new BoundExceeded('typing', 5_000)) }, settled);
    expect(settled).toEqual(['unknown']);
  });

  it('typing given up; the only request after the typing was one the tool refused in the browser (a font: ERR_BLOCKED_BY_CLIENT), and another account\'s page is in another context: not-sent', async () => {
    const page = fakePage();
    const settled: string[] = [];
    await submit(page, {
      ...idle,
      type: () => {
        const font = { ...postRequest(''), method: () => 'GET', resourceType: () => 'font', isNavigationRequest: () => false, url: () => 'https://kite.example/f.woff2', failure: () => ({ errorText: 'net::ERR_BLOCKED_BY_CLIENT' }) };
        page.emit('request', font);
        (page['context'] as () => EventEmitter)().emit('requestfailed', font);
        return Promise.reject(new BoundExceeded('typing', 5_000));
      },
    }, settled);
    expect(settled).toEqual(['not-sent']);
  });

  it('typing given up and the page\'s scripts cannot be stopped before it closes (its unload handlers may send): unknown', async () => {
    const page = fakePage({ noSession: true });
    const settled: string[] = [];
    await submit(page, { ...idle, type: () => Promise.reject(new BoundExceeded('typing', 5_000)) }, settled);
    expect(settled).toEqual(['unknown']);
    expect(page.closeCalls).toBe(1);
  });

  it('typing given up and the page does not close within its bound: unknown', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const page = fakePage({ hangClose: true });
      const settled: string[] = [];
      const done = submit(page, { ...idle, type: () => Promise.reject(new BoundExceeded('typing', 5_000)) }, settled);
      await vi.advanceTimersByTimeAsync(60_000);
      await done;
      expect(settled).toEqual(['unknown']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the page was already gone before anything was typed (the shared browser died in the TOTP wait): not-sent, nothing typed', async () => {
    const page = fakePage({ dead: true });
    const settled: string[] = [];
    let typings = 0;
    const error = await submit(page, { ...idle, type: () => { typings += 1; return Promise.reject(new Error('Target page, context or browser has been closed')); } }, settled);
    expect(typings).toBe(0);
    expect(settled).toEqual(['not-sent']);
    expect((error as { code?: string }).code).toBe('BROWSER_FAILED');
  });

  it('the attempt was over before the gate opened: nothing recorded, nothing typed', async () => {
    const page = fakePage();
    const settled: string[] = [];
    let typings = 0;
    const controller = new AbortController();
    controller.abort();
    const error = await submit(page, { ...idle, type: () => { typings += 1; return Promise.resolve(); } }, settled, controller.signal);
    expect(typings).toBe(0);
    expect(settled).toEqual([]);
    expect((error as { code?: string }).code).toBe('ABORTED');
  });

  it('the attempt ended while the gate wrote the submission: not-sent, nothing typed', async () => {
    const page = fakePage();
    const settled: string[] = [];
    let typings = 0;
    const controller = new AbortController();
    const gate = recordingGate(settled);
    const open = gate.open.bind(gate);
    gate.open = async (factor, context) => { const ticket = await open(factor, context); controller.abort(); return ticket; };
    const error = await submitSecret({
      page: page as never, factor: 'password', secret: 'pw', gate, kiteNow: Date.now(), clockMeasured: true,
      answerMs: 30_000, socketOpened: () => false, diagnosticsDir: '/nonexistent', signal: controller.signal, now: Date.now,
    }, { ...idle, type: () => { typings += 1; return Promise.resolve(); } }).then(() => undefined, (e: unknown) => e);
    expect(typings).toBe(0);
    expect(settled).toEqual(['not-sent']);
    expect((error as { code?: string }).code).toBe('ABORTED');
  });

  it('a code whose window is about to end once the gate has written (a slow ledger write) is not typed: not-sent', async () => {
    const page = fakePage();
    const settled: string[] = [];
    let typings = 0;
    const error = await submitSecret({
      page: page as never, factor: 'totp', secret: '123456', gate: recordingGate(settled), kiteNow: Date.now(), clockMeasured: true, window: 1,
      fresh: () => false, answerMs: 30_000, socketOpened: () => false, diagnosticsDir: '/nonexistent', signal: undefined, now: Date.now,
    }, { ...idle, type: () => { typings += 1; return Promise.resolve(); } }).then(() => undefined, (e: unknown) => e);
    expect(typings).toBe(0);
    expect(settled).toEqual(['not-sent']);
    expect((error as { code?: string }).code).toBe('BROWSER_FAILED');
  });
});
