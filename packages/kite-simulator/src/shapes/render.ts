import { SHAPE_APP_SCRIPT } from './runtime.js';
import type { ControlShape, FieldShape, OverlayShape, ScreenShape, Shape } from './shape.js';

/**
 * A shape as element trees. The browser app builds the DOM from these trees (as a
 * client-side framework would); `ref` names the elements the app wires up and is never
 * rendered, so the page carries no marker a login flow could key on.
 */
export interface El {
  tag: string;
  attrs: [string, string][];
  children: Child[];
  ref?: string;
}
export type Child = El | string;

type Attrs = Record<string, string | number | boolean | undefined>;

function h(tag: string, attrs: Attrs = {}, children: Child[] = [], ref?: string): El {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    pairs.push([name, value === true ? '' : String(value)]);
  }
  return ref === undefined ? { tag, attrs: pairs, children } : { tag, attrs: pairs, children, ref };
}

/** The element trees of one shape, and where the app puts them. */
export interface ShapeModel {
  /** The app root's children (the app root: a div of the page or the frame, or a shadow root). */
  shell: El[];
  screens: { shape: ScreenShape; tree: El }[];
  overlays: { shape: OverlayShape; tree: El }[];
  banner: El | undefined;
}

/** Paths (child indexes) from the app root to the shell's named elements. */
export interface ShellPaths { mount: number[]; status: number[]; layer: number[] }

const CSS = `
:host{display:block}
*{box-sizing:border-box}
h2{font-size:20px;margin:0 0 16px}
input{display:block;width:100%;margin:6px 0 12px;padding:8px;font-size:15px;border:1px solid #ccc}
input[type=number]{-moz-appearance:textfield}
input[type=number]::-webkit-inner-spin-button,input[type=number]::-webkit-outer-spin-button{-webkit-appearance:none;margin:0}
label,span,p,div{font-size:14px}
button,input[type=submit],input[type=button],[role=button]{display:inline-block;background:#ff5722;color:#fff;border:0;padding:10px 16px;font-size:15px;cursor:pointer;text-align:center;margin:8px 0}
a{color:#387ed1}
dialog{border:0;padding:20px;max-width:400px}
dialog::backdrop{background:rgba(0,0,0,.5)}`;

export function shapeModel(shape: Shape): ShapeModel {
  const shell: El[] = [
    h('style', {}, [CSS]),
    h('div', { style: 'text-align:center;padding:12px' }, [h('img', { src: '/static/logo.svg', alt: 'Kite', width: 40, height: 40 })]),
    h('div', { style: 'text-align:center;color:#888;padding:8px' }, ['Loading…'], 'status'),
    h('div', { id: shape.appId, class: shape.appClass, style: 'max-width:380px;margin:12px auto;background:#fff;padding:24px;border:1px solid #eee' }, [], 'mount'),
    h('div', {}, [], 'layer'),
  ];
  return {
    shell,
    screens: shape.screens.map((screen) => ({ shape: screen, tree: screenTree(shape, screen) })),
    overlays: shape.overlays.map((overlay) => ({ shape: overlay, tree: overlayTree(shape, overlay) })),
    banner: shape.banner
      ? h('div', { role: 'region', 'aria-label': 'Cookie notice', style: 'position:fixed;left:0;right:0;bottom:0;z-index:900;background:#333;color:#fff;padding:8px 16px;display:flex;gap:12px;align-items:center;justify-content:center;font-size:13px' }, [
        h('span', {}, [shape.banner.text]),
        h('button', { type: 'button', onclick: 'this.parentNode.remove()', style: 'background:#fff;color:#333;border:0;padding:4px 10px;cursor:pointer' }, [shape.banner.accept]),
      ])
      : undefined,
  };
}

function screenTree(shape: Shape, screen: ScreenShape): El {
  const body: Child[] = [];
  if (screen.heading) body.push(h('h2', {}, [screen.heading]));
  if (screen.userChip) {
    body.push(h('div', { style: 'margin-bottom:12px' }, [
      h('span', { style: 'font-weight:bold' }, [], 'chip-user'), ' ',
      h('a', { href: '#' }, [screen.userChip.text], 'chip-change'),
    ]));
  }
  if (screen.captchaImage && screen.kind === 'captcha') body.push(h('p', {}, [screen.captchaImage.prompt]));
  const error = h('p', { class: screen.errorClass, role: screen.errorRoleAlert ? 'alert' : undefined, style: 'display:none;color:#d32f2f' }, [], 'error');
  if (screen.errorPlacement === 'before-fields') body.push(error);
  for (const field of screen.fields) {
    if (field.role === 'captcha' && screen.captchaImage) {
      if (screen.kind !== 'captcha') body.push(h('p', {}, [screen.captchaImage.prompt]));
      body.push(h('div', {}, [h('img', { src: '/static/captcha.png', alt: screen.captchaImage.alt, width: 160, height: 50, style: 'background:repeating-linear-gradient(45deg,#ddd,#ddd 4px,#bbb 4px,#bbb 8px)' })]));
    }
    body.push(...fieldBlock(field));
  }
  if (screen.errorPlacement === 'after-fields') body.push(error);
  if (screen.control) {
    const control = controlEl(screen.control, shape.useForm);
    body.push(screen.control.kind === 'clickable-div' || screen.wrapperDepth % 2 === 0 ? h('div', { class: 'actions' }, [control]) : control);
  }
  if (screen.errorPlacement === 'after-control') body.push(error);
  for (const link of screen.links) {
    body.push(h('div', { style: 'margin-top:10px' }, [h('a', { href: '#', class: link === 'forgot' ? 'text-light forgot-link' : undefined }, [link === 'forgot' ? 'Forgot user ID or password?' : "Don't have an account? Signup now!"])]));
  }
  let tree = h(screen.useForm ? 'form' : 'div', { id: screen.formId, class: screen.formClass, autocomplete: screen.useForm ? 'off' : undefined }, body, 'form');
  for (const cls of screen.wrapperClasses) tree = h('div', { class: cls }, [tree]);
  return tree;
}

function inputAttrs(field: FieldShape): Attrs {
  const mech = field.label.mechanism;
  return {
    id: field.id,
    class: field.className,
    name: field.name,
    type: field.type,
    placeholder: field.placeholder,
    autocomplete: field.autocomplete,
    maxlength: field.maxLength,
    minlength: field.minLength,
    inputmode: field.inputMode,
    autocorrect: field.role === 'user' ? 'off' : undefined,
    spellcheck: field.role === 'user' || field.role === 'captcha' ? 'false' : undefined,
    'aria-label': mech === 'aria-label' ? field.label.text : undefined,
    'aria-labelledby': mech === 'aria-labelledby' ? field.label.id : undefined,
    title: mech === 'title' ? field.label.text : undefined,
  };
}

/** A field with its label and wrappers, as the screen's children (one or two elements). */
function fieldBlock(field: FieldShape): Child[] {
  const label = field.label;
  const mech = label.mechanism;
  let core: El;
  if (field.boxes === 6) {
    const boxes = field.boxIds.map((id, i) => h('input', {
      id, class: field.className, name: field.name === undefined ? undefined : `${field.name}${i + 1}`, type: field.type,
      maxlength: field.maxLength, inputmode: field.inputMode, autocomplete: i === 0 ? field.autocomplete : 'off',
      placeholder: field.placeholder, 'aria-label': field.boxLabels[i], style: 'display:inline-block;width:42px;margin:0;text-align:center',
    }, [], `box${i}`));
    core = h('div', {
      role: mech === 'aria-label' || mech === 'aria-labelledby' ? 'group' : undefined,
      'aria-label': mech === 'aria-label' ? label.text : undefined,
      'aria-labelledby': mech === 'aria-labelledby' ? label.id : undefined,
      style: 'display:flex;gap:8px;margin:6px 0 12px',
    }, boxes);
  } else {
    core = h('input', inputAttrs(field), [], field.role);
  }
  // Labels that hold the field.
  if (mech === 'label-wrap') {
    const text: Child = field.wrapperDepth % 2 === 0 ? label.text : h('span', {}, [label.text]);
    core = h('label', { style: 'display:block' }, label.position === 'after' ? [core, text] : [text, core]);
  } else if (mech === 'text-parent') {
    core = h('div', {}, [label.text, core]);
  }
  const labelEl: El | undefined =
    mech === 'label-for' ? h('label', { for: field.boxes === 6 ? field.boxIds[0] : field.id }, [label.text])
    : mech === 'aria-labelledby' || mech === 'text-sibling' ? h(label.tag ?? 'span', { id: label.id, style: label.tag === 'span' ? 'display:block' : undefined }, [label.text])
    : undefined;
  // Wrap, placing the label beside the node at its level.
  let nodes: Child[] = [core];
  for (let level = 0; level <= field.wrapperDepth; level += 1) {
    if (labelEl && level === label.level) nodes = label.position === 'after' ? [...nodes, labelEl] : [labelEl, ...nodes];
    if (level < field.wrapperDepth) nodes = [h('div', { class: field.wrapperClasses[level] }, nodes)];
  }
  return nodes;
}

function controlEl(control: ControlShape, inForm: boolean, ref = 'control'): El {
  const common: Attrs = { id: control.id, class: control.className, 'aria-label': control.ariaLabel };
  switch (control.kind) {
    case 'button': return h('button', { ...common, type: inForm ? 'submit' : undefined }, [control.text], ref);
    case 'button-type-button': return h('button', { ...common, type: 'button' }, [control.text], ref);
    case 'input-submit': return h('input', { ...common, type: 'submit', value: control.text, style: 'width:auto' }, [], ref);
    case 'input-button': return h('input', { ...common, type: 'button', value: control.text, style: 'width:auto' }, [], ref);
    case 'role-button-div': return h('div', { ...common, role: 'button', tabindex: 0 }, [control.text], ref);
    case 'role-button-span': return h('span', { ...common, role: 'button', tabindex: 0 }, [control.text], ref);
    case 'role-button-a': return h('a', { ...common, role: 'button', tabindex: 0, href: control.href ? '#' : undefined }, [control.text], ref);
    case 'clickable-div': return h('div', { ...common, style: 'display:inline-block;cursor:pointer;background:#ff5722;color:#fff;padding:10px 16px;margin:8px 0' }, [control.text], ref);
  }
}

function overlayTree(shape: Shape, overlay: OverlayShape): El {
  const buttonKind = shape.controlKind === 'input-submit' ? 'input-button' : shape.controlKind;
  const button = (text: string, ref: string, ariaLabel?: string): El =>
    controlEl({ kind: buttonKind, text: text as ControlShape['text'], ariaLabel, id: undefined, className: undefined, keyboard: true, href: true }, false, ref);
  const buttons: El[] = [];
  if (overlay.dismiss !== 'Escape' && overlay.dismiss !== '×') buttons.push(button(overlay.dismiss, 'benign'));
  if (overlay.harmful) {
    const harmful = button(overlay.harmful, 'harmful');
    if (overlay.harmfulFirst) buttons.unshift(harmful);
    else buttons.push(harmful);
  }
  const titleId = `${overlay.style}-title-${shape.seed}`;
  const content: Child[] = [];
  if (overlay.dismiss === '×') {
    content.push(h('div', { style: 'text-align:right' }, [button('×', 'benign', overlay.closeLabelled ? 'Close' : undefined)]));
  }
  content.push(h('h3', { id: overlay.style === 'fixed-div' ? undefined : titleId }, [overlay.title]), h('p', {}, [overlay.text]));
  if (buttons.length > 0) content.push(h('div', { style: 'display:flex;gap:12px;justify-content:flex-end' }, buttons));
  if (overlay.style === 'native-dialog') return h('dialog', { class: overlay.className, 'aria-labelledby': titleId }, content, 'overlay');
  const box = h('div', {
    role: overlay.style === 'aria-dialog' ? 'dialog' : undefined,
    'aria-modal': overlay.style === 'aria-dialog' ? 'true' : undefined,
    'aria-labelledby': overlay.style === 'aria-dialog' ? titleId : undefined,
    tabindex: overlay.style === 'aria-dialog' ? -1 : undefined,
    style: 'background:#fff;padding:20px;max-width:420px;width:90%;box-shadow:0 4px 24px rgba(0,0,0,.3)',
  }, content, 'box');
  return h('div', { class: overlay.className, style: 'position:fixed;inset:0;z-index:1000;background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center' }, [box], 'overlay');
}

/** Child-index paths from `root` to each element with a ref. */
export function refPaths(root: El): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const walk = (node: El, path: number[]): void => {
    if (node.ref !== undefined) out[node.ref] = path;
    let index = 0;
    for (const child of node.children) {
      if (typeof child === 'string') continue;
      walk(child, [...path, index]);
      index += 1;
    }
  };
  walk(root, []);
  return out;
}

export function shellPaths(model: ShapeModel): ShellPaths {
  const find = (ref: string): number[] => [model.shell.findIndex((e) => e.ref === ref)];
  return { mount: find('mount'), status: find('status'), layer: find('layer') };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const VOID = new Set(['input', 'img', 'br', 'meta', 'link']);

export function serialize(node: Child): string {
  if (typeof node === 'string') return escapeHtml(node);
  const attrs = node.attrs.map(([k, v]) => (v === '' ? ` ${k}` : ` ${k}="${escapeHtml(v)}"`)).join('');
  if (VOID.has(node.tag)) return `<${node.tag}${attrs}>`;
  const inner = node.tag === 'style' ? node.children.map((c) => (typeof c === 'string' ? c : serialize(c))).join('') : node.children.map(serialize).join('');
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}

/** What the browser app needs: trees, and how each screen behaves. */
export interface RuntimeConfig {
  host: Shape['host'];
  hostTags: string[];
  shell: El[];
  sendType: boolean;
  screens: {
    kind: ScreenShape['kind'];
    delayMs: number;
    tree: El;
    enterSubmits: boolean;
    /** The control is a form's submit button: the form's submit event carries its clicks. */
    nativeSubmit: boolean;
    keyboard: boolean;
    codeSubmit: ScreenShape['codeSubmit'];
    boxes: number;
  }[];
  overlays: {
    screen: number;
    tree: El;
    style: OverlayShape['style'];
    escapeCloses: boolean;
    harmEffect: OverlayShape['harmEffect'];
    formUnderneath: boolean;
  }[];
  /** Where a harmful user-chip link leads. */
  chipEffect: 'reset';
}

export function runtimeConfig(shape: Shape, model = shapeModel(shape)): RuntimeConfig {
  return {
    host: shape.host,
    hostTags: shape.hostTags,
    shell: model.shell,
    sendType: shape.sendType,
    screens: model.screens.map(({ shape: s, tree }) => ({
      kind: s.kind,
      delayMs: s.delayMs,
      tree,
      enterSubmits: s.enterSubmits,
      nativeSubmit: s.useForm && (s.control?.kind === 'button' || s.control?.kind === 'input-submit'),
      keyboard: s.control?.keyboard ?? false,
      codeSubmit: s.codeSubmit,
      boxes: s.fields.find((f) => f.role === 'code')?.boxes ?? 1,
    })),
    overlays: model.overlays.map(({ shape: o, tree }) => ({
      screen: o.screen, tree, style: o.style, escapeCloses: o.escapeCloses, harmEffect: o.harmEffect, formUnderneath: o.formUnderneath,
    })),
    chipEffect: 'reset',
  };
}

/** The app's script (what /static/js/app.HASH.js serves): the runtime applied to the shape's config. */
export function shapeAppScript(shape: Shape): string {
  const json = JSON.stringify(runtimeConfig(shape)).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `(${SHAPE_APP_SCRIPT})(${json});\n`;
}

/**
 * Where a shape's script is served. Like the real app's bundle it is a separate file, so the
 * page's HTML holds no text of screens not yet shown.
 */
export function shapeScriptPath(shape: Shape): string {
  let h = 0x811c9dc5 ^ shape.seed;
  for (let i = 0; i < 4; i += 1) h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  return `/static/js/app.${h.toString(16).padStart(8, '0')}.js`;
}

const appScriptTag = (shape: Shape): string => `<script src="${shapeScriptPath(shape)}" defer></script>`;

function documentHtml(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${escapeHtml(title)}</title><link rel="icon" href="/static/favicon.png">`
    + `<style>body{font-family:sans-serif;background:#fafafa;margin:0}</style></head><body>${body}</body></html>`;
}

/** The document inside the login page's iframe (served at /fuzz/frame, or as srcdoc). */
export function shapeFrameHtml(shape: Shape): string {
  return documentHtml('Login', `<div></div>${appScriptTag(shape)}`);
}

/** The login page of a shape: what /connect/login serves. Depends on the seed only. */
export function shapePageHtml(shape: Shape): string {
  const model = shapeModel(shape);
  const banner = model.banner ? serialize(model.banner) : '';
  const frameStyle = 'display:block;width:100%;height:600px;border:0';
  switch (shape.host) {
    case 'top':
      return documentHtml(shape.title, `<div></div>${banner}${appScriptTag(shape)}`);
    case 'shadow':
    case 'shadow-nested':
      return documentHtml(shape.title, `<${shape.hostTags[0]}></${shape.hostTags[0]}>${banner}${appScriptTag(shape)}`);
    case 'iframe-src':
    case 'iframe-srcdoc': {
      const frame = shape.host === 'iframe-src'
        ? `<iframe src="/fuzz/frame" title="Login" style="${frameStyle}"></iframe>`
        : `<iframe srcdoc="${escapeHtml(shapeFrameHtml(shape))}" title="Login" style="${frameStyle}"></iframe>`;
      return documentHtml(shape.title, `<div style="max-width:520px;margin:0 auto">${frame}</div>${banner}`);
    }
  }
}
