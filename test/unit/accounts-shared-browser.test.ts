import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { openSharedBrowser } from '../../src/kite/shared-browser.js';

/** A stand-in for Chromium: counts contexts opened and closed. */
function fakeBrowser() {
  const events = new EventEmitter();
  const open = new Set<object>();
  let closed = 0;
  const browser = {
    on: (name: string, fn: () => void) => { events.on(name, fn); return browser; },
    newContext: () => {
      const ctxEvents = new EventEmitter();
      const context = {
        once: (name: string, fn: () => void) => { ctxEvents.once(name, fn); return context; },
        close: () => { open.delete(context); ctxEvents.emit('close'); return Promise.resolve(); },
      };
      open.add(context);
      return Promise.resolve(context);
    },
    close: () => { closed += 1; open.clear(); events.emit('disconnected'); return Promise.resolve(); },
  };
  return { browser: browser as unknown as Browser, open, closedCount: () => closed, crash: () => events.emit('disconnected') };
}

const options = { chromiumPath: undefined, sandbox: 'off' as const, timeoutMs: 1000 };

describe('openSharedBrowser', () => {
  it('launches one browser for many logins; a login closing its view closes only its own contexts', async () => {
    const fakes: ReturnType<typeof fakeBrowser>[] = [];
    const shared = openSharedBrowser(() => { const f = fakeBrowser(); fakes.push(f); return Promise.resolve(f.browser); });
    const [a, b] = await Promise.all([shared.launch(options), shared.launch(options)]);
    expect(shared.launches()).toBe(1);
    await a.newContext();
    await b.newContext();
    expect(fakes[0]?.open.size).toBe(2);
    await a.close();
    expect(fakes[0]?.open.size).toBe(1);
    expect(fakes[0]?.closedCount()).toBe(0);
    await shared.close();
    expect(fakes[0]?.closedCount()).toBe(1);
    await expect(shared.launch(options)).rejects.toThrow(/closed/);
  });

  it('starts Chromium again for later logins when it died', async () => {
    const fakes: ReturnType<typeof fakeBrowser>[] = [];
    const shared = openSharedBrowser(() => { const f = fakeBrowser(); fakes.push(f); return Promise.resolve(f.browser); });
    await shared.launch(options);
    fakes[0]?.crash();
    await shared.launch(options);
    expect(shared.launches()).toBe(2);
    await shared.close();
  });
});
