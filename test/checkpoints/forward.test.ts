import {readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {readNpz} from "../../data-loaders/checkpoints/npz.js";
import {readSafetensors} from "../../data-loaders/checkpoints/safetensors.js";
import {ModelShapeError, createCheckpointContext, forward, kernelModule, modelConfigFromJson, modelFromTensors, neuronFourierFractions, neuronSums, randomModel, runAnalysis, type ModelConfig, type TensorLike} from "../../analyses/src/checkpoints/index.js";
import {FIXTURES, GROKKING, checkpointPath, maxAbsDiff, readRun, ulp16} from "./helpers.js";

it("WebAssembly SIMD kernels are available in Node (else the JS engine is used)", () => {
  expect(kernelModule()).not.toBeNull();
});

describe.each(["wasm", "js"] as const)("forward pass (%s engine) vs an independent numpy float64 forward pass", (engine) => {
  // tiny-model.safetensors: random weights AND non-zero biases, 3 heads (the generic, non-unrolled path),
  // written by make_fixtures.py, with numpy's plain TransformerLens-style forward pass over all positions.
  const config = modelConfigFromJson(JSON.parse(readFileSync(`${FIXTURES}/tiny-model-config.json`, "utf8")), "tiny-model-config.json");
  const model = modelFromTensors(readSafetensors(`${FIXTURES}/tiny-model.safetensors`).tensors, config, "tiny-model.safetensors");
  const reference = readNpz(`${FIXTURES}/tiny-model-reference.npz`);
  const result = forward(model, {engine});

  it("logits, post-ReLU activations and attention pattern agree to float64 rounding", () => {
    expect(config).toMatchObject({p: 13, dModel: 16, nHeads: 3, dHead: 8, dMlp: 40});
    const logits = reference.get("logits")!;
    expect(logits.shape).toEqual([169, 13]);
    // Observed (both engines): logits 2.1e-13, attention 1.8e-15.
    expect(maxAbsDiff(result.logits, logits.data as Float64Array)).toBeLessThan(1e-12);
    expect(maxAbsDiff(result.attention, reference.get("attention")!.data as Float64Array)).toBeLessThan(1e-14);
    // post is stored as float32 (Fortran order in the file): within half a float32 ulp.
    const post = reference.get("post")!;
    expect(post.fortranOrder).toBe(true);
    const ref = post.data as Float32Array;
    for (let i = 0; i < ref.length; ++i) expect(Math.abs(result.mlpPost[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -24 + 1e-300);
  });

  it("O(p²) neuron frequency fractions equal numpy's full 2D Fourier transform", () => {
    expect(result.neuronSums === undefined).toBe(engine === "js");
    const ours = neuronFourierFractions(result.mlpPost, 13, 40, result.neuronSums);
    const ref = reference.get("fractions")!;
    expect(ref.shape).toEqual([40, 6]);
    expect(maxAbsDiff(ours.fractions, ref.data as Float64Array)).toBeLessThan(1e-12); // observed 1.8e-15
  });
});

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i]));
  return m;
};

describe("forward pass on the real checkpoints", () => {
  const {config: configJson} = readRun("model_p59_seed0");
  const config = modelConfigFromJson(configJson);

  it("reproduces neuron_activations.npz (final checkpoint) to within half a float16 ulp", () => {
    const path = checkpointPath("model_p59_seed0", 28300);
    const model = modelFromTensors(readSafetensors(path).tensors, config, path);
    const art = readNpz(join(GROKKING, "model_p59_seed0/artifacts/neuron_activations.npz")).get("epoch_28300")!;
    const ours = forward(model).mlpPost;
    const artData = art.data as Float32Array;
    expect(art.shape).toEqual([3481, 512]);
    let worst = 0; // in float16 ulps of the artifact value
    for (let i = 0; i < ours.length; ++i) worst = Math.max(worst, Math.abs(ours[i] - artData[i]) / ulp16(artData[i]));
    // The artifact is numpy's float64 activations rounded to float16: ours must round to the same
    // value, i.e. lie within half an ulp of it (observed: 0.4999…, never more).
    expect(worst).toBeLessThanOrEqual(0.5);
    // The neuron-activations analysis gives the same numbers as [neuron][a][b] grids.
    const grid = runAnalysis("neuron-activations", model, {neurons: [1, 2, 511]});
    expect(Array.from(grid.neurons)).toEqual([1, 2, 511]);
    expect(grid.values.length).toBe(3 * 3481);
    for (let i = 0; i < 3481; i += 7) {
      expect(grid.values[i]).toBe(Math.fround(ours[i * 512 + 1]));
      expect(grid.values[2 * 3481 + i]).toBe(Math.fround(ours[i * 512 + 511]));
    }
  });

  it("the wasm and JS engines agree (logits, activations, neuron sums) on real and random models, p = 59 and 113", () => {
    const real = modelFromTensors(readSafetensors(checkpointPath("model_p59_seed0", 21000)).tensors, config);
    const big = randomModel({p: 113, dModel: 128, nHeads: 4, dHead: 32, dMlp: 512, nCtx: 3, dVocab: 114, dVocabOut: 113}, 7);
    const odd = randomModel({p: 17, dModel: 24, nHeads: 5, dHead: 7, dMlp: 30, nCtx: 3, dVocab: 18, dVocabOut: 17}, 8); // widths not multiples of 8
    for (const model of [real, big, odd]) {
      const w = forward(model, {engine: "wasm"});
      const j = forward(model, {engine: "js"});
      const scale = maxAbs(j.logits);
      // Observed ≤ 1e-13 absolute (p = 59, |logits| ≤ 75); only the sum over heads is associated differently.
      expect(maxAbsDiff(w.logits, j.logits)).toBeLessThan(1e-13 * scale);
      expect(maxAbsDiff(w.mlpPost, j.mlpPost)).toBeLessThan(1e-12);
      expect(maxAbsDiff(w.attention, j.attention)).toBe(0);
      const sums = neuronSums(j.mlpPost, model.config.p, model.config.dMlp);
      for (const key of ["rows", "cols", "plus", "minus", "mean", "totalVariance"] as const) {
        const ref = sums[key];
        const tol = 1e-12 * Math.max(1, maxAbs(ref));
        expect(maxAbsDiff(w.neuronSums![key], ref), key).toBeLessThanOrEqual(tol);
      }
    }
  });

  it("the attention pattern is a causal softmax: rows sum to 1", () => {
    const model = modelFromTensors(readSafetensors(checkpointPath("model_p59_seed1", 13600)).tensors, config);
    const {attention} = forward(model);
    for (let r = 0; r < attention.length; r += 3) expect(Math.abs(attention[r] + attention[r + 1] + attention[r + 2] - 1)).toBeLessThan(1e-15);
  });
});

describe("model shapes are checked against the config, with clear errors", () => {
  const good: ModelConfig = {p: 5, dModel: 8, nHeads: 2, dHead: 4, dMlp: 12, nCtx: 3, dVocab: 6, dVocabOut: 5};
  const tensors = (): Record<string, TensorLike> => {
    const m = randomModel(good, 3);
    return Object.fromEntries(Object.entries({
      "embed.W_E": [m.W_E, [6, 8]],
      "pos_embed.W_pos": [m.W_pos, [3, 8]],
      "blocks.0.attn.W_Q": [m.W_Q, [2, 8, 4]],
      "blocks.0.attn.W_K": [m.W_K, [2, 8, 4]],
      "blocks.0.attn.W_V": [m.W_V, [2, 8, 4]],
      "blocks.0.attn.W_O": [m.W_O, [2, 4, 8]],
      "blocks.0.attn.b_Q": [m.b_Q, [2, 4]],
      "blocks.0.attn.b_K": [m.b_K, [2, 4]],
      "blocks.0.attn.b_V": [m.b_V, [2, 4]],
      "blocks.0.attn.b_O": [m.b_O, [8]],
      "blocks.0.mlp.W_in": [m.W_in, [8, 12]],
      "blocks.0.mlp.b_in": [m.b_in, [12]],
      "blocks.0.mlp.W_out": [m.W_out, [12, 8]],
      "blocks.0.mlp.b_out": [m.b_out, [8]],
      "unembed.W_U": [m.W_U, [8, 5]],
      "unembed.b_U": [m.b_U, [5]]
    } as Record<string, [Float32Array, number[]]>).map(([k, [data, shape]]) => [k, {data, shape}]));
  };
  const catchError = (fn: () => unknown): ModelShapeError => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ModelShapeError);
      return error as ModelShapeError;
    }
    throw new Error("expected a ModelShapeError");
  };

  it("accepts a consistent model", () => {
    expect(modelFromTensors(tensors(), good, "x").config).toEqual(good);
  });
  it("names the tensor with the wrong shape, the expected and the actual shape", () => {
    const t = tensors();
    t["blocks.0.mlp.W_in"] = {data: new Float32Array(8 * 13), shape: [8, 13]};
    const e = catchError(() => modelFromTensors(t, good, "ckpt.safetensors"));
    expect(e.source).toBe("ckpt.safetensors");
    expect(e.tensor).toBe("blocks.0.mlp.W_in");
    expect(e.message).toMatch(/ckpt.safetensors \[blocks.0.mlp.W_in\]: shape \[8, 13\] does not match \[8, 12\] from the config .*d_mlp=12/);
  });
  it("names a missing tensor", () => {
    const t = tensors();
    delete t["unembed.b_U"];
    const e = catchError(() => modelFromTensors(t, good, "ckpt"));
    expect(e.tensor).toBe("unembed.b_U");
    expect(e.reason).toMatch(/missing tensor \(expected shape \[5\]\)/);
  });
  it("the real checkpoint against a config with the wrong d_mlp / p", () => {
    const path = checkpointPath("model_p59_seed0", 0);
    const {tensors: real} = readSafetensors(path);
    const e = catchError(() => modelFromTensors(real, {p: 59, dModel: 128, nHeads: 4, dHead: 32, dMlp: 256, nCtx: 3, dVocab: 60, dVocabOut: 59}, path));
    expect(e.message).toContain(path);
    expect(e.tensor).toBe("blocks.0.mlp.W_in");
    const e2 = catchError(() => modelFromTensors(real, {p: 61, dModel: 128, nHeads: 4, dHead: 32, dMlp: 512, nCtx: 3, dVocab: 62, dVocabOut: 61}, path));
    expect(e2.tensor).toBe("embed.W_E");
  });
  it("rejects configs outside the family", () => {
    const base = {p: 59, model: {n_layers: 1, d_model: 128, n_heads: 4, d_head: 32, d_mlp: 512, act_fn: "relu", n_ctx: 3, d_vocab: 60, d_vocab_out: 59, normalization: null}};
    const withModel = (patch: Record<string, unknown>) => ({...base, model: {...base.model, ...patch}});
    expect(modelConfigFromJson(base)).toMatchObject({p: 59, dMlp: 512});
    expect(catchError(() => modelConfigFromJson(withModel({d_vocab: 59}), "c.json")).message).toMatch(/c.json: d_vocab = 59 but p = 59 needs p \+ 1 = 60/);
    expect(catchError(() => modelConfigFromJson(withModel({n_layers: 2}))).message).toMatch(/only one-layer/);
    expect(catchError(() => modelConfigFromJson(withModel({act_fn: "gelu"}))).message).toMatch(/only relu/);
    expect(catchError(() => modelConfigFromJson(withModel({normalization: "LN"}))).message).toMatch(/without LayerNorm/);
    expect(catchError(() => modelConfigFromJson(withModel({n_ctx: 4}))).message).toMatch(/n_ctx must be 3/);
    expect(catchError(() => modelConfigFromJson(withModel({d_mlp: "512"}))).message).toMatch(/model.d_mlp = "512" is not a positive integer/);
    expect(catchError(() => modelConfigFromJson({...base, p: 0})).message).toMatch(/p = 0/);
  });
  it("analysis inputs are validated too", () => {
    const model = modelFromTensors(tensors(), good, "m");
    expect(catchError(() => runAnalysis("neuron-activations", model, {neurons: [12]})).message).toMatch(/neuron 12 is outside \[0, 12\)/);
    expect(catchError(() => runAnalysis("progress-measures", model)).message).toMatch(/needs the train\/test split/);
    expect(catchError(() => runAnalysis("progress-measures", createCheckpointContext(model, {trainIndices: [0, 25]}))).message).toMatch(/train index 25 is outside \[0, 25\)/);
    expect(catchError(() => runAnalysis("progress-measures", model, {keyFrequencies: [3]}, {trainIndices: [0]})).message).toMatch(/key frequency 3 is outside 1..2/);
  });
});
