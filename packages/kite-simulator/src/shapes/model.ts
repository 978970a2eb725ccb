import { h, type El } from './elements.js';
import { lateDialogTree, overlayTree } from './overlay-tree.js';
import { screenTree } from './screen-tree.js';
import type { LateDialogShape, OverlayShape, ScreenShape, Shape } from './shape-types.js';

/** The element trees of one shape, and where the app puts them. */
export interface ShapeModel {
  /** The app root's children (the app root: a div of the page or the frame, or a shadow root). */
  shell: El[];
  screens: { shape: ScreenShape; tree: El }[];
  overlays: { shape: OverlayShape; tree: El }[];
  banner: El | undefined;
  /** The dialog that comes late, shown in the shell's `late` container. */
  late: { shape: LateDialogShape; tree: El } | undefined;
}

/** Paths (child indexes) from the app root to the shell's named elements (`late` only when the shape has a late dialog). */
export interface ShellPaths { mount: number[]; status: number[]; layer: number[]; late: number[] | undefined }

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
  // Only a shape with a late dialog has its container: every other shape's shell is as it was.
  if (shape.lateDialog) shell.push(h('div', {}, [], 'late'));
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
    late: shape.lateDialog ? { shape: shape.lateDialog, tree: lateDialogTree(shape, shape.lateDialog) } : undefined,
  };
}

export function shellPaths(model: ShapeModel): ShellPaths {
  const find = (ref: string): number[] => [model.shell.findIndex((e) => e.ref === ref)];
  return { mount: find('mount'), status: find('status'), layer: find('layer'), late: model.late ? find('late') : undefined };
}
