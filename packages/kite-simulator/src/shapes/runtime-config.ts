import type { El } from './elements.js';
import { shapeModel, type ShapeModel } from './model.js';
import { SHAPE_APP_SCRIPT } from './runtime.js';
import type { BackgroundShape, LateDialogShape, OverlayShape, ScreenShape, Shape } from './shape-types.js';

/** What the browser app needs: trees, and how each screen behaves. */
export interface RuntimeConfig {
  host: Shape['host'];
  hostTags: string[];
  shell: El[];
  sendType: boolean;
  /** The second factor the page posts when Kite's answer does not name one. */
  secondFactor: Shape['secondFactor'];
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
  /** The dialog that comes late (escape never closes it: its control does). */
  late: {
    tree: El;
    style: LateDialogShape['style'];
    trigger: LateDialogShape['trigger'];
    look: LateDialogShape['look'];
    screen: number;
    delayMs: number;
    escapeCloses: false;
  } | undefined;
  /** Background requests: `url` carries the request's number (`?r=`) by which the simulator knows how to answer it. */
  background: { event: BackgroundShape['event']; via: BackgroundShape['via']; url: string; carries: BackgroundShape['carries'] }[];
  /** Where a harmful user-chip link leads. */
  chipEffect: 'reset';
  /** After the accepted code: how long the code screen stays, and what its status line says meanwhile. */
  codeLinger: Shape['codeLinger'];
}

export function runtimeConfig(shape: Shape, model: ShapeModel = shapeModel(shape)): RuntimeConfig {
  const late = model.late;
  return {
    host: shape.host,
    hostTags: shape.hostTags,
    shell: model.shell,
    sendType: shape.sendType,
    secondFactor: shape.secondFactor,
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
    late: late && {
      tree: late.tree, style: late.shape.style, trigger: late.shape.trigger, look: late.shape.look,
      screen: late.shape.screen, delayMs: late.shape.delayMs, escapeCloses: false,
    },
    background: shape.background.map((b, i) => ({ event: b.event, via: b.via, url: `${b.path}?r=${i}`, carries: b.carries })),
    chipEffect: 'reset',
    codeLinger: shape.codeLinger,
  };
}

/** The app's script (what /static/js/app.HASH.js serves): the runtime applied to the shape's config. */
export function shapeAppScript(shape: Shape): string {
  const json = JSON.stringify(runtimeConfig(shape)).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `(${SHAPE_APP_SCRIPT})(${json});\n`;
}
