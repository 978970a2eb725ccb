import { EventEmitter } from 'node:events';

/**
 * A fake Playwright page with what submitSecret uses: events, isClosed, close, frames, workers,
 * and its context's events, pages, browser, setOffline and CDP sessions (to stop the page's
 * scripts and to list the context's shared workers). Its requests are its context's too, and
 * what it sent before it closed is reported before close() resolves, as with Playwright.
 */
export interface FakePage extends EventEmitter { closed: boolean; dead: boolean; closeCalls: number; hangClose: boolean; scriptsStopped: number; workerList: unknown[]; cdp?: EventEmitter }

export interface FakeOptions { dead?: boolean; hangClose?: boolean; noSession?: boolean; sharedWorker?: boolean; navigateWhileFrozen?: boolean; otherPage?: boolean; closeDelayMs?: number; crashOnClose?: boolean; strayAtSeal?: boolean }

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
  // One CDP session stands for all: the page's, the frames' and the browser's (its events are the browser's).
  const session = Object.assign(new EventEmitter(), {
    send: (method: string) => {
      if (method === 'Emulation.setScriptExecutionDisabled') {
        page.scriptsStopped += 1;
        if (options.navigateWhileFrozen === true) page.emit('framenavigated', mainFrame);
      }
      if (method === 'Target.getTargetInfo') return Promise.resolve({ targetInfo: { targetId: 'P1', type: 'page', browserContextId: 'C1' } });
      const targets = [{ targetId: 'P1', type: 'page', browserContextId: 'C1' }, { targetId: 'X1', type: 'page', browserContextId: 'OTHER-ACCOUNT' }];
      if (options.sharedWorker === true) targets.push({ targetId: 'S1', type: 'shared_worker', browserContextId: 'C1' });
      // A target only the seal's listing shows (not announced to the watch): an iframe nobody froze.
      if (method === 'Target.getTargets') return Promise.resolve({ targetInfos: options.strayAtSeal === true ? [...targets, { targetId: 'F9', type: 'iframe', browserContextId: 'C1' }] : targets });
      if (method === 'Target.setDiscoverTargets') {
        for (const targetInfo of targets) session.emit('Target.targetCreated', { targetInfo });
        return Promise.resolve({});
      }
      return Promise.resolve({});
    },
    detach: () => Promise.resolve(),
  });
  page.cdp = session;
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
    if (options.crashOnClose === true) page.emit('crash');
    if (page.hangClose) return new Promise(() => undefined);
    return new Promise<void>((resolve) => setTimeout(() => { page.closed = true; resolve(); }, options.closeDelayMs ?? 10));
  };
  return page;
}
