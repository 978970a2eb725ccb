import { existsSync } from 'node:fs';
import { chromium, type Browser, type ElementHandle, type Frame, type JSHandle, type Page } from '@playwright/test';
import { generateSync } from 'otplib';
import type { SimAccount, SimApp, Simulator } from '@kite-autologin/simulator';
import { refPaths, shapeModel, shellPaths, stepControls, stepPlan, type El, type Shape, type ShapeModel, type ShellPaths } from '@kite-autologin/simulator/shapes';

/**
 * The reference solver: validates the fuzzer, not the product. It may read the Shape (it is
 * the oracle), so it finds every element by the path the renderer gave it, and does what the
 * shape says a person would do: dismiss the overlay and the late dialog with their benign
 * controls (bringing the late one up first: a pointer move, a key, or a wait), type, press
 * the control (or Enter, or nothing when the code goes by itself), go through the steps after
 * the code with the control that goes on, and catch the redirect with its request_token. On a
 * page that asks for the App Code or an SMS OTP it stops at that screen and types nothing.
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
  /** Before dismissing an overlay or a late dialog that covers the form, check that the form cannot be clicked. */
  checkCovered?: boolean;
  /** After the code, press the first decoy of the steps (validates that it ends the login with no token). */
  pressDecoy?: boolean;
}

export interface OracleResult {
  /** `stopped-no-totp`: the page asked for the App Code or an SMS OTP; nothing was typed there. */
  outcome: 'logged-in' | 'harmed' | 'decoy' | 'stopped-no-totp';
  requestToken: string | undefined;
  redirect: string | undefined;
}

/**
 * Fails unless something covers `el`: the element hit at its centre (in its own document or
 * shadow root, as a click there would land) is neither it nor inside it. Immediate, where a
 * trial click would wait out its timeout before saying the same.
 */
async function expectCovered(el: ElementHandle, what: string): Promise<void> {
  const hit = await el.evaluate((node) => {
    const e = node as Element;
    e.scrollIntoView({ block: 'center', inline: 'center' });
    const box = e.getBoundingClientRect();
    const root = e.getRootNode() as Document | ShadowRoot;
    const top = root.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return top === null ? 'nothing' : top === e || e.contains(top) ? 'itself' : top.tagName.toLowerCase();
  });
  if (hit === 'itself' || hit === 'nothing') throw new Error(`the ${what} does not cover the form (hit: ${hit})`);
}

/** Brings the late dialog up as its trigger says (a pointer move, a key in the first field, or its delay), checks it covers the form, dismisses it. */
async function meetLateDialog(page: Page, frame: Frame, root: Root, model: ShapeModel, paths: ShellPaths, first: () => Promise<ElementHandle>, options: OracleOptions): Promise<void> {
  const late = model.late;
  if (!late || !paths.late) throw new Error('no late dialog');
  if (late.shape.trigger === 'first-look' && late.shape.look === 'pointer') {
    await first(); // its screen is up: the pointer is watched from then on
    await page.mouse.move(3, 3);
    await page.mouse.move(14, 9);
  } else if (late.shape.trigger === 'first-key') {
    await (await first()).focus();
    await page.keyboard.press('Shift');
  }
  const el = await waitFor(frame, root, [...paths.late, 0], late.tree);
  if (options.checkCovered) await expectCovered(await first(), 'late dialog');
  const benign = refPaths(late.tree)['benign'] as number[];
  await (await waitFor(frame, root, [...paths.late, 0, ...benign], nodeAt(late.tree, benign))).click();
  await waitGone(frame, el);
}

/**
 * Clears screen `index` of what comes in front of it: its overlay and the late dialog. A late
 * dialog that comes up on top of an overlay already on the form (by a delay or a pointer move:
 * a native modal stays above one that is not) is met first, before a click on the overlay
 * could bring it up under the pointer. `typing: false` (a screen nobody types in): a dialog
 * that comes with the first key is left alone.
 */
async function clearScreen(page: Page, frame: Frame, root: Root, model: ShapeModel, paths: ShellPaths, index: number, first: () => Promise<ElementHandle>, options: OracleOptions, typing = true): Promise<'clear' | 'harmed'> {
  const overlayIndex = model.overlays.findIndex((o) => o.shape.screen === index);
  const overlay = model.overlays[overlayIndex]?.shape;
  const met = model.late?.shape.screen === index ? model.late.shape : undefined;
  const late = met?.trigger === 'first-key' && !typing ? undefined : met;
  const onTop = late?.style === 'native-dialog' || overlay?.style !== 'native-dialog';
  const lateFirst = late !== undefined && overlay?.formUnderneath === true && late.trigger !== 'first-key' && onTop;
  if (lateFirst) await meetLateDialog(page, frame, root, model, paths, first, options);
  if (overlay) {
    const under = overlay.formUnderneath ? await first() : undefined;
    if (await dismissOverlay(page, frame, root, model, overlayIndex, paths, options, under) === 'harmed') return 'harmed';
  }
  if (late && !lateFirst) await meetLateDialog(page, frame, root, model, paths, first, options);
  return 'clear';
}

async function dismissOverlay(page: Page, frame: Frame, root: Root, model: ShapeModel, index: number, paths: ShellPaths, options: OracleOptions, screenFirst: ElementHandle | undefined): Promise<'dismissed' | 'harmed'> {
  const overlay = model.overlays[index] as ShapeModel['overlays'][number];
  const el = await waitFor(frame, root, [...paths.layer, 0], overlay.tree);
  if (options.checkCovered && screenFirst) await expectCovered(screenFirst, 'overlay');
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
  let redirected = (): void => undefined;
  const caught = new Promise<void>((resolve) => { redirected = resolve; });
  await page.route((url) => url.href.startsWith(world.app.redirectUrl), async (route) => {
    redirect = route.request().url();
    redirected();
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
    const firstRef = screen.fields[0]?.boxes === 6 ? 'box0' : screen.fields[0]?.role ?? 'control';
    if (screen.kind === 'code' && shape.secondFactor !== 'totp') {
      // A person with no App Code or SMS OTP to give stops here, having read what the page asks for.
      if (await clearScreen(page, frame, root, model, paths, i, () => at(firstRef), options, false) === 'harmed') {
        return { outcome: 'harmed', requestToken: undefined, redirect };
      }
      const screenRoot = await waitFor(frame, root, base, tree);
      const [words, html] = await screenRoot.evaluate((e) => [e.textContent ?? '', (e as Element).outerHTML]);
      const label = screen.fields[0]?.label.text ?? '';
      if (!words.includes(screen.hint ?? '-') || !html.includes(label) || /totp/i.test(words)) {
        throw new Error(`the ${shape.secondFactor} screen does not say what it asks for: ${words.slice(0, 120)}`);
      }
      return { outcome: 'stopped-no-totp', requestToken: undefined, redirect };
    }
    if (await clearScreen(page, frame, root, model, paths, i, () => at(firstRef), options) === 'harmed') {
      return { outcome: 'harmed', requestToken: undefined, redirect };
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
  if (await walkAfterCode(page, shape, options, () => redirect) === 'decoy') return { outcome: 'decoy', requestToken: undefined, redirect };
  // The redirect to the app, caught above: waited for, at most 10 s.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([caught, new Promise<void>((resolve) => { timer = setTimeout(resolve, 10_000); })]).finally(() => { clearTimeout(timer); });
  const token = redirect ? new URL(redirect).searchParams.get('request_token') ?? undefined : undefined;
  return { outcome: 'logged-in', requestToken: token, redirect };
}

/**
 * The steps after the code, as the shape's plan lists them (the app's Authorize page last when
 * none is a consent): on each page, the control that goes on (or, with `pressDecoy`, the first
 * decoy there is). A consent the user already gave is passed by, as Kite does.
 */
async function walkAfterCode(page: Page, shape: Shape, options: OracleOptions, caught: () => string | undefined): Promise<'done' | 'decoy'> {
  const onStep = (url: URL): boolean => url.pathname === '/connect/authorize' || url.pathname === '/connect/step';
  for (const step of stepPlan(shape.afterCode)) {
    await page.waitForURL((url) => caught() !== undefined || onStep(url), { timeout: 15_000 });
    if (caught() !== undefined) return 'done';
    const kind = new URL(page.url()).pathname === '/connect/authorize' ? 'consent' : 'offer';
    if (kind !== step.kind) continue;
    const controls = stepControls(step);
    const decoy = options.pressDecoy ? controls.find((c) => c.role === 'decoy') : undefined;
    const target = decoy ?? controls.find((c) => c.role === 'go-on');
    if (!target) throw new Error('a step with no way on');
    const before = page.url();
    await page.getByRole('button', { name: target.ariaLabel ?? target.text, exact: true }).click();
    if (decoy) return 'decoy';
    await page.waitForURL((url) => caught() !== undefined || url.href !== before, { timeout: 15_000 });
  }
  return 'done';
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
  const firstRef = screen.fields[0]?.role ?? 'control';
  await clearScreen(page, frame, root, model, paths, 0, () => at(firstRef), {});
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
