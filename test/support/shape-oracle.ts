import { existsSync } from 'node:fs';
import { chromium, type Browser, type ElementHandle, type Frame, type JSHandle, type Page } from '@playwright/test';
import { generateSync } from 'otplib';
import type { SimAccount, SimApp, Simulator } from '@kite-autologin/simulator';
import { refPaths, shapeModel, shellPaths, type El, type Shape, type ShapeModel } from '@kite-autologin/simulator/shapes';

/**
 * The reference solver: validates the fuzzer, not the product. It may read the Shape (it is
 * the oracle), so it finds every element by the path the renderer gave it, and does what the
 * shape says a person would do: dismiss the overlay with its benign control, type, press the
 * control (or Enter, or nothing when the code goes by itself), authorize, and catch the
 * redirect with its request_token.
 */

export interface OracleWorld { sim: Simulator; account: SimAccount; app: SimApp }

/** Chromium for the oracle: CHROMIUM_PATH, the system's, or Playwright's own. */
export async function launchOracleBrowser(): Promise<Browser> {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const executablePath = candidates.find((p): p is string => !!p && existsSync(p));
  return chromium.launch(executablePath ? { executablePath } : {});
}

type Root = JSHandle<unknown>;

/** The app root: the page's (or frame's) first element, or the (inner) shadow root. */
async function appRoot(page: Page, shape: Shape): Promise<{ frame: Frame; root: Root }> {
  let frame = page.mainFrame();
  if (shape.host === 'iframe-src' || shape.host === 'iframe-srcdoc') {
    await page.waitForFunction(() => {
      const inner = document.querySelector('iframe')?.contentDocument;
      return !!inner && inner.readyState !== 'loading' && ((inner.body as HTMLElement | null)?.firstElementChild?.children.length ?? 0) > 0; // no body while it loads
    });
    const child = page.mainFrame().childFrames()[0];
    if (!child) throw new Error('no iframe');
    frame = child;
  }
  let root: Root;
  if (shape.host === 'shadow') {
    root = await frame.waitForFunction((tag) => document.querySelector(tag)?.shadowRoot?.children.length ? document.querySelector(tag)?.shadowRoot : null, shape.hostTags[0] as string);
  } else if (shape.host === 'shadow-nested') {
    root = await frame.waitForFunction(([outer, inner]) => {
      const sr = document.querySelector(outer as string)?.shadowRoot?.querySelector(inner as string)?.shadowRoot;
      return sr && sr.children.length > 0 ? sr : null;
    }, shape.hostTags);
  } else {
    root = await frame.waitForFunction(() => {
      const r = (document.body as HTMLElement | null)?.firstElementChild; // no body while it loads
      return r && r.children.length > 0 ? r : null;
    });
  }
  return { frame, root };
}

function nodeAt(tree: El, path: number[]): El {
  let node = tree;
  for (const index of path) node = node.children.filter((c): c is El => typeof c !== 'string')[index] as El;
  return node;
}

/** Waits for the element at `path` under the root to be the one `spec` describes, and returns it. */
async function waitFor(frame: Frame, root: Root, path: number[], spec: El, timeout = 10_000): Promise<ElementHandle> {
  const handle = await frame.waitForFunction(({ root: r, path: p, tag, attrs }) => {
    let el: Element | null = null;
    let parent: ParentNode = r as ParentNode;
    for (const i of p) {
      el = parent.children[i] ?? null;
      if (!el) return null;
      parent = el;
    }
    if (!el || el.tagName.toLowerCase() !== tag) return null;
    for (const [k, v] of attrs) if (k !== 'style' && el.getAttribute(k) !== v) return null;
    return el;
  }, { root, path, tag: spec.tag, attrs: spec.attrs }, { timeout });
  const el = handle.asElement();
  if (!el) throw new Error(`nothing at ${path.join('/')}`);
  return el;
}

async function waitGone(frame: Frame, el: ElementHandle): Promise<void> {
  await frame.waitForFunction((e) => !(e as Element).isConnected, el, { timeout: 15_000 });
}

/** A code from a fresh TOTP window (at least 4 s left), as a person would wait for one. */
export async function freshTotp(secret: string): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 4_000) await new Promise((r) => setTimeout(r, left + 100));
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) });
}

export interface OracleOptions {
  /** Click the overlay's harmful control instead of the benign one (validates that it ends the login). */
  clickHarmful?: boolean;
  /** Before dismissing an overlay that covers the form, check that the form cannot be clicked. */
  checkCovered?: boolean;
}

export interface OracleResult {
  outcome: 'logged-in' | 'harmed';
  requestToken: string | undefined;
  redirect: string | undefined;
}

async function dismissOverlay(page: Page, frame: Frame, root: Root, model: ShapeModel, index: number, paths: ReturnType<typeof shellPaths>, options: OracleOptions, screenFirst: ElementHandle | undefined): Promise<'dismissed' | 'harmed'> {
  const overlay = model.overlays[index] as ShapeModel['overlays'][number];
  const el = await waitFor(frame, root, [...paths.layer, 0], overlay.tree);
  if (options.checkCovered && screenFirst) {
    let clickable = true;
    try {
      await screenFirst.click({ trial: true, timeout: 600 });
    } catch {
      clickable = false;
    }
    if (clickable) throw new Error('the overlay does not cover the form');
  }
  const refs = refPaths(overlay.tree);
  const at = (ref: string): Promise<ElementHandle> => waitFor(frame, root, [...paths.layer, 0, ...(refs[ref] as number[])], nodeAt(overlay.tree, refs[ref] as number[]));
  if (options.clickHarmful && overlay.shape.harmful) {
    await (await at('harmful')).click();
    return 'harmed';
  }
  if (overlay.shape.dismiss === 'Escape') await page.keyboard.press('Escape');
  else await (await at('benign')).click();
  await waitGone(frame, el);
  return 'dismissed';
}

/** Logs in through the shape's page the way its Shape says, and returns the redirect's request_token. */
export async function solveWithOracle(page: Page, world: OracleWorld, shape: Shape, options: OracleOptions = {}): Promise<OracleResult> {
  if (!shape.solvable) throw new Error(`seed ${shape.seed} is unsolvable`);
  let redirect: string | undefined;
  await page.route((url) => url.href.startsWith(world.app.redirectUrl), async (route) => {
    redirect = route.request().url();
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'redirected' });
  });
  await page.goto(`${world.sim.loginUrl}?api_key=${world.app.apiKey}&v=3`);
  const { frame, root } = await appRoot(page, shape);
  const model = shapeModel(shape);
  const paths = shellPaths(model);
  let previous: ElementHandle | undefined;
  for (let i = 0; i < model.screens.length; i += 1) {
    const { shape: screen, tree } = model.screens[i] as ShapeModel['screens'][number];
    const refs = refPaths(tree);
    const base = [...paths.mount, 0];
    const at = (ref: string): Promise<ElementHandle> => waitFor(frame, root, [...base, ...(refs[ref] as number[])], nodeAt(tree, refs[ref] as number[]));
    if (previous) await waitGone(frame, previous);
    const overlayIndex = model.overlays.findIndex((o) => o.shape.screen === i);
    if (overlayIndex >= 0) {
      const under = model.overlays[overlayIndex]?.shape.formUnderneath;
      const firstRef = screen.fields[0]?.boxes === 6 ? 'box0' : screen.fields[0]?.role ?? 'control';
      const first = under ? await at(firstRef) : undefined;
      if (await dismissOverlay(page, frame, root, model, overlayIndex, paths, options, first) === 'harmed') {
        return { outcome: 'harmed', requestToken: undefined, redirect };
      }
    }
    const screenRoot = await waitFor(frame, root, base, tree);
    let last: ElementHandle | undefined;
    for (const field of screen.fields) {
      if (field.role === 'user') await (last = await at('user')).fill(world.account.userId);
      else if (field.role === 'password') await (last = await at('password')).fill(world.account.password);
      else if (field.role === 'code') {
        const code = await freshTotp(world.account.totpSecret);
        if (field.boxes === 6) {
          const first = await at('box0');
          last = await at('box5');
          await first.click();
          await page.keyboard.type(code, { delay: 40 });
        } else {
          await (last = await at('code')).fill(code);
        }
      }
    }
    if (screen.kind === 'code' && screen.codeSubmit === 'auto') {
      // The page sends it at the sixth digit.
    } else if (screen.control && !(screen.kind === 'code' && screen.codeSubmit === 'enter')) {
      await (await at('control')).click();
    } else {
      await (last as ElementHandle).press('Enter');
    }
    previous = screenRoot;
  }
  await page.waitForURL((url) => url.pathname === '/connect/authorize' || redirect !== undefined || url.href.startsWith(world.app.redirectUrl), { timeout: 15_000 });
  if (redirect === undefined && new URL(page.url()).pathname === '/connect/authorize') {
    await page.getByRole('button', { name: 'Authorize' }).click();
  }
  const deadline = Date.now() + 10_000;
  while (redirect === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const token = redirect ? new URL(redirect).searchParams.get('request_token') ?? undefined : undefined;
  return { outcome: 'logged-in', requestToken: token, redirect };
}

/**
 * For an unsolvable seed: the captcha is shown, and even someone who types into it (and into
 * the form beside it) gets no further: nothing reaches /api/login.
 */
export async function probeCaptcha(page: Page, world: OracleWorld, shape: Shape): Promise<{ errorText: string }> {
  if (shape.solvable) throw new Error(`seed ${shape.seed} is solvable`);
  await page.goto(`${world.sim.loginUrl}?api_key=${world.app.apiKey}&v=3`);
  const { frame, root } = await appRoot(page, shape);
  const model = shapeModel(shape);
  const paths = shellPaths(model);
  const { shape: screen, tree } = model.screens[0] as ShapeModel['screens'][number];
  const refs = refPaths(tree);
  const base = [...paths.mount, 0];
  const at = (ref: string): Promise<ElementHandle> => waitFor(frame, root, [...base, ...(refs[ref] as number[])], nodeAt(tree, refs[ref] as number[]));
  if (model.overlays.some((o) => o.shape.screen === 0)) {
    await dismissOverlay(page, frame, root, model, model.overlays.findIndex((o) => o.shape.screen === 0), paths, {}, undefined);
  }
  for (const field of screen.fields) {
    if (field.role === 'user') await (await at('user')).fill(world.account.userId);
    if (field.role === 'password') await (await at('password')).fill(world.account.password);
    if (field.role === 'captcha') await (await at('captcha')).fill('x7k2p');
  }
  if (screen.control) await (await at('control')).click();
  else await (await at('captcha')).press('Enter');
  const error = await at('error');
  await frame.waitForFunction((e) => (e as HTMLElement).style.display !== 'none' && !!(e as HTMLElement).textContent, error);
  return { errorText: (await error.textContent()) ?? '' };
}

/** Waits until screen `index` of the shape is on the page (e.g. the first again, after a reset). */
export async function waitForScreen(page: Page, shape: Shape, index: number): Promise<void> {
  const { frame, root } = await appRoot(page, shape);
  const model = shapeModel(shape);
  const { tree, shape: screen } = model.screens[index] as ShapeModel['screens'][number];
  const refs = refPaths(tree);
  const first = screen.fields[0]?.boxes === 6 ? 'box0' : screen.fields[0]?.role ?? 'control';
  const path = refs[first] as number[];
  await waitFor(frame, root, [...shellPaths(model).mount, 0, ...path], nodeAt(tree, path));
}
