import {describe, expect, it} from "vitest";
import {classifyLayer, parseMetricName} from "../../analyses/src/index.js";

// Parameter names as the libraries name them (nanoGPT model.py; Hugging Face modeling_gpt2.py,
// modeling_llama.py, modeling_bert.py, modeling_t5.py).
const CASES: [string, string, number | null][] = [
  ["transformer.wte.weight", "embedding", null],
  ["transformer.wpe.weight", "embedding", null],
  ["transformer.h.0.ln_1.weight", "norm", 0],
  ["transformer.h.0.attn.c_attn.weight", "attention", 0],
  ["transformer.h.1.attn.c_proj.weight", "attention", 1],
  ["transformer.h.0.mlp.c_fc.weight", "mlp", 0],
  ["transformer.h.1.mlp.c_proj.weight", "mlp", 1],
  ["transformer.ln_f.weight", "norm", null],
  ["lm_head.weight", "classifier", null],
  ["model.embed_tokens.weight", "embedding", null],
  ["model.layers.12.self_attn.q_proj.weight", "attention", 12],
  ["model.layers.3.mlp.down_proj.weight", "mlp", 3],
  ["model.layers.3.input_layernorm.weight", "norm", 3],
  ["model.layers.3.post_attention_layernorm.weight", "norm", 3],
  ["model.norm.weight", "norm", null],
  ["bert.embeddings.word_embeddings.weight", "embedding", null],
  ["bert.encoder.layer.2.attention.self.query.weight", "attention", 2],
  ["bert.encoder.layer.2.attention.output.dense.weight", "attention", 2],
  ["bert.encoder.layer.2.attention.output.LayerNorm.weight", "norm", 2],
  ["bert.encoder.layer.2.intermediate.dense.weight", "mlp", 2],
  ["bert.encoder.layer.2.output.dense.weight", "mlp", 2],
  ["classifier.weight", "classifier", null],
  ["encoder.block.0.layer.1.DenseReluDense.wi.weight", "mlp", 0],
  ["output.weight", "classifier", null],
  ["conv1.weight", "other", null]
];

describe("classifyLayer", () => {
  it.each(CASES)("%s → %s (block %s)", (name, layerType, layerIndex) => {
    expect(classifyLayer(name)).toEqual({layerType, layerIndex});
  });
});

describe("parseMetricName", () => {
  it("splits per-layer metrics into kind and layer", () => {
    expect(parseMetricName("grad_norm_l2/transformer.h.0.attn.c_attn.weight")).toEqual({
      metric: "grad_norm_l2/transformer.h.0.attn.c_attn.weight",
      kind: "grad_norm_l2",
      layer: "transformer.h.0.attn.c_attn.weight",
      layerType: "attention",
      layerIndex: 0
    });
    expect(parseMetricName("bit_stall/lm_head.weight").layerType).toBe("classifier");
  });

  it("keeps namespaced and plain scalars without a layer", () => {
    expect(parseMetricName("quantization/bit_stall_rate")).toMatchObject({kind: "quantization", layer: null, layerType: null});
    expect(parseMetricName("val/acc")).toMatchObject({kind: "val", layer: null});
    expect(parseMetricName("loss")).toMatchObject({kind: "scalar", layer: null, layerType: null});
  });
});
