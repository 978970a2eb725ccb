import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_PATHS } from '@kite-autologin/simulator';
import {
  CODE_LABELS, CONTROL_TEXTS, generateShape, LABEL_MECHANISMS, OTHER_FACTOR_WORDS, SHAPE_DIMENSIONS, shapeAppScript, shapeFeatures, shapeFrameHtml, shapeModel, shapePageHtml,
  judgeShapeRun, refPaths, runtimeConfig, serialize, shapeExpectation, shapeScriptPath, shellPaths, stepControls, type El, type Shape, type ShapeDimension, type ShapeModel,
  mulberry32,
} from '@kite-autologin/simulator/shapes';
import { FIXED_SEEDS, NEW_DIMENSION_SEEDS } from '../support/shape-seeds.js';

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

  it('the dimensions that existed before the second factor, the steps after the code, the late dialogs and the background requests draw what they drew', () => {
    // Every dimension but the code's words (which a page asking for the App Code or an SMS OTP
    // words its own way), over seeds 0-499: the fingerprint taken before the new dimensions existed.
    const old = (Object.keys(SHAPE_DIMENSIONS) as ShapeDimension[]).slice(0, Object.keys(SHAPE_DIMENSIONS).indexOf('second-factor')).filter((d) => d !== 'code-words');
    expect(old).toHaveLength(30);
    const rows = shapes.map((shape) => { const f = shapeFeatures(shape); return [shape.seed, ...old.map((d) => f[d])]; });
    expect(createHash('sha256').update(JSON.stringify(rows)).digest('hex')).toBe('5b428b8fb814b3c8abd71e81a512da171a64547acee5326295b806a09646c6d3');
    for (const shape of shapes.filter((s) => s.secondFactor === 'totp')) expect(CODE_LABELS).toContain(shapeFeatures(shape)['code-words']);
    // The fixed seeds picked before still mean a login (their second factor stays TOTP) or a captcha.
    for (const seed of FIXED_SEEDS.slice(0, 32)) expect(generateShape(seed).secondFactor, String(seed)).toBe('totp');
    // And the new dimensions are pinned too.
    expect([433, 1060].map((seed) => generateShape(seed).secondFactor)).toEqual(['app_code', 'sms']);
    expect(generateShape(875).afterCode.map((step) => (step.kind === 'offer' ? step.offer : step.accept))).toEqual(['trust-device', 'notifications', 'tour', 'Allow']);
    expect(generateShape(1612).lateDialog).toMatchObject({ trigger: 'first-key', dismiss: 'Got it' });
    expect(generateShape(5185).background.map((b) => b.fail)).toEqual(['drop', '500']);
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

  it('draws the new dimensions with their weights, from their own areas', () => {
    const solvable = shapes.filter((s) => s.solvable);
    const share = (n: number): number => n / solvable.length;
    expect(share(solvable.filter((s) => s.secondFactor !== 'totp').length)).toBeGreaterThan(0.07);
    expect(share(solvable.filter((s) => s.secondFactor !== 'totp').length)).toBeLessThan(0.22);
    expect(share(solvable.filter((s) => s.afterCode.length === 0).length)).toBeGreaterThan(0.3);
    expect(share(solvable.filter((s) => s.afterCode.length === 0).length)).toBeLessThan(0.5);
    for (const shape of shapes) {
      if (!shape.solvable) expect([shape.secondFactor, shape.afterCode]).toEqual(['totp', []]);
      const offers = shape.afterCode.filter((step) => step.kind === 'offer');
      expect(offers.length).toBeLessThanOrEqual(3);
      expect(new Set(offers.map((o) => o.offer)).size).toBe(offers.length);
      expect(shape.afterCode.filter((step) => step.kind === 'consent').length).toBeLessThanOrEqual(1);
      for (const step of shape.afterCode) {
        const controls = stepControls(step);
        expect(controls.filter((c) => c.role === 'go-on'), `${shape.seed}`).toHaveLength(1);
        if (step.kind === 'offer') expect(controls.some((c) => c.role === 'decoy')).toBe(true);
        for (const c of controls) expect(c.ariaLabel).toBe(c.text === '×' ? 'Close' : undefined);
      }
      const late = shape.lateDialog;
      if (late) {
        expect(shape.screens[late.screen]?.kind).not.toBe(shape.solvable ? 'captcha' : undefined);
        if (late.trigger === 'load') expect(late.delayMs).toBeGreaterThanOrEqual(300);
        if (late.look === 'settle') expect(late.delayMs).toBeLessThanOrEqual(250);
      }
      expect(shape.background.length).toBeLessThanOrEqual(4);
    }
    expect(new Set(shapes.flatMap((s) => s.background.map((b) => `${b.event} ${b.via}`))).size).toBe(12);
    expect(new Set(shapes.flatMap((s) => s.background.map((b) => b.path)))).toEqual(new Set(BACKGROUND_PATHS));
  });

  it('renders the new dimensions: the second factor\'s words, the late dialog, the background requests', () => {
    for (const shape of shapes.slice(0, 300)) {
      const model = shapeModel(shape);
      const script = shapeAppScript(shape);
      const code = model.screens.find((s) => s.shape.kind === 'code') as ShapeModel['screens'][number];
      const html = serialize(code.tree);
      if (shape.secondFactor !== 'totp') {
        const words = OTHER_FACTOR_WORDS[shape.secondFactor];
        expect(html, String(shape.seed)).toContain(words.label);
        expect(html).toContain(words.hint);
        expect(html.replace(/<[^>]*>/g, ' ')).not.toMatch(/totp/i); // the words a person reads never say TOTP
      } else {
        expect(html).not.toMatch(/App Code|SMS OTP/);
      }
      // The page posts the factor Kite named, the shape's own when Kite names none.
      expect(script).toContain('twofa_type: state.twofaType || C.secondFactor');
      expect(runtimeConfig(shape).secondFactor).toBe(shape.secondFactor);
      const paths = shellPaths(model);
      if (shape.lateDialog) {
        const tree = model.late?.tree as El;
        const refs = refPaths(tree);
        expect(Object.keys(refs).filter((r) => r === 'benign' || r === 'harmful'), String(shape.seed)).toEqual(['benign']);
        expect(serialize(tree)).toContain(shape.lateDialog.title);
        if (shape.lateDialog.dismiss === '×') expect(serialize(tree)).toContain('aria-label="Close"');
        expect(paths.late).toEqual([model.shell.length - 1]);
        expect(runtimeConfig(shape).late).toMatchObject({ trigger: shape.lateDialog.trigger, screen: shape.lateDialog.screen, delayMs: shape.lateDialog.delayMs });
      } else {
        expect(paths.late).toBeUndefined();
        expect(model.shell).toHaveLength(5); // the shell of the shapes before late dialogs
      }
      const background = runtimeConfig(shape).background;
      expect(background.map((b) => b.url)).toEqual(shape.background.map((b, i) => `${b.path}?r=${i}`));
      // Nothing the page sends in the background can hold a value: only these names go out.
      expect(script).toContain("var fields = { event: event, via: b.via, page: pageId };");
    }
    const script = shapeAppScript(generateShape(711));
    for (const piece of ['navigator.sendBeacon(b.url, body)', 'new XMLHttpRequest()', "fetch(b.url, { method: 'POST'", "'/fuzz/typed/' + role"]) expect(script).toContain(piece);
    expect(() => new Script(script)).not.toThrow(); // it compiles
  });

  it('the referee knows what each page must end in', () => {
    const login = generateShape(428);
    const noTotp = generateShape(433);
    const captcha = shapes.find((s) => !s.solvable) as Shape;
    const clean = { exitCode: 0, apiLogin: 1, apiTwofa: 1, typed: 3, harm: 0 };
    expect(judgeShapeRun(login, clean)).toEqual({ pass: true, problems: [] });
    expect(judgeShapeRun(login, { ...clean, decoys: 1 }).problems).toEqual(['1 decoy(s) pressed after the code, expected none']);
    expect(judgeShapeRun(login, { ...clean, harm: 1 }).pass).toBe(false);
    expect(judgeShapeRun(login, { ...clean, backgroundSecrets: 1 }).pass).toBe(false);
    // No TOTP to give: a stop with one password sent, no code sent, nothing typed into the code field.
    const stopped = { exitCode: 3, apiLogin: 1, apiTwofa: 0, typed: 2, harm: 0, typedCode: 0, errorCode: 'TOTP_NOT_ENABLED' };
    expect(shapeExpectation(noTotp)).toEqual({ kind: 'stop-no-totp', exitCode: 3, errorCode: 'TOTP_NOT_ENABLED' });
    expect(judgeShapeRun(noTotp, stopped)).toEqual({ pass: true, problems: [] });
    expect(judgeShapeRun(noTotp, clean).problems).toEqual([
      'exit 0, expected 3 (app_code: no TOTP to give)',
      '1 api-twofa, expected 0 (a TOTP where Kite asked for app_code counts as wrong)',
    ]);
    expect(judgeShapeRun(noTotp, { ...stopped, typedCode: 1 }).problems).toEqual(['typed into the code field, expected nothing']);
    expect(judgeShapeRun(noTotp, { ...stopped, errorCode: 'TOTP_REJECTED' }).problems).toEqual(['error TOTP_REJECTED, expected TOTP_NOT_ENABLED']);
    expect(judgeShapeRun(captcha, { exitCode: 4, apiLogin: 0, apiTwofa: 0, typed: 0, harm: 0 }).pass).toBe(true);
    expect(judgeShapeRun(captcha, { exitCode: 4, apiLogin: 0, apiTwofa: 0, typed: 1, harm: 0 }).pass).toBe(false);
  });

  it('the fixed seeds cover solvable and unsolvable pages and every host', () => {
    expect(FIXED_SEEDS.length).toBeGreaterThanOrEqual(30);
    const fixed = FIXED_SEEDS.map(generateShape);
    expect(fixed.some((s) => !s.solvable)).toBe(true);
    expect(new Set(fixed.map((s) => s.host)).size).toBe(5);
    expect(new Set(FIXED_SEEDS).size).toBe(FIXED_SEEDS.length);
  });

  it('the fixed seeds show every value of every new dimension, each seed one new dimension only', () => {
    const NEW: ShapeDimension[] = ['second-factor', 'after-code', 'consent-words', 'consent-decoys', 'offers', 'offer-skip', 'late-dialog', 'late-look', 'late-dismiss', 'background', 'background-to', 'background-fails', 'code-linger'];
    const features = FIXED_SEEDS.map((seed) => shapeFeatures(generateShape(seed)));
    for (const dimension of NEW) {
      expect(new Set(features.map((f) => f[dimension])), dimension).toEqual(new Set(SHAPE_DIMENSIONS[dimension]));
    }
    for (const { seed } of NEW_DIMENSION_SEEDS) {
      const f = shapeFeatures(generateShape(seed));
      const active = [f['second-factor'] !== 'totp', f['after-code'] !== 'none', f['late-dialog'] !== 'none', f.background !== 'none'];
      // The code screen's stay is drawn apart and came last: its own seeds have nothing else new.
      const lingerOnly = f['code-linger'] !== 'none' && active.every((a) => !a);
      expect(lingerOnly ? 1 : active.filter(Boolean).length, String(seed)).toBe(1);
    }
    const lingering = NEW_DIMENSION_SEEDS.filter(({ shows }) => shows.startsWith('the code screen stays')).map(({ seed }) => shapeFeatures(generateShape(seed)));
    expect(lingering).toHaveLength(4);
    for (const f of lingering) {
      expect(f['code-linger']).not.toBe('none');
      expect([f['second-factor'], f['after-code'], f['late-dialog'], f.background]).toEqual(['totp', 'none', 'none', 'none']);
    }
    const picked = NEW_DIMENSION_SEEDS.map(({ seed }) => generateShape(seed));
    expect(new Set(picked.flatMap((s) => s.background.map((b) => b.event)))).toEqual(new Set(['load', 'focus', 'input', 'submit']));
    expect(new Set(picked.flatMap((s) => s.afterCode.flatMap((step) => (step.kind === 'offer' ? [step.offer] : [])))).size).toBe(4);
    expect(new Set(picked.flatMap((s) => (s.lateDialog ? [s.screens[s.lateDialog.screen]?.kind] : [])))).toEqual(new Set(['credentials', 'user', 'password', 'code']));
  });
});
