import type { CDPSession, Page } from 'playwright';

/**
 * Chromium's targets (pages, frames in processes of their own, workers) of one login page's
 * browser context, through the DevTools protocol's Target domain. Playwright reports what a
 * page and its dedicated workers send, not what a shared worker, a service worker or a
 * prerendered page sends: those are found here.
 */

interface TargetSeen { targetId: string; type: string; browserContextId?: string | undefined }

/** The page's own target: its id and its browser context's. */
export async function ownTarget(session: CDPSession): Promise<{ targetId: string; browserContextId: string | undefined }> {
  const { targetInfo } = (await session.send('Target.getTargetInfo')) as { targetInfo: TargetSeen };
  return { targetId: targetInfo.targetId, browserContextId: targetInfo.browserContextId };
}

/** Targets a login page may have that its own events report: its frames and its dedicated workers. */
function watchedKind(type: string): boolean {
  return type === 'iframe' || type === 'worker';
}

/** The targets of the page's browser context alive now (other accounts' contexts left out). */
export async function contextTargets(page: Page, browserContextId: string): Promise<TargetSeen[]> {
  const browser = page.context().browser();
  if (!browser) throw new Error('the page has no browser to ask about its targets');
  const session = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await session.send('Target.getTargets')) as { targetInfos: TargetSeen[] };
    return targetInfos.filter((t) => t.browserContextId === browserContextId);
  } finally {
    await session.detach().catch(() => undefined);
  }
}

export interface TargetWatch {
  /** Resolves once every later target of the context is seen (false: it could not be set up). */
  ready: Promise<boolean>;
  /** From now on, any target of the context other than the page, its frames and dedicated workers is news. */
  arm(): void;
  /** The kind of such a target seen since `arm` (alive then, created or gone since), if any. */
  unwatched(): string | undefined;
  dispose(): void;
}

/**
 * Follows the context's targets (Target.setDiscoverTargets on a browser session): a shared
 * worker that took the value and closed itself, or a prerendered page, would otherwise leave
 * no trace by the time the page is sealed.
 */
export function watchContextTargets(page: Page): TargetWatch {
  let armed = false;
  let seen: string | undefined;
  let session: CDPSession | undefined;
  // Set by dispose() while the setup below is under way.
  const life = { disposed: false };
  let pageTargetId: string | undefined;
  let contextId: string | undefined;
  // Targets of the context that are not the page's own kind, by id (a destroyed one is known by its id only).
  const others = new Map<string, string>();
  const note = (kind: 'created' | 'destroyed', info: TargetSeen | undefined, targetId?: string): void => {
    if (!armed || seen !== undefined) return;
    if (info && info.browserContextId === contextId && info.targetId !== pageTargetId && !watchedKind(info.type)) seen = `${info.type} ${kind}`;
    if (!info && targetId !== undefined && others.has(targetId)) seen = `${others.get(targetId) ?? 'target'} ${kind}`;
  };
  const ready = (async (): Promise<boolean> => {
    const browser = page.context().browser();
    if (!browser) return false;
    const own = await page.context().newCDPSession(page);
    try {
      ({ targetId: pageTargetId, browserContextId: contextId } = await ownTarget(own));
    } finally {
      await own.detach().catch(() => undefined);
    }
    if (contextId === undefined) return false;
    session = await browser.newBrowserCDPSession();
    if (life.disposed) {
      await session.detach().catch(() => undefined);
      return false;
    }
    // Kept up to date as targets come, change (a context id given later) and go: what is alive at `arm` is news then.
    const track = ({ targetInfo }: { targetInfo: TargetSeen }): void => {
      if (targetInfo.browserContextId === contextId && targetInfo.targetId !== pageTargetId && !watchedKind(targetInfo.type)) others.set(targetInfo.targetId, targetInfo.type);
      note('created', targetInfo);
    };
    session.on('Target.targetCreated', track);
    session.on('Target.targetInfoChanged', track);
    session.on('Target.targetDestroyed', ({ targetId }: { targetId: string }) => {
      note('destroyed', undefined, targetId);
      // Gone before the typing: it never saw the secret. (After it, `note` has counted it.)
      if (!armed) others.delete(targetId);
    });
    // Existing targets are announced first (before `arm`): one of another kind still alive then is news at `arm`.
    await session.send('Target.setDiscoverTargets', { discover: true });
    return true;
  })().catch(() => false);
  return {
    ready,
    arm: () => {
      armed = true;
      const alive = [...others.values()][0];
      if (alive !== undefined && seen === undefined) seen = `${alive} alive`;
    },
    unwatched: () => seen,
    dispose: () => {
      life.disposed = true;
      void session?.detach().catch(() => undefined);
    },
  };
}
