import {classifyLayer, type LayerType} from "../layers/layer-type.js";

/**
 * What a logged metric key says about itself: `grad_norm_l2/transformer.h.0.attn.c_attn.weight` is a
 * per-layer metric of kind `grad_norm_l2` for an attention layer of block 0; `quantization/overflow_rate`
 * is a plain metric in the `quantization` namespace; `loss` is a `scalar`.
 */
export interface MetricName {
  metric: string;
  kind: string;
  layer: string | null;
  layerType: LayerType | null;
  layerIndex: number | null;
}

/** A parameter or module path: dotted segments, at least one dot (`lm_head.weight`, `h.0.mlp`). */
const MODULE_PATH = /^[A-Za-z_][\w-]*(\.[\w-]+)+$/;

export function parseMetricName(metric: string): MetricName {
  const slash = metric.indexOf("/");
  if (slash > 0) {
    const kind = metric.slice(0, slash);
    const rest = metric.slice(slash + 1);
    if (MODULE_PATH.test(rest)) {
      const {layerType, layerIndex} = classifyLayer(rest);
      return {metric, kind, layer: rest, layerType, layerIndex};
    }
    return {metric, kind, layer: null, layerType: null, layerIndex: null};
  }
  return {metric, kind: "scalar", layer: null, layerType: null, layerIndex: null};
}
