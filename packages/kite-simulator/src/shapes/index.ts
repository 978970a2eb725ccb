export { generateShape } from './shape.js';
export {
  BACKGROUND_EVENTS, BACKGROUND_FAILS, BACKGROUND_VIAS, CODE_LABELS, CONTROL_KINDS, CONTROL_TEXTS, DISMISSES, HARMFULS, HOSTS,
  LABEL_MECHANISMS, LATE_DISMISSES, LATE_TRIGGERS, OTHER_FACTOR_WORDS, OVERLAY_STYLES, USER_LABELS,
  type BackgroundShape, type ControlShape, type FieldShape, type LabelShape, type LateDialogShape, type OverlayShape, type ScreenShape, type Shape,
} from './shape-types.js';
export { SHAPE_DIMENSIONS, shapeFeatures, type ShapeDimension } from './features.js';
export { AFTER_CODE_WEIGHTS } from './draw-after-code.js';
export { BACKGROUND_COUNT_WEIGHTS } from './draw-background.js';
export { LATE_DIALOG_WEIGHTS } from './draw-late-dialog.js';
export { SECOND_FACTOR_WEIGHTS } from './draw-second-factor.js';
export {
  refPaths, runtimeConfig, serialize, shapeAppScript, shapeFrameHtml, shapeModel, shapePageHtml, shapeScriptPath, shellPaths,
  type El, type RuntimeConfig, type ShapeModel, type ShellPaths,
} from './render.js';
export { judgeShapeRun, shapeExpectation, type ShapeExpectation, type ShapeRun } from './verdict.js';
export { mulberry32 } from './random.js';
export {
  CONSENT_ACCEPTS, CONSENT_DECOYS, OFFER_DECOYS, OFFER_SKIPS, OFFERS, stepControls, stepPlan,
  type AfterCodeStep, type ConsentStep, type OfferStep, type StepControl, type StepPress,
} from '../after-code.js';
