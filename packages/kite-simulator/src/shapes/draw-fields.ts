import { randomIdent, type Rng } from './random.js';
import type { DrawContext } from './draw-context.js';
import { LABEL_MECHANISMS, type FieldRole, type FieldShape, type LabelMechanism, type LabelShape, type Naming } from './shape-types.js';

export const CAPTCHA_PROMPTS = ['Enter the characters shown in the image', 'Type the text you see', 'Security check: enter the code in the picture', 'Captcha', 'Enter captcha'] as const;

/** What the fields of one shape share: the code's boxes, the app's label mechanism, and the rngs every field draws from in turn. */
export interface FieldDraws {
  boxes: 1 | 6;
  labelMechanism: LabelMechanism;
  /** The labels' area: each field draws its mechanism from it, in order. */
  lab: Rng;
  /** The naming area: each field draws its ids, classes and names from it, in order. */
  names: Rng;
}

/** Draws one field at a time, in the order of the calls (the order is part of every seed's shape). */
export function fieldDrawer(ctx: DrawContext, { boxes, labelMechanism, lab, names }: FieldDraws): (role: FieldRole, text: string) => FieldShape {
  const drawNaming = (rng: Rng, attr: 'id' | 'class' | 'name', role: FieldRole): Naming => {
    if (attr === 'id' && role === 'code' && rng.chance(0.15)) return 'misleading';
    return rng.weighted<Naming>(attr === 'name'
      ? [['absent', 50], ['meaningful', 25], ['random', 25]]
      : [['absent', 30], ['meaningful', 35], ['random', 35]]);
  };
  const MEANINGFUL: Record<FieldRole, { id: readonly string[]; class: readonly string[]; name: readonly string[] }> = {
    user: { id: ['userid', 'user_id', 'login-id', 'username', 'clientId'], class: ['su-input', 'login-input', 'form-control', 'input-userid'], name: ['user_id', 'userid', 'username', 'login'] },
    password: { id: ['password', 'pass', 'login-password'], class: ['su-input', 'login-input', 'form-control', 'input-password'], name: ['password', 'pass'] },
    code: { id: ['totp', 'twofa', 'otp', 'pin', 'twofa-value'], class: ['su-input', 'twofa-value', 'otp-input', 'form-control'], name: ['twofa_value', 'totp', 'otp', 'code'] },
    captcha: { id: ['captcha', 'captcha_text', 'captchaInput'], class: ['captcha-input', 'form-control'], name: ['captcha', 'captcha_value'] },
  };
  const value = (rng: Rng, naming: Naming, attr: 'id' | 'class' | 'name', role: FieldRole): string | undefined => {
    switch (naming) {
      case 'absent': return undefined;
      case 'misleading': return 'userid'; // the real TOTP field carries the login field's id
      case 'meaningful': {
        const v = rng.pick(MEANINGFUL[role][attr]);
        return attr === 'class' ? v : ctx.meaningfulId(rng, v);
      }
      default: return attr === 'class' ? randomIdent(rng, 'class') : ctx.unique(rng, attr);
    }
  };

  const mechanismFor = (rng: Rng, role: FieldRole, six: boolean): LabelMechanism => {
    let m: LabelMechanism = rng.chance(0.7) ? labelMechanism : rng.pick(LABEL_MECHANISMS);
    if (six && (m === 'placeholder' || m === 'label-wrap' || m === 'title')) {
      m = rng.pick(['label-for', 'aria-label', 'aria-labelledby', 'text-sibling', 'text-parent'] as const);
    }
    if (role === 'captcha' && m === 'placeholder' && rng.chance(0.5)) m = 'text-sibling';
    return m;
  };

  return (role: FieldRole, text: string): FieldShape => {
    const rng = ctx.r(`field-${role}`);
    const six = role === 'code' && boxes === 6;
    const mechanism = mechanismFor(lab, role, six);
    const wrapperDepth = rng.chance(0.6) ? rng.int(0, 2) : rng.int(3, 6);
    let idNaming = drawNaming(names, 'id', role);
    if (mechanism === 'label-for' && idNaming === 'absent') idNaming = names.chance(0.5) ? 'meaningful' : 'random';
    if (six && idNaming === 'misleading') idNaming = 'random';
    const classNaming = drawNaming(names, 'class', role);
    const nameNaming = drawNaming(names, 'name', role);
    const id = six ? undefined : value(names, idNaming, 'id', role);
    const labelTagged = mechanism === 'label-for' || mechanism === 'label-wrap' || mechanism === 'aria-labelledby' || mechanism === 'text-sibling';
    const label: LabelShape = {
      mechanism,
      text,
      position: (mechanism === 'label-for' || mechanism === 'label-wrap') && !six && rng.chance(0.25) ? 'after' : 'before',
      level: mechanism === 'label-wrap' || mechanism === 'text-parent' ? 0 : rng.int(0, wrapperDepth),
      tag: !labelTagged ? undefined
        : mechanism === 'label-for' || mechanism === 'label-wrap' ? 'label' : rng.pick(['span', 'div', 'p'] as const),
      id: mechanism === 'aria-labelledby' ? ctx.unique(names, 'id') : undefined,
    };
    let type: FieldShape['type'] = 'text';
    let placeholder: string | undefined;
    let autocomplete: string | undefined;
    let maxLength: number | undefined;
    let minLength: number | undefined;
    let inputMode: 'numeric' | undefined;
    const boxIds: (string | undefined)[] = [];
    const boxLabels: (string | undefined)[] = [];
    switch (role) {
      case 'user':
        autocomplete = rng.pick([undefined, 'username', 'off'] as const);
        maxLength = rng.pick([undefined, 10, 24] as const);
        placeholder = mechanism === 'placeholder' ? text : rng.pick([undefined, undefined, text, 'AB1234'] as const);
        break;
      case 'password':
        type = 'password';
        autocomplete = rng.pick([undefined, 'current-password', 'off'] as const);
        placeholder = mechanism === 'placeholder' ? text : rng.pick([undefined, text, '••••••••'] as const);
        break;
      case 'captcha':
        maxLength = rng.pick([undefined, 6] as const);
        autocomplete = 'off';
        placeholder = mechanism === 'placeholder' ? text : undefined;
        break;
      case 'code':
        if (six) {
          type = rng.weighted<FieldShape['type']>([['text', 40], ['number', 25], ['tel', 20], ['password', 15]]);
          maxLength = rng.chance(0.8) ? 1 : undefined;
          inputMode = rng.chance(0.5) ? 'numeric' : undefined;
          autocomplete = rng.chance(0.4) ? 'one-time-code' : undefined;
          const idStyle = rng.weighted([['none', 50], ['indexed', 25], ['random', 25]] as const);
          const labelStyle = rng.weighted([['none', 40], ['digit', 40], ['of', 20]] as const);
          const idBase = idStyle === 'indexed' ? rng.pick(['otp', 'digit', 'code', 'totp']) : '';
          idNaming = idStyle === 'indexed' ? 'meaningful' : idStyle === 'random' || mechanism === 'label-for' ? 'random' : 'absent';
          for (let i = 0; i < 6; i += 1) {
            boxIds.push(idStyle === 'none' && !(i === 0 && mechanism === 'label-for') ? undefined
              : idStyle === 'indexed' ? `${idBase}-${i}` : ctx.unique(names, 'id'));
            boxLabels.push(labelStyle === 'none' ? undefined : labelStyle === 'digit' ? `Digit ${i + 1}` : `Digit ${i + 1} of 6`);
          }
          placeholder = rng.pick([undefined, '•', '-', '0'] as const);
        } else {
          type = rng.weighted<FieldShape['type']>([['text', 30], ['number', 30], ['tel', 20], ['password', 20]]);
          maxLength = rng.chance(0.6) ? 6 : undefined;
          minLength = rng.chance(0.2) ? 6 : undefined;
          inputMode = rng.chance(0.5) ? 'numeric' : undefined;
          autocomplete = rng.weighted([['one-time-code', 40], ['off', 30], [undefined, 30]] as const);
          placeholder = mechanism === 'placeholder' ? text : rng.pick([undefined, '••••••', '000000', text] as const);
        }
        break;
    }
    return {
      role, boxes: six ? 6 : 1, type,
      idNaming, id,
      classNaming, className: value(names, classNaming, 'class', role),
      nameNaming, name: value(names, nameNaming, 'name', role),
      label, placeholder, autocomplete, maxLength, minLength, inputMode,
      wrapperDepth,
      wrapperClasses: Array.from({ length: wrapperDepth }, () => rng.weighted<string | undefined>([
        [undefined, 40], [randomIdent(rng, 'class'), 35], [rng.pick(['su-input-group', 'field', 'form-group', 'row', 'col', 'input-wrap']), 25],
      ])),
      boxIds, boxLabels,
    };
  };
}
