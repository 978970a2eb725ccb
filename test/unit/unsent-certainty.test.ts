import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { BoundExceeded } from '../../src/kite/bounded.js';
import { submitSecret, type SecretSend, type SubmissionGate } from '../../src/kite/submit-secret.js';

/**
 * When a submission fails before any answer, "not sent" must be certain: a typing call given up
 * at its bound goes on inside Playwright, and a page may post the moment its last digit lands.
 * The page here is a fake with what submitSecret uses: events, isClosed, close, context().browser().
 */
interface FakePage extends EventEmitter { closed: boolean; dead: boolean; closeCalls: number; hangClose: boolean }

function fakePage(options: { dead?: boolean; hangClose?: boolean } = {}): FakePage & Record<string, unknown> {
  const page = Object.assign(new EventEmitter(), { closed: false, dead: options.dead ?? false, closeCalls: 0, hangClose: options.hangClose ?? false }) as FakePage & Record<string, unknown>;
  page['isClosed'] = () => page.closed || page.dead;
  page['context'] = () => ({ browser: () => ({ isConnected: () => !page.dead }), setOffline: () => Promise.resolve(undefined) });
  // Like Playwright: what the page sent before it closed is reported before close() resolves.
  page['close'] = () => {
    page.closeCalls += 1;
    if (page.hangClose) return new Promise(() => undefined);
    return new Promise<void>((resolve) => setTimeout(() => { page.closed = true; resolve(); }, 10));
  };
  return page;
}

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
