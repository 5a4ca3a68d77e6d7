export * from "./layers/layer-type.js";
export * from "./metrics/metric-name.js";
export * from "./stats/index.js";
