import { describe, expect, it } from 'vitest';
import {
  CONTROL_TEXTS, generateShape, LABEL_MECHANISMS, SHAPE_DIMENSIONS, shapeAppScript, shapeFeatures, shapeFrameHtml, shapeModel, shapePageHtml,
  serialize, shapeScriptPath, type El, type Shape, type ShapeDimension,
  mulberry32,
} from '@kite-autologin/simulator/shapes';
import { FIXED_SEEDS } from '../support/shape-seeds.js';

const SEEDS = Array.from({ length: 500 }, (_, i) => i);
const shapes = SEEDS.map(generateShape);

function elements(node: El | string): El[] {
  return typeof node === 'string' ? [] : [node, ...node.children.flatMap(elements)];
}

describe('page shapes', () => {
  it('mulberry32 and the generator are pinned: FIXED_SEEDS mean what they meant when picked', () => {
    const next = mulberry32(1);
    expect([next(), next(), next()].map((x) => x.toFixed(8))).toEqual(['0.62707394', '0.00273572', '0.52744704']);
    // If this changes, the generator changed: pick FIXED_SEEDS again (see test/support/shape-seeds.ts).
    expect(shapeFeatures(generateShape(1))).toMatchObject({
      host: 'top', steps: 'together', form: 'form', control: 'button-type-button', 'login-text': 'Sign in', label: 'title',
      'code-label': 'label-for', 'user-label': 'Phone or User ID', code: 'six', 'code-submit': 'enter', overlay: 'none', banner: 'yes',
    });
  });

  it('the same seed gives the same shape and the same HTML', () => {
    for (const seed of [0, 1, 7, 42, 499, 123_456_789]) {
      expect(generateShape(seed)).toEqual(generateShape(seed));
      expect(shapePageHtml(generateShape(seed))).toBe(shapePageHtml(generateShape(seed)));
      expect(shapeFrameHtml(generateShape(seed))).toBe(shapeFrameHtml(generateShape(seed)));
      expect(shapeAppScript(generateShape(seed))).toBe(shapeAppScript(generateShape(seed)));
    }
    expect(shapePageHtml(generateShape(1))).not.toBe(shapePageHtml(generateShape(2)));
  });

  it('every value of every dimension occurs over 500 seeds', () => {
    const seen = new Map<ShapeDimension, Set<string>>();
    for (const shape of shapes) {
      for (const [dimension, value] of Object.entries(shapeFeatures(shape)) as [ShapeDimension, string][]) {
        if (!seen.has(dimension)) seen.set(dimension, new Set());
        seen.get(dimension)?.add(value);
      }
    }
    for (const [dimension, values] of Object.entries(SHAPE_DIMENSIONS) as [ShapeDimension, readonly string[]][]) {
      expect([...(seen.get(dimension) ?? [])].sort(), dimension).toEqual([...values].sort());
    }
    // Across all controls and fields, not only the tabulated ones.
    const texts = new Set(shapes.flatMap((s) => s.screens.map((sc) => sc.control?.text)).filter(Boolean));
    expect([...texts].sort()).toEqual([...CONTROL_TEXTS].sort());
    const mechanisms = new Set(shapes.flatMap((s) => s.screens.flatMap((sc) => sc.fields.map((f) => f.label.mechanism))));
    expect([...mechanisms].sort()).toEqual([...LABEL_MECHANISMS].sort());
    const depths = new Set(shapes.flatMap((s) => s.screens.flatMap((sc) => sc.fields.map((f) => f.wrapperDepth))));
    expect([...depths].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const delays = shapes.flatMap((s) => s.screens.map((sc) => sc.delayMs));
    expect(Math.min(...delays)).toBe(0);
    expect(Math.max(...delays)).toBeGreaterThan(1400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1500);
  });

  it('5% to 15% of seeds are unsolvable, each with a captcha and nothing else in the way of it', () => {
    const unsolvable = shapes.filter((s) => !s.solvable);
    expect(unsolvable.length / shapes.length).toBeGreaterThanOrEqual(0.05);
    expect(unsolvable.length / shapes.length).toBeLessThanOrEqual(0.15);
    for (const shape of shapes) {
      const captchaFields = shape.screens.flatMap((s) => s.fields).filter((f) => f.role === 'captcha');
      expect(captchaFields.length, String(shape.seed)).toBe(shape.solvable ? 0 : 1);
      if (!shape.solvable) {
        const first = shape.screens[0] as Shape['screens'][number];
        expect(first.fields.some((f) => f.role === 'captcha')).toBe(true);
        expect(first.captchaImage).toBeDefined();
      }
    }
  });

  it('renders what the shape says', () => {
    for (const shape of shapes.slice(0, 200)) {
      const model = shapeModel(shape);
      for (const { shape: screen, tree } of model.screens) {
        const els = elements(tree);
        const inputs = els.filter((e) => e.tag === 'input' && !/^(submit|button)$/.test(e.attrs.find(([k]) => k === 'type')?.[1] ?? ''));
        const expected = screen.fields.reduce((n, f) => n + f.boxes, 0);
        expect(inputs.length, `${shape.seed} ${screen.kind}`).toBe(expected);
        expect(els.filter((e) => e.tag === 'form').length).toBe(screen.useForm ? 1 : 0);
        const ids = els.flatMap((e) => e.attrs.filter(([k]) => k === 'id').map(([, v]) => v));
        expect(new Set(ids).size, `${shape.seed}: duplicate id in ${JSON.stringify(ids)}`).toBe(ids.length);
        for (const field of screen.fields) {
          const html = serialize(tree);
          // The label's words are on the page, in the way the mechanism says.
          expect(html, `${shape.seed} ${field.role}`).toContain(field.label.text.replace(/'/g, '&#39;'));
          if (field.label.mechanism === 'label-for') expect(html).toContain(`for="`);
          if (field.label.mechanism === 'aria-labelledby') expect(html).toContain(`aria-labelledby="${field.label.id}"`);
        }
      }
      const page = shapePageHtml(shape);
      if (shape.host === 'iframe-src') expect(page).toContain('<iframe src="/fuzz/frame"');
      if (shape.host === 'iframe-srcdoc') expect(page).toContain('<iframe srcdoc="');
      if (shape.host.startsWith('shadow')) expect(page).toContain(`<${shape.hostTags[0]}>`);
      // Like the real page, the HTML is a shell: the screens' words come with the app's script,
      // and nothing marks an element's role for a login flow to key on.
      const appDocument = shape.host.startsWith('iframe') ? shapeFrameHtml(shape) : page;
      expect(appDocument).toContain(`<script src="${shapeScriptPath(shape)}" defer></script>`);
      for (const field of shape.screens.flatMap((sc) => sc.fields)) {
        expect(page, `${shape.seed}`).not.toContain(field.label.text.replace(/'/g, '&#39;'));
        expect(shapeAppScript(shape)).toContain(JSON.stringify(field.label.text).slice(1, -1));
      }
      expect(page).not.toMatch(/data-(ref|role|k)=/);
    }
  });

  it('the fixed seeds cover solvable and unsolvable pages and every host', () => {
    expect(FIXED_SEEDS.length).toBeGreaterThanOrEqual(30);
    const fixed = FIXED_SEEDS.map(generateShape);
    expect(fixed.some((s) => !s.solvable)).toBe(true);
    expect(new Set(fixed.map((s) => s.host)).size).toBe(5);
  });
});
