import { h, type Child, type El } from './elements.js';
import { controlEl } from './screen-tree.js';
import type { ControlShape, LateDialogShape, OverlayShape, OverlayStyle, Shape } from './shape-types.js';

/** What a notice's tree is made of: an overlay in front of a screen, or a dialog that came late. */
interface Notice {
  style: OverlayStyle;
  title: string;
  text: string;
  /** The benign control's words; `×` is a close control at the top; `Escape`: no control. */
  benign: string;
  closeLabelled: boolean;
  harmful: string | undefined;
  harmfulFirst: boolean;
  className: string | undefined;
  /** Keeps the title's id apart from another notice's of the same style. */
  titleId: string;
  zIndex: number;
}

function noticeTree(shape: Shape, notice: Notice): El {
  const buttonKind = shape.controlKind === 'input-submit' ? 'input-button' : shape.controlKind;
  const button = (text: string, ref: string, ariaLabel?: string): El =>
    controlEl({ kind: buttonKind, text: text as ControlShape['text'], ariaLabel, id: undefined, className: undefined, keyboard: true, href: true }, false, ref);
  const buttons: El[] = [];
  if (notice.benign !== 'Escape' && notice.benign !== '×') buttons.push(button(notice.benign, 'benign'));
  if (notice.harmful) {
    const harmful = button(notice.harmful, 'harmful');
    if (notice.harmfulFirst) buttons.unshift(harmful);
    else buttons.push(harmful);
  }
  const { titleId } = notice;
  const content: Child[] = [];
  if (notice.benign === '×') {
    content.push(h('div', { style: 'text-align:right' }, [button('×', 'benign', notice.closeLabelled ? 'Close' : undefined)]));
  }
  content.push(h('h3', { id: notice.style === 'fixed-div' ? undefined : titleId }, [notice.title]), h('p', {}, [notice.text]));
  if (buttons.length > 0) content.push(h('div', { style: 'display:flex;gap:12px;justify-content:flex-end' }, buttons));
  if (notice.style === 'native-dialog') return h('dialog', { class: notice.className, 'aria-labelledby': titleId }, content, 'overlay');
  const box = h('div', {
    role: notice.style === 'aria-dialog' ? 'dialog' : undefined,
    'aria-modal': notice.style === 'aria-dialog' ? 'true' : undefined,
    'aria-labelledby': notice.style === 'aria-dialog' ? titleId : undefined,
    tabindex: notice.style === 'aria-dialog' ? -1 : undefined,
    style: 'background:#fff;padding:20px;max-width:420px;width:90%;box-shadow:0 4px 24px rgba(0,0,0,.3)',
  }, content, 'box');
  return h('div', { class: notice.className, style: `position:fixed;inset:0;z-index:${notice.zIndex};background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center` }, [box], 'overlay');
}

/** The overlay in front of a screen: a benign control, perhaps a harmful one. */
export function overlayTree(shape: Shape, overlay: OverlayShape): El {
  return noticeTree(shape, {
    style: overlay.style, title: overlay.title, text: overlay.text, benign: overlay.dismiss, closeLabelled: overlay.closeLabelled,
    harmful: overlay.harmful, harmfulFirst: overlay.harmfulFirst, className: overlay.className,
    titleId: `${overlay.style}-title-${shape.seed}`, zIndex: 1000,
  });
}

/** The dialog that comes late: above everything, one benign control (a × is always labelled "Close"). */
export function lateDialogTree(shape: Shape, late: LateDialogShape): El {
  return noticeTree(shape, {
    style: late.style, title: late.title, text: late.text, benign: late.dismiss, closeLabelled: true,
    harmful: undefined, harmfulFirst: false, className: late.className,
    titleId: `late-title-${shape.seed}`, zIndex: 1100,
  });
}
