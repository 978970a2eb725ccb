import { EventEmitter } from 'node:events';

/**
 * A fake Playwright page with what submitSecret uses: events, isClosed, close, frames, workers,
 * and its context's events, pages, browser, setOffline and CDP sessions (to stop the page's
 * scripts and to list the context's shared workers). Its requests are its context's too, and
 * what it sent before it closed is reported before close() resolves, as with Playwright.
 */
export interface FakePage extends EventEmitter { closed: boolean; dead: boolean; closeCalls: number; hangClose: boolean; scriptsStopped: number; workerList: unknown[] }

export interface FakeOptions { dead?: boolean; hangClose?: boolean; noSession?: boolean; sharedWorker?: boolean; navigateWhileFrozen?: boolean; otherPage?: boolean; closeDelayMs?: number }

export function fakePage(options: FakeOptions = {}): FakePage & Record<string, unknown> {
  const page = Object.assign(new EventEmitter(), { closed: false, dead: options.dead ?? false, closeCalls: 0, hangClose: options.hangClose ?? false, scriptsStopped: 0, workerList: [] as unknown[] }) as FakePage & Record<string, unknown>;
  const context = new EventEmitter() as EventEmitter & Record<string, unknown>;
  // Like Playwright: a page's requests are its context's too.
  const emit = page.emit.bind(page);
  page.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'request') context.emit('request', ...args);
    return emit(event, ...args);
  };
  const mainFrame = {};
  page['isClosed'] = () => page.closed || page.dead;
  page['frames'] = () => [mainFrame];
  page['mainFrame'] = () => mainFrame;
  page['workers'] = () => page.workerList;
  const session = {
    send: (method: string) => {
      if (method === 'Emulation.setScriptExecutionDisabled') {
        page.scriptsStopped += 1;
        if (options.navigateWhileFrozen === true) page.emit('framenavigated', mainFrame);
      }
      if (method === 'Target.getTargetInfo') return Promise.resolve({ targetInfo: { browserContextId: 'C1' } });
      if (method === 'Target.getTargets') return Promise.resolve({ targetInfos: options.sharedWorker === true ? [{ type: 'shared_worker', browserContextId: 'C1' }] : [{ type: 'page', browserContextId: 'C1' }] });
      return Promise.resolve({});
    },
    detach: () => Promise.resolve(),
  };
  const browser = { isConnected: () => !page.dead, newBrowserCDPSession: () => Promise.resolve(session) };
  const otherPage = {};
  Object.assign(context, {
    browser: () => browser,
    pages: () => (options.otherPage === true ? [page, otherPage] : [page]),
    setOffline: () => Promise.resolve(undefined),
    newCDPSession: () => options.noSession === true ? Promise.reject(new Error('Target closed')) : Promise.resolve(session),
  });
  page['context'] = () => context;
  // Like Playwright: what the page sent before it closed is reported before close() resolves.
  page['close'] = () => {
    page.closeCalls += 1;
    if (page.hangClose) return new Promise(() => undefined);
    return new Promise<void>((resolve) => setTimeout(() => { page.closed = true; resolve(); }, options.closeDelayMs ?? 10));
  };
  return page;
}
