export * from "./layers/layer-type.js";
export * from "./metrics/metric-name.js";
