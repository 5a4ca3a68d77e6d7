/**
 * Layer-type attribution from parameter / module names.
 *
 * Names follow nanoGPT (`transformer.h.0.attn.c_attn.weight`) and common Hugging Face conventions
 * (GPT-2, Llama/Mistral, BERT/RoBERTa, T5, OPT, GPT-NeoX, Falcon). The most specific path segment
 * decides: segments are read from the leaf towards the root, so `attention.output.LayerNorm` is a norm
 * and `attention.output.dense` is attention.
 */
export type LayerType = "attention" | "mlp" | "embedding" | "classifier" | "norm" | "other";

export const LAYER_TYPES: readonly LayerType[] = ["attention", "mlp", "embedding", "classifier", "norm", "other"];

const NORM = /^(ln(_\d+|_f|f)?|.*layer_?norm.*|.*rms_?norm.*|norm\d*|.*_norm|final_layer_norm|input_layernorm|post_attention_layernorm)$/i;
const EMBEDDING = /^(wte|wpe|embed_tokens|embed_positions|embed_in|word_embeddings|position_embeddings|token_type_embeddings|embeddings?|shared|tok_embeddings|relative_attention_bias)$/i;
const CLASSIFIER = /^(lm_head|classifier|score|qa_outputs|embed_out|cls|head|pooler)$/i;
const ATTENTION = /^(attn|attention|self_attn|self_attention|selfattention|encdecattention|crossattention|cross_attn|encoder_attn|c_attn|q_proj|k_proj|v_proj|o_proj|qkv_proj|query_key_value|wqkv|query|key|value|q|k|v|o)$/i;
const MLP = /^(mlp|ffn|feed_forward|feedforward|densereludense|c_fc|fc1|fc2|fc_in|fc_out|intermediate|dense_h_to_4h|dense_4h_to_h|gate_proj|up_proj|down_proj|w1|w2|w3|wi|wi_0|wi_1|wo)$/i;

/** Leaf segments that only name the tensor, not the module. */
const TENSOR_SUFFIX = /^(weight|bias|scale|gamma|beta|g|b|running_mean|running_var|inv_freq)$/i;

export interface LayerInfo {
  layerType: LayerType;
  /** Transformer block index (`h.3`, `layers.3`, `layer.3`, `block.3`), or null. */
  layerIndex: number | null;
}

export function layerIndexOf(name: string): number | null {
  const match = /(?:^|\.)(?:h|layers?|blocks?|encoder\.layer|decoder\.layer)\.(\d+)(?:\.|$)/.exec(name);
  return match ? Number(match[1]) : null;
}

function segmentType(segment: string, position: number, segments: string[]): LayerType | null {
  if (NORM.test(segment)) return "norm";
  if (EMBEDDING.test(segment)) return "embedding";
  if (CLASSIFIER.test(segment)) return "classifier";
  if (ATTENTION.test(segment)) return "attention";
  if (MLP.test(segment)) return "mlp";
  // BERT: `layer.N.output.dense` is the feed-forward output projection (`layer.N.attention.output` is
  // caught by the `attention` segment further up). A top-level `output` (Llama's `output.weight`) is the
  // classifier head.
  if (segment === "output") {
    if (position === 0) return "classifier";
    if (/^\d+$/.test(segments[position - 1] ?? "")) return "mlp";
  }
  return null;
}

/** Classify one parameter or module name, e.g. `transformer.h.0.mlp.c_fc.weight` → mlp, block 0. */
export function classifyLayer(name: string): LayerInfo {
  const segments = name.split(/[./]/).filter((s) => s.length > 0);
  let end = segments.length;
  while (end > 1 && TENSOR_SUFFIX.test(segments[end - 1])) end--;
  let layerType: LayerType = "other";
  for (let i = end - 1; i >= 0; i--) {
    const type = segmentType(segments[i], i, segments);
    if (type) {
      layerType = type;
      break;
    }
  }
  return {layerType, layerIndex: layerIndexOf(name)};
}
