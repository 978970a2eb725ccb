export {
  generateShape, shapeFeatures, SHAPE_DIMENSIONS,
  CODE_LABELS, CONTROL_KINDS, CONTROL_TEXTS, DISMISSES, HARMFULS, HOSTS, LABEL_MECHANISMS, OVERLAY_STYLES, USER_LABELS,
  type ControlShape, type FieldShape, type LabelShape, type OverlayShape, type ScreenShape, type Shape, type ShapeDimension,
} from './shape.js';
export { refPaths, serialize, shapeAppScript, shapeFrameHtml, shapeModel, shapePageHtml, shapeScriptPath, shellPaths, type El, type ShapeModel } from './render.js';
export { judgeShapeRun, type ShapeRun } from './verdict.js';
export { mulberry32 } from './random.js';
