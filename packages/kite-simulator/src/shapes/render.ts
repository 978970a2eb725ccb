import { escapeHtml, serialize } from './elements.js';
import { shapeModel } from './model.js';
import type { Shape } from './shape-types.js';

/**
 * A shape's documents: the login page /connect/login serves (a shell: the screens' words come
 * with the app's script), the iframe's document, and where the script is. The element trees
 * are built in model.ts (screen-tree.ts, overlay-tree.ts); the script in runtime-config.ts.
 */
export { refPaths, serialize, type Child, type El } from './elements.js';
export { shapeModel, shellPaths, type ShapeModel, type ShellPaths } from './model.js';
export { runtimeConfig, shapeAppScript, type RuntimeConfig } from './runtime-config.js';

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
