import { h, type Attrs, type Child, type El } from './elements.js';
import type { ControlShape, FieldShape, ScreenShape, Shape } from './shape-types.js';

/** One screen of a shape as an element tree: its form (or div), fields with their labels, control, error line and links. */
export function screenTree(shape: Shape, screen: ScreenShape): El {
  const body: Child[] = [];
  if (screen.heading) body.push(h('h2', {}, [screen.heading]));
  if (screen.hint) body.push(h('p', { style: 'color:#666' }, [screen.hint]));
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

export function controlEl(control: ControlShape, inForm: boolean, ref = 'control'): El {
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
