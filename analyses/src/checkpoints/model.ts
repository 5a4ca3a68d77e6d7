/**
 * The one-layer modular-addition transformer of Nanda et al. 2023 ("Progress measures for grokking via
 * mechanistic interpretability"), in TransformerLens layout: no LayerNorm, learned positional
 * embedding, causal attention (scale 1/√d_head), ReLU MLP, unembedding; inputs [a, b, "="] with "=" =
 * token p, logits over p classes read at the last position.
 */

export type FloatArray = Float32Array | Float64Array;

export interface ModelConfig {
  /** Modulus; inputs a, b ∈ [0, p), "=" is token p. */
  p: number;
  dModel: number;
  nHeads: number;
  dHead: number;
  dMlp: number;
  /** Always 3 here: [a, b, =]. */
  nCtx: number;
  /** p + 1. */
  dVocab: number;
  /** p. */
  dVocabOut: number;
}

/** A malformed or unsupported model (config or tensor shapes). Names what is wrong and where. */
export class ModelShapeError extends Error {
  constructor(
    readonly source: string,
    readonly tensor: string | null,
    readonly reason: string
  ) {
    super(`${source}${tensor === null ? "" : ` [${tensor}]`}: ${reason}`);
    this.name = "ModelShapeError";
  }
}

/** Tensor names (TransformerLens) and their shapes for a config. Every one is required. */
export function tensorShapes(c: ModelConfig): Record<string, number[]> {
  return {
    "embed.W_E": [c.dVocab, c.dModel],
    "pos_embed.W_pos": [c.nCtx, c.dModel],
    "blocks.0.attn.W_Q": [c.nHeads, c.dModel, c.dHead],
    "blocks.0.attn.W_K": [c.nHeads, c.dModel, c.dHead],
    "blocks.0.attn.W_V": [c.nHeads, c.dModel, c.dHead],
    "blocks.0.attn.W_O": [c.nHeads, c.dHead, c.dModel],
    "blocks.0.attn.b_Q": [c.nHeads, c.dHead],
    "blocks.0.attn.b_K": [c.nHeads, c.dHead],
    "blocks.0.attn.b_V": [c.nHeads, c.dHead],
    "blocks.0.attn.b_O": [c.dModel],
    "blocks.0.mlp.W_in": [c.dModel, c.dMlp],
    "blocks.0.mlp.b_in": [c.dMlp],
    "blocks.0.mlp.W_out": [c.dMlp, c.dModel],
    "blocks.0.mlp.b_out": [c.dModel],
    "unembed.W_U": [c.dModel, c.dVocabOut],
    "unembed.b_U": [c.dVocabOut]
  };
}

export interface TransformerModel {
  config: ModelConfig;
  /** Where the weights came from (a file path), used in error messages. */
  source: string;
  W_E: FloatArray;
  W_pos: FloatArray;
  W_Q: FloatArray;
  W_K: FloatArray;
  W_V: FloatArray;
  W_O: FloatArray;
  b_Q: FloatArray;
  b_K: FloatArray;
  b_V: FloatArray;
  b_O: FloatArray;
  W_in: FloatArray;
  b_in: FloatArray;
  W_out: FloatArray;
  b_out: FloatArray;
  W_U: FloatArray;
  b_U: FloatArray;
}

const FIELD: Record<string, keyof TransformerModel> = {
  "embed.W_E": "W_E",
  "pos_embed.W_pos": "W_pos",
  "blocks.0.attn.W_Q": "W_Q",
  "blocks.0.attn.W_K": "W_K",
  "blocks.0.attn.W_V": "W_V",
  "blocks.0.attn.W_O": "W_O",
  "blocks.0.attn.b_Q": "b_Q",
  "blocks.0.attn.b_K": "b_K",
  "blocks.0.attn.b_V": "b_V",
  "blocks.0.attn.b_O": "b_O",
  "blocks.0.mlp.W_in": "W_in",
  "blocks.0.mlp.b_in": "b_in",
  "blocks.0.mlp.W_out": "W_out",
  "blocks.0.mlp.b_out": "b_out",
  "unembed.W_U": "W_U",
  "unembed.b_U": "b_U"
};

const posInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v > 0;

/**
 * The model config from a run's `config.json` (the whole object: `p` at the top, the architecture
 * under `model`). Checks that it describes this family (1 layer, ReLU, no normalisation, n_ctx 3,
 * d_vocab = p + 1, d_vocab_out = p) and says which field is wrong otherwise.
 */
export function modelConfigFromJson(json: unknown, source = "config.json"): ModelConfig {
  const fail = (reason: string): never => {
    throw new ModelShapeError(source, null, reason);
  };
  if (json === null || typeof json !== "object") return fail("config is not an object");
  const root = json as Record<string, unknown>;
  const m = (root.model ?? {}) as Record<string, unknown>;
  const p = root.p ?? m.p;
  if (!posInt(p)) return fail(`p = ${JSON.stringify(p)} is not a positive integer`);
  const need = (key: string): number => {
    const v = m[key];
    if (!posInt(v)) fail(`model.${key} = ${JSON.stringify(v)} is not a positive integer`);
    return v as number;
  };
  if (m.n_layers !== undefined && m.n_layers !== 1) fail(`model.n_layers = ${JSON.stringify(m.n_layers)}: only one-layer models are supported`);
  if (m.act_fn !== undefined && m.act_fn !== "relu") fail(`model.act_fn = ${JSON.stringify(m.act_fn)}: only relu is supported`);
  if (m.normalization !== undefined && m.normalization !== null) fail(`model.normalization = ${JSON.stringify(m.normalization)}: only models without LayerNorm are supported`);
  if (m.positional_embedding !== undefined && m.positional_embedding !== "learned") fail(`model.positional_embedding = ${JSON.stringify(m.positional_embedding)}: only learned is supported`);
  const config: ModelConfig = {
    p,
    dModel: need("d_model"),
    nHeads: need("n_heads"),
    dHead: need("d_head"),
    dMlp: need("d_mlp"),
    nCtx: need("n_ctx"),
    dVocab: need("d_vocab"),
    dVocabOut: need("d_vocab_out")
  };
  checkConfig(config, source);
  return config;
}

/** The family's invariants; throws ModelShapeError. */
export function checkConfig(c: ModelConfig, source = "config"): void {
  const fail = (reason: string): never => {
    throw new ModelShapeError(source, null, reason);
  };
  for (const key of ["p", "dModel", "nHeads", "dHead", "dMlp", "nCtx", "dVocab", "dVocabOut"] as const) {
    if (!posInt(c[key])) fail(`${key} = ${c[key]} is not a positive integer`);
  }
  if (c.p < 3) fail(`p = ${c.p} is too small`);
  if (c.nCtx !== 3) fail(`n_ctx = ${c.nCtx}: inputs are [a, b, =], so n_ctx must be 3`);
  if (c.dVocab !== c.p + 1) fail(`d_vocab = ${c.dVocab} but p = ${c.p} needs p + 1 = ${c.p + 1} (tokens 0..p-1 and "=")`);
  if (c.dVocabOut !== c.p) fail(`d_vocab_out = ${c.dVocabOut} but p = ${c.p} (one logit per residue)`);
}

export interface TensorLike {
  shape: readonly number[];
  data: FloatArray;
}

/**
 * Assemble a model from named tensors (e.g. a safetensors file's `tensors` map) and check every
 * shape against the config. Missing tensors and shape mismatches are ModelShapeErrors naming the
 * source, the tensor, the expected and the actual shape. Unknown extra tensors are ignored.
 */
export function modelFromTensors(tensors: ReadonlyMap<string, TensorLike> | Record<string, TensorLike>, config: ModelConfig, source = "<tensors>"): TransformerModel {
  checkConfig(config, source);
  const get = (name: string): TensorLike | undefined => (tensors instanceof Map ? tensors.get(name) : (tensors as Record<string, TensorLike>)[name]);
  const model = {config, source} as TransformerModel;
  for (const [name, shape] of Object.entries(tensorShapes(config))) {
    const t = get(name);
    if (t === undefined) throw new ModelShapeError(source, name, `missing tensor (expected shape [${shape.join(", ")}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelShapeError(source, name, `shape [${t.shape.join(", ")}] does not match [${shape.join(", ")}] from the config (p=${config.p}, d_model=${config.dModel}, n_heads=${config.nHeads}, d_head=${config.dHead}, d_mlp=${config.dMlp})`);
    }
    const numel = shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== numel) throw new ModelShapeError(source, name, `holds ${t.data.length} values, shape [${shape.join(", ")}] needs ${numel}`);
    (model as unknown as Record<string, FloatArray>)[FIELD[name]] = t.data;
  }
  return model;
}

/** Sum of squared weights per tensor (the paper's fourth progress measure) and in total. */
export function sumSquaredWeights(model: TransformerModel): {total: number; byTensor: Record<string, number>} {
  const byTensor: Record<string, number> = {};
  let total = 0;
  for (const [name, field] of Object.entries(FIELD)) {
    const data = model[field] as FloatArray;
    let s = 0;
    for (let i = 0; i < data.length; ++i) s += data[i] * data[i];
    byTensor[name] = s;
    total += s;
  }
  return {total, byTensor};
}

/**
 * A model with random weights (all W_* ~ N(0, 0.8/√d_model), biases zero — the TransformerLens
 * default init the dataset used), from a seeded generator; for benchmarks and tests.
 */
export function randomModel(config: ModelConfig, seed = 0): TransformerModel {
  checkConfig(config, "randomModel");
  let state = (seed >>> 0) ^ 0x9e3779b9;
  const uniform = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const std = 0.8 / Math.sqrt(config.dModel);
  const tensors: Record<string, TensorLike> = {};
  for (const [name, shape] of Object.entries(tensorShapes(config))) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (FIELD[name].startsWith("W_")) {
      for (let i = 0; i < data.length; ++i) {
        const u1 = uniform() || 1e-12;
        data[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * uniform());
      }
    }
    tensors[name] = {shape, data};
  }
  return modelFromTensors(tensors, config, `random(seed=${seed})`);
}
