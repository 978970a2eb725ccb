/**
 * What one frame shows a person, read inside the page: its visible fields and controls in
 * the light DOM and every open shadow root, each with its accessible name as a person would
 * read it, its type and shape, and whether a click at its centre would reach it. Elements
 * are marked with a reference (`data-kite-autologin`) that Playwright's CSS locators find
 * again through shadow roots. Values are never read, only their length.
 */
export interface FieldSeen {
  ref: string;
  /** The input's type (`text` when absent). */
  type: string;
  /** Everything that names it to a person: labels, aria, placeholder, title, nearby text. */
  name: string;
  /** Hints of the markup that Kite's own pages are known to use (classes of the form around it). */
  context: string;
  maxLength: number;
  minLength: number;
  inputMode: string;
  autocomplete: string;
  valueLength: number;
  /** Its rendered width in CSS pixels (a one-character box is narrow). */
  width: number;
  /** A click at its centre reaches it (nothing covers it). */
  hit: boolean;
  /** Fields sharing a group (their closest form, or closest common container) have the same number. */
  group: number;
}

export interface ControlSeen {
  ref: string;
  /** What it says: text, value, aria-label or title. */
  name: string;
  /** `submit` for a form's submit button; else the element or role. */
  kind: string;
  hit: boolean;
  group: number;
  /** Inside a dialog or overlay (see DialogSeen). */
  dialog: string | null;
}

export interface DialogSeen {
  ref: string;
  /** Its text, shortened. */
  text: string;
  /** It covers a field or most of the viewport. */
  covers: boolean;
  /** A dialog by its markup (dialog, role=dialog/alertdialog, aria-modal), not a mere banner. */
  modal: boolean;
}

export interface FrameSeen {
  url: string;
  fields: FieldSeen[];
  controls: ControlSeen[];
  dialogs: DialogSeen[];
  /** Texts of elements that look like messages (role=alert, .error...), visible. */
  alerts: string[];
  /** All visible text, shortened (for known error wordings and captchas). */
  text: string;
  /** Something that looks like a captcha is shown. */
  captcha: boolean;
}

export const MARK = 'data-kite-autologin';

/** Runs in the page; self-contained (serialised into each frame). */
export function snapshotFrame(): FrameSeen {
  const MARK_ATTR = 'data-kite-autologin';
  const roots: (Document | ShadowRoot)[] = [];
  const collectRoots = (root: Document | ShadowRoot): void => {
    roots.push(root);
    const walker = (root instanceof Document ? root : root).querySelectorAll('*');
    for (const el of Array.from(walker)) if (el.shadowRoot) collectRoots(el.shadowRoot);
  };
  collectRoots(document);
  // The shadow host above a node's root: none when the root is the document (or, detached, an element).
  const hostOf = (node: Node): Element | null => {
    const root = node.getRootNode();
    return root instanceof ShadowRoot ? root.host : null;
  };
  const all = (selector: string): Element[] => roots.flatMap((r) => Array.from(r.querySelectorAll(selector)));

  const isVisible = (el: Element): boolean => {
    const rects = el.getClientRects();
    if (rects.length === 0) return false;
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2) return false;
    for (let node: Element | null = el; node; node = node.parentElement ?? hostOf(node)) {
      const style = getComputedStyle(node);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) return false;
      if (node === document.documentElement) break;
    }
    return true;
  };
  const clean = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();
  const textOf = (el: Element): string => clean(el instanceof HTMLElement ? el.innerText : el.textContent); // SVG has no innerText

  let counter = 0;
  const stamp = Date.now().toString(36);
  const refOf = (el: Element): string => {
    let ref = el.getAttribute(MARK_ATTR);
    if (!ref) {
      ref = `${stamp}-${counter++}`;
      el.setAttribute(MARK_ATTR, ref);
    }
    return ref;
  };

  /** Does a click at the element's centre reach it (through shadow roots)? */
  const isHit = (el: Element): boolean => {
    const rect = el.getBoundingClientRect();
    const x = rect.left + rect.width / 2;
    const y = rect.top + rect.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return true; // off screen: scrolling brings it
    let hit: Element | null = document.elementFromPoint(x, y);
    while (hit?.shadowRoot) {
      const inner = hit.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === hit) break;
      hit = inner;
    }
    if (!hit) return false;
    if (hit === el || el.contains(hit)) return true;
    // A label for the field, or a wrapper that only holds it, passes the click on.
    return hit instanceof HTMLLabelElement && (hit.control === el);
  };

  const byId = (el: Element, id: string): Element | null => {
    const root = el.getRootNode();
    const found = root instanceof Document || root instanceof ShadowRoot ? root.getElementById(id) : null;
    return found ?? document.getElementById(id);
  };

  const fieldSelector = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=button]):not([type=image]):not([type=reset]):not([type=file]), textarea';
  const inputs = all(fieldSelector).filter((el) => !(el as HTMLInputElement).disabled && isVisible(el)) as HTMLInputElement[];

  /** Text around a field that names it: the nearest container holding this one field only. */
  const nearbyText = (input: HTMLInputElement): string => {
    let node: Element | null = input.parentElement;
    for (let depth = 0; node && depth < 4; depth += 1, node = node.parentElement) {
      const fields = Array.from(node.querySelectorAll(fieldSelector)).filter((f) => f !== input && isVisible(f));
      if (fields.length > 0) break;
      const text = textOf(node);
      if (text) return text.slice(0, 80);
    }
    // A text element just before the field (or its wrapper).
    for (let el: Element | null = input; el && el !== document.body; el = el.parentElement) {
      const before = el.previousElementSibling;
      if (before && !before.querySelector(fieldSelector) && !before.matches(fieldSelector)) {
        const text = textOf(before);
        if (text) return text.slice(0, 80);
      }
      if (el.parentElement && Array.from(el.parentElement.querySelectorAll(fieldSelector)).length > 1) break;
    }
    return '';
  };

  const nameOf = (input: HTMLInputElement): string => {
    const parts: string[] = [];
    const labelledBy = input.getAttribute('aria-labelledby');
    if (labelledBy) for (const id of labelledBy.split(/\s+/)) parts.push(textOf(byId(input, id) ?? document.createElement('i')));
    parts.push(clean(input.getAttribute('aria-label')));
    for (const label of Array.from(input.labels ?? [])) parts.push(textOf(label));
    parts.push(clean(input.getAttribute('label')), clean(input.title), clean(input.placeholder));
    if (parts.every((p) => !p)) parts.push(nearbyText(input));
    return [...new Set(parts.filter(Boolean))].join(' | ').slice(0, 160);
  };

  // Groups: a form, or else the closest container shared with another field.
  const groups = new Map<Element, number>();
  const groupOf = (el: Element): number => {
    let container: Element | null = (el as HTMLInputElement).form ?? el.closest('form');
    if (!container) {
      container = el.parentElement;
      while (container && container.parentElement && Array.from(container.querySelectorAll(fieldSelector)).length < 2 && !container.querySelector('button, [role=button], input[type=submit], input[type=button]')) {
        container = container.parentElement;
      }
    }
    const key = container ?? document.body;
    if (!groups.has(key)) groups.set(key, groups.size);
    return groups.get(key) as number;
  };

  const contextOf = (el: Element): string => {
    const parts: string[] = [];
    for (let node: Element | null = el.parentElement, depth = 0; node && depth < 5; node = node.parentElement, depth += 1) {
      if (typeof node.className === 'string' && node.className) parts.push(node.className);
    }
    return parts.join(' ').slice(0, 160);
  };

  const fields: FieldSeen[] = inputs.map((input) => ({
    ref: refOf(input),
    type: (input.getAttribute('type') ?? 'text').toLowerCase() || 'text',
    name: nameOf(input),
    context: contextOf(input),
    maxLength: input.maxLength > 0 ? input.maxLength : -1,
    minLength: input.minLength > 0 ? input.minLength : -1,
    inputMode: input.inputMode,
    autocomplete: input.getAttribute('autocomplete') ?? '',
    valueLength: input.value.length,
    width: Math.round(input.getBoundingClientRect().width),
    hit: isHit(input),
    group: groupOf(input),
  }));

  const dialogEls = all('dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]').filter(isVisible);
  // Controls without a role: a small element with a pointer cursor (its parent's is not) and short text.
  const everything = all('*');
  const styles = new Map(everything.map((el) => [el, getComputedStyle(el)] as const));
  const pointerEls = everything.filter((el) => {
    const parent = el.parentElement ?? hostOf(el);
    const text = textOf(el);
    return styles.get(el)?.cursor === 'pointer' && (!parent || getComputedStyle(parent).cursor !== 'pointer') &&
      !el.querySelector(fieldSelector) && text.length > 0 && text.length <= 30;
  });
  // Overlays without a role: fixed or raised absolute boxes above the page that hold a control.
  for (const el of everything) {
    if (dialogEls.some((d) => d.contains(el) || el.contains(d))) continue;
    const style = styles.get(el) as CSSStyleDeclaration;
    const holdsControl = el.querySelector('button, [role=button], a, input[type=button], input[type=submit]') !== null || pointerEls.some((p) => el.contains(p) && p !== el);
    const raised = style.position === 'fixed' || (style.position === 'absolute' && Number(style.zIndex) >= 100);
    if (!raised || el.querySelector(fieldSelector) || !isVisible(el)) continue;
    // A box holding a control, or a backdrop over most of the page with a notice to read
    // (closed with Escape); not a spinner (little text).
    const rect = el.getBoundingClientRect();
    const backdrop = rect.width * rect.height > innerWidth * innerHeight * 0.5 && textOf(el).length >= 30;
    if (holdsControl || backdrop) dialogEls.push(el);
  }
  const viewportArea = innerWidth * innerHeight;
  const dialogs: DialogSeen[] = dialogEls.map((el) => {
    const rect = el.getBoundingClientRect();
    const coversField = inputs.some((input) => !isHit(input) && (() => {
      const r = input.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      return x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom;
    })());
    const covers = coversField || rect.width * rect.height > viewportArea * 0.5;
    const modal = covers || el.matches('dialog, [role=dialog], [role=alertdialog], [aria-modal=true]');
    return { ref: refOf(el), text: textOf(el).slice(0, 160), covers, modal };
  });

  const REAL = 'button, input[type=submit], input[type=button], input[type=image], [role=button], a[href]';
  const candidates = [...new Set([...all(`${REAL}, [onclick], [tabindex]`), ...pointerEls])]
    .filter((el) => !(el as HTMLButtonElement).disabled && el.getAttribute('aria-disabled') !== 'true' && isVisible(el))
    .filter((el) => !el.matches(fieldSelector) && el.tagName !== 'FORM' && !dialogEls.includes(el) && !el.matches('dialog, [role=dialog], [role=alertdialog], [aria-modal=true]'));
  // A wrapper that merely holds controls or fields is not one; a control's own inner parts are not either.
  const controlEls = candidates
    .filter((el) => el.matches(REAL) || !candidates.some((other) => other !== el && el.contains(other)) && !el.querySelector(fieldSelector))
    .filter((el, _i, list) => !list.some((other) => other !== el && other.contains(el)));
  const controls: ControlSeen[] = controlEls.map((el) => {
    const name = clean(el instanceof HTMLInputElement ? el.value : textOf(el)) || clean(el.getAttribute('aria-label')) || clean(el.getAttribute('title'));
    const dialog = dialogEls.find((d) => d.contains(el) || (d.getRootNode() !== el.getRootNode() && d.contains(hostOf(el))));
    const kind = (el as HTMLButtonElement).type === 'submit' && (el instanceof HTMLButtonElement || el instanceof HTMLInputElement) && (el as HTMLButtonElement).form ? 'submit'
      : el.getAttribute('role') ?? el.tagName.toLowerCase();
    return { ref: refOf(el), name: name.slice(0, 60), kind, hit: isHit(el), group: groupOf(el), dialog: dialog ? refOf(dialog) : null };
  });

  // A document without a body (still loading, or not HTML) has null there, whatever its type says.
  const bodyText = (doc: Document): string | undefined => (doc.body as HTMLElement | null)?.innerText;
  const alerts = all('[role=alert], [aria-live=assertive], .error, .errors, .alert, .text-error, .form-error, .error-message, .su-message')
    .filter((el) => isVisible(el)).map(textOf).filter((t) => t.length > 3).map((t) => t.slice(0, 200));
  const text = roots.map((r) => (r instanceof Document ? clean(bodyText(r)) : Array.from(r.children).map(textOf).join(' '))).join(' ').slice(0, 4000);
  const captcha = /captcha|prove you are (?:a )?human|not a robot|verify you are human/i.test(text) ||
    all('[class*=captcha], [id*=captcha], img[src*=captcha], img[alt*=captcha i], iframe[src*=recaptcha], iframe[src*=hcaptcha]').length > 0;

  return { url: location.href, fields, controls, dialogs, alerts, text, captcha };
}
