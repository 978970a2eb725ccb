export { startSimulator, type RecordedRequest, type Simulator, type SimulatorOptions } from './server.js';
export { KiteRules, type SimAccount, type SimApp } from './kite-rules.js';
export { PAGE_VARIANTS, isPageVariant, type PageVariant } from './page-variants.js';
export { ROUTES, type Faults, type RouteFault, type RouteName } from './faults.js';
export { sandboxAccount } from './sandbox-account.js';
export { generateShape, shapeFeatures, SHAPE_DIMENSIONS, judgeShapeRun, type Shape, type ShapeRun } from './shapes/index.js';
