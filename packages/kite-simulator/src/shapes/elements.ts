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

export type Attrs = Record<string, string | number | boolean | undefined>;

export function h(tag: string, attrs: Attrs = {}, children: Child[] = [], ref?: string): El {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    pairs.push([name, value === true ? '' : String(value)]);
  }
  return ref === undefined ? { tag, attrs: pairs, children } : { tag, attrs: pairs, children, ref };
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

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const VOID = new Set(['input', 'img', 'br', 'meta', 'link']);

export function serialize(node: Child): string {
  if (typeof node === 'string') return escapeHtml(node);
  const attrs = node.attrs.map(([k, v]) => (v === '' ? ` ${k}` : ` ${k}="${escapeHtml(v)}"`)).join('');
  if (VOID.has(node.tag)) return `<${node.tag}${attrs}>`;
  const inner = node.tag === 'style' ? node.children.map((c) => (typeof c === 'string' ? c : serialize(c))).join('') : node.children.map(serialize).join('');
  return `<${node.tag}${attrs}>${inner}</${node.tag}>`;
}
