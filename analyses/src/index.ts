export * from "./layers/layer-type.js";
export * from "./metrics/metric-name.js";
export * from "./stats/index.js";
export * from "./failures/index.js";
export * from "./compare/index.js";
export * from "./curves/index.js";
export * from "./research/index.js";
export * from "./checkpoints/index.js";
