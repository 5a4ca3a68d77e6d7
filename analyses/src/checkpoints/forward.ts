/**
 * Forward pass of the one-layer modular-addition transformer on all p² inputs [a, b, =], in float64
 * (weights are float32 or float64; every product and sum is a double), batched over the whole (a, b)
 * grid. Row i = a·p + b everywhere.
 *
 * It computes exactly what TransformerLens computes at the last position, but uses the structure of
 * the task to do far less arithmetic than a generic batched forward pass:
 *  - only the last position's residual reaches the logits, and its query is the same for every input
 *    (token "=" at position 2), so attention needs one query per head;
 *  - keys and values at positions 0 and 1 depend on a resp. b only: p of each, not p²;
 *  - the pattern weights satisfy w₀ + w₁ + w₂ = 1, so resid_mid(a, b) = base + Σ_h w₀(v₀[a] − v₂)W_O
 *    + w₁(v₁[b] − v₂)W_O with base = x₂ + b_O + Σ_h v₂W_O;
 *  - those value differences go through W_O·W_in (d_head×d_mlp, folded once per head) into per-token
 *    tables, so an input's MLP pre-activation costs 2·n_heads·d_mlp multiply-adds, not d_model·d_mlp;
 *  - logits = resid_mid·W_U + post·(W_out·W_U) + b_out·W_U + b_U, with W_out·W_U precomputed and
 *    post's zeros (ReLU) skipped.
 * All of these are exact rewrites (associativity of the same linear maps); results agree with a plain
 * float64 forward pass to rounding (tested against numpy).
 *
 * Two engines compute the heavy loops: f64x2 WebAssembly SIMD kernels (wasm-kernels.ts; default where
 * WebAssembly SIMD exists: Node ≥ 16, all current browsers) and plain JS loops (fallback, or
 * `{engine: "js"}`). They agree to ~1e-15 relative (tested).
 */
import type {FloatArray, TransformerModel} from "./model.js";
import type {NeuronSums} from "./neuron-fourier.js";
import {instantiateKernels, kernelModule, type Kernels} from "./wasm-kernels.js";

export interface ForwardResult {
  p: number;
  /** p² inputs. */
  nInputs: number;
  dMlp: number;
  nHeads: number;
  /** [p², p]: logits at the last position. */
  logits: Float64Array;
  /** [p², d_mlp]: post-ReLU MLP activations at the last position (TransformerLens `blocks.0.mlp.hook_post`). */
  mlpPost: Float64Array;
  /** [p², n_heads, 3]: attention pattern from the last position to positions 0 (a), 1 (b), 2 (=). */
  attention: Float64Array;
  /** The wasm engine also returns the neuron-fourier sums of mlpPost (cheap there, a second pass in JS). */
  neuronSums?: NeuronSums;
}

export interface ForwardOptions {
  /** Keep the attention pattern (default true; it is small). */
  attention?: boolean;
  /**
   * "wasm": the f64x2 SIMD kernels of wasm-kernels.ts (an error where WebAssembly SIMD is missing);
   * "js": plain loops; "auto" (default): wasm when available, else js. Same results to rounding.
   */
  engine?: "auto" | "wasm" | "js";
}

const f64Cache = new WeakMap<FloatArray, Float64Array>();
/** The weights as Float64Array (cached per array), so every kernel below sees one array type. */
function f64(a: FloatArray): Float64Array {
  if (a instanceof Float64Array) return a;
  let out = f64Cache.get(a);
  if (out === undefined) {
    out = Float64Array.from(a);
    f64Cache.set(a, out);
  }
  return out;
}

/**
 * out[r, :] = x[r, :]·W for x [rows, K] at xOffset and W [K, N] at wOffset (row-major), overwriting
 * out. Register-blocked: 8 output columns of one row accumulate in locals over K, so the inner loop
 * does 9 loads and no stores per 8 multiply-adds.
 */
export function gemm(x: Float64Array, xOffset: number, w: Float64Array, wOffset: number, rows: number, k: number, n: number, out: Float64Array, outOffset = 0): void {
  for (let r = 0; r < rows; ++r) {
    const o = outOffset + r * n;
    const xr = xOffset + r * k;
    let c = 0;
    for (; c + 8 <= n; c += 8) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0; // prettier-ignore
      let wr = wOffset + c;
      for (let j = 0; j < k; ++j, wr += n) {
        const v = x[xr + j];
        a0 += v * w[wr];
        a1 += v * w[wr + 1];
        a2 += v * w[wr + 2];
        a3 += v * w[wr + 3];
        a4 += v * w[wr + 4];
        a5 += v * w[wr + 5];
        a6 += v * w[wr + 6];
        a7 += v * w[wr + 7];
      }
      out[o + c] = a0;
      out[o + c + 1] = a1;
      out[o + c + 2] = a2;
      out[o + c + 3] = a3;
      out[o + c + 4] = a4;
      out[o + c + 5] = a5;
      out[o + c + 6] = a6;
      out[o + c + 7] = a7;
    }
    for (; c < n; ++c) {
      let acc = 0;
      for (let j = 0, wr = wOffset + c; j < k; ++j, wr += n) acc += x[xr + j] * w[wr];
      out[o + c] = acc;
    }
  }
}

/** Everything the two engines share: embeddings, attention scores and weights, value differences. */
interface Prepared {
  p: number;
  D: number;
  H: number;
  E: number;
  M: number;
  C: number;
  N: number;
  /** [H][p][E]: v_0(a) − v_2 and v_1(b) − v_2 per head. */
  dV0: Float64Array;
  dV1: Float64Array;
  /** [D]: x2 + b_O + Σ_h v_2[h]·W_O[h], the part of resid_mid that does not depend on (a, b). */
  base: Float64Array;
  /** [N][H]: attention weights from "=" to a and to b. */
  w0: Float64Array;
  w1: Float64Array;
  attention: Float64Array;
  W_O: Float64Array;
  W_in: Float64Array;
  b_in: Float64Array;
  W_out: Float64Array;
  b_out: Float64Array;
  W_U: Float64Array;
  b_U: Float64Array;
}

function prepare(model: TransformerModel, keepAttention: boolean): Prepared {
  const {p, dModel: D, nHeads: H, dHead: E, dMlp: M} = model.config;
  const C = model.config.dVocabOut;
  const N = p * p;
  const W_E = f64(model.W_E);
  const W_pos = f64(model.W_pos);
  const W_Q = f64(model.W_Q);
  const W_K = f64(model.W_K);
  const W_V = f64(model.W_V);
  const W_O = f64(model.W_O);
  const b_Q = f64(model.b_Q);
  const b_K = f64(model.b_K);
  const b_V = f64(model.b_V);
  const b_O = f64(model.b_O);

  // Residual stream at positions 0 (token a), 1 (token b) and 2 ("=").
  const x0 = new Float64Array(p * D);
  const x1 = new Float64Array(p * D);
  for (let t = 0; t < p; ++t) {
    for (let d = 0; d < D; ++d) {
      x0[t * D + d] = W_E[t * D + d] + W_pos[d];
      x1[t * D + d] = W_E[t * D + d] + W_pos[D + d];
    }
  }
  const x2 = new Float64Array(D);
  for (let d = 0; d < D; ++d) x2[d] = W_E[p * D + d] + W_pos[2 * D + d];

  const scale = 1 / Math.sqrt(E);
  const s0 = new Float64Array(H * p);
  const s1 = new Float64Array(H * p);
  const s2 = new Float64Array(H);
  const dV0 = new Float64Array(H * p * E);
  const dV1 = new Float64Array(H * p * E);
  const base = new Float64Array(D);
  for (let d = 0; d < D; ++d) base[d] = x2[d] + b_O[d];
  const q = new Float64Array(E);
  const qK = new Float64Array(D);
  const v2 = new Float64Array(E);
  for (let h = 0; h < H; ++h) {
    const qkv = h * D * E;
    gemm(x2, 0, W_Q, qkv, 1, D, E, q);
    for (let e = 0; e < E; ++e) q[e] += b_Q[h * E + e];
    // score = (x·W_K + b_K)·q / √E = x·(W_K q) + b_K·q.
    let qb = 0;
    for (let e = 0; e < E; ++e) qb += b_K[h * E + e] * q[e];
    for (let d = 0; d < D; ++d) {
      let s = 0;
      for (let e = 0; e < E; ++e) s += W_K[qkv + d * E + e] * q[e];
      qK[d] = s;
    }
    for (let t = 0; t < p; ++t) {
      let sa = qb;
      let sb = qb;
      for (let d = 0; d < D; ++d) {
        sa += x0[t * D + d] * qK[d];
        sb += x1[t * D + d] * qK[d];
      }
      s0[h * p + t] = sa * scale;
      s1[h * p + t] = sb * scale;
    }
    let sc = qb;
    for (let d = 0; d < D; ++d) sc += x2[d] * qK[d];
    s2[h] = sc * scale;
    // Values; then v_j − v_2 (b_V cancels in the difference but not in v_2).
    gemm(x0, 0, W_V, qkv, p, D, E, dV0, h * p * E);
    gemm(x1, 0, W_V, qkv, p, D, E, dV1, h * p * E);
    gemm(x2, 0, W_V, qkv, 1, D, E, v2);
    for (let e = 0; e < E; ++e) v2[e] += b_V[h * E + e];
    for (let t = 0; t < p; ++t) {
      const o = (h * p + t) * E;
      for (let e = 0; e < E; ++e) {
        dV0[o + e] += b_V[h * E + e] - v2[e];
        dV1[o + e] += b_V[h * E + e] - v2[e];
      }
    }
    // base += v2·W_O[h]
    const o = h * E * D;
    for (let e = 0; e < E; ++e) {
      const v = v2[e];
      for (let d = 0; d < D; ++d) base[d] += v * W_O[o + e * D + d];
    }
  }
  // Softmax over the three positions, per input and head.
  const w0 = new Float64Array(N * H);
  const w1 = new Float64Array(N * H);
  const attention = new Float64Array(keepAttention ? N * H * 3 : 0);
  for (let a = 0; a < p; ++a) {
    for (let b = 0; b < p; ++b) {
      const i = a * p + b;
      for (let h = 0; h < H; ++h) {
        const e0 = s0[h * p + a];
        const e1 = s1[h * p + b];
        const e2 = s2[h];
        const m = Math.max(e0, e1, e2);
        const z0 = Math.exp(e0 - m);
        const z1 = Math.exp(e1 - m);
        const z2 = Math.exp(e2 - m);
        const inv = 1 / (z0 + z1 + z2);
        w0[i * H + h] = z0 * inv;
        w1[i * H + h] = z1 * inv;
        if (keepAttention) {
          attention[(i * H + h) * 3] = z0 * inv;
          attention[(i * H + h) * 3 + 1] = z1 * inv;
          attention[(i * H + h) * 3 + 2] = z2 * inv;
        }
      }
    }
  }
  return {p, D, H, E, M, C, N, dV0, dV1, base, w0, w1, attention, W_O, W_in: f64(model.W_in), b_in: f64(model.b_in), W_out: f64(model.W_out), b_out: f64(model.b_out), W_U: f64(model.W_U), b_U: f64(model.b_U)};
}

/** preBase = base·W_in + b_in [M]; logitBase = (base + b_out)·W_U + b_U [C]. */
function constants(r: Prepared): {preBase: Float64Array; logitBase: Float64Array} {
  const {D, M, C} = r;
  const preBase = new Float64Array(M);
  gemm(r.base, 0, r.W_in, 0, 1, D, M, preBase);
  for (let n = 0; n < M; ++n) preBase[n] += r.b_in[n];
  const residOut = new Float64Array(D);
  for (let d = 0; d < D; ++d) residOut[d] = r.base[d] + r.b_out[d];
  const logitBase = new Float64Array(C);
  gemm(residOut, 0, r.W_U, 0, 1, D, C, logitBase);
  for (let c = 0; c < C; ++c) logitBase[c] += r.b_U[c];
  return {preBase, logitBase};
}

export function forward(model: TransformerModel, options: ForwardOptions = {}): ForwardResult {
  const engine = options.engine ?? "auto";
  const prepared = prepare(model, options.attention !== false);
  if (engine !== "js") {
    const available = kernelModule() !== null;
    if (available) return forwardWasm(prepared);
    if (engine === "wasm") throw new Error("forward: WebAssembly SIMD is not available here (use engine: \"js\")");
  }
  return forwardJs(prepared);
}

function forwardJs(r: Prepared): ForwardResult {
  const {p, D, H, E, M, C, N, dV0, dV1, w0, w1, W_O, W_in, W_out, W_U} = r;
  // Value differences pushed through W_O·W_in (P, layout [token][n][h]) and W_O·W_U (U, [token][h][c]).
  const P0 = new Float64Array(p * M * H);
  const P1 = new Float64Array(p * M * H);
  const U0 = new Float64Array(p * H * C);
  const U1 = new Float64Array(p * H * C);
  const WOin = new Float64Array(E * M);
  const WOU = new Float64Array(E * C);
  const Ptmp = new Float64Array(p * M);
  const Utmp = new Float64Array(p * C);
  for (let h = 0; h < H; ++h) {
    gemm(W_O, h * E * D, W_in, 0, E, D, M, WOin);
    gemm(W_O, h * E * D, W_U, 0, E, D, C, WOU);
    for (let pos = 0; pos < 2; ++pos) {
      const dv = pos === 0 ? dV0 : dV1;
      const P = pos === 0 ? P0 : P1;
      const U = pos === 0 ? U0 : U1;
      gemm(dv, h * p * E, WOin, 0, p, E, M, Ptmp);
      gemm(dv, h * p * E, WOU, 0, p, E, C, Utmp);
      for (let t = 0; t < p; ++t) {
        for (let n = 0; n < M; ++n) P[(t * M + n) * H + h] = Ptmp[t * M + n];
        for (let c = 0; c < C; ++c) U[(t * H + h) * C + c] = Utmp[t * C + c];
      }
    }
  }
  const {preBase, logitBase} = constants(r);
  const WL = new Float64Array(M * C);
  gemm(W_out, 0, W_U, 0, M, D, C, WL);

  const mlpPost = new Float64Array(N * M);
  const logits = new Float64Array(N * C);
  const activeRow = new Int32Array(M); // n·C of each active neuron
  const activeVal = new Float64Array(M);
  for (let a = 0; a < p; ++a) {
    for (let b = 0; b < p; ++b) {
      const i = a * p + b;
      const wi = i * H;
      // Pre-activation, ReLU; collect the active neurons.
      const pa = a * M * H;
      const pb = b * M * H;
      const po = i * M;
      let active = 0;
      if (H === 4) {
        // The family's usual 4 heads, unrolled.
        const wa0 = w0[wi], wa1 = w0[wi + 1], wa2 = w0[wi + 2], wa3 = w0[wi + 3]; // prettier-ignore
        const wb0 = w1[wi], wb1 = w1[wi + 1], wb2 = w1[wi + 2], wb3 = w1[wi + 3]; // prettier-ignore
        for (let n = 0, ja = pa, jb = pb; n < M; ++n, ja += 4, jb += 4) {
          const v = preBase[n] + wa0 * P0[ja] + wa1 * P0[ja + 1] + wa2 * P0[ja + 2] + wa3 * P0[ja + 3] + (wb0 * P1[jb] + wb1 * P1[jb + 1] + wb2 * P1[jb + 2] + wb3 * P1[jb + 3]);
          if (v > 0) {
            mlpPost[po + n] = v;
            activeRow[active] = n * C;
            activeVal[active] = v;
            active++;
          }
        }
      } else {
        for (let n = 0; n < M; ++n) {
          let v = preBase[n];
          const ja = pa + n * H;
          const jb = pb + n * H;
          for (let h = 0; h < H; ++h) v += w0[wi + h] * P0[ja + h] + w1[wi + h] * P1[jb + h];
          if (v > 0) {
            mlpPost[po + n] = v;
            activeRow[active] = n * C;
            activeVal[active] = v;
            active++;
          }
        }
      }
      // Logits: constant + direct path through attention + Σ_active post·(W_out·W_U), 8 classes at a time.
      const lo = i * C;
      for (let c = 0; c < C; ++c) logits[lo + c] = logitBase[c];
      for (let h = 0; h < H; ++h) {
        const ua = (a * H + h) * C;
        const ub = (b * H + h) * C;
        const wa = w0[wi + h];
        const wb = w1[wi + h];
        for (let c = 0; c < C; ++c) logits[lo + c] += wa * U0[ua + c] + wb * U1[ub + c];
      }
      let c = 0;
      for (; c + 8 <= C; c += 8) {
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0; // prettier-ignore
        for (let j = 0; j < active; ++j) {
          const v = activeVal[j];
          const q = activeRow[j] + c;
          a0 += v * WL[q];
          a1 += v * WL[q + 1];
          a2 += v * WL[q + 2];
          a3 += v * WL[q + 3];
          a4 += v * WL[q + 4];
          a5 += v * WL[q + 5];
          a6 += v * WL[q + 6];
          a7 += v * WL[q + 7];
        }
        logits[lo + c] += a0;
        logits[lo + c + 1] += a1;
        logits[lo + c + 2] += a2;
        logits[lo + c + 3] += a3;
        logits[lo + c + 4] += a4;
        logits[lo + c + 5] += a5;
        logits[lo + c + 6] += a6;
        logits[lo + c + 7] += a7;
      }
      for (; c < C; ++c) {
        let acc = 0;
        for (let j = 0; j < active; ++j) acc += activeVal[j] * WL[activeRow[j] + c];
        logits[lo + c] += acc;
      }
    }
  }
  return {p, nInputs: N, dMlp: M, nHeads: H, logits, mlpPost, attention: r.attention};
}

// One kernel instance per thread, its memory grown as needed and reused across calls.
let kernels: Kernels | null = null;

function forwardWasm(r: Prepared): ForwardResult {
  const {p, D, H, E, M, C, N} = r;
  const Mp = (M + 7) & ~7; // padded widths: the SIMD kernels work on 8 columns at a time
  const Cp = (C + 7) & ~7;
  // Bump-allocate every array in the kernels' memory (byte offsets, 16-byte aligned).
  let top = 0;
  const alloc = (doubles: number): number => {
    const at = top;
    top += ((doubles * 8 + 15) >> 4) << 4;
    return at;
  };
  const Win = alloc(D * Mp);
  const WU = alloc(D * Cp);
  const WO = alloc(H * E * D);
  const Wout = alloc(M * D);
  const WOin = alloc(E * Mp);
  const WOU = alloc(E * Cp);
  const dV = alloc(2 * H * p * E);
  const P0 = alloc(p * H * Mp);
  const P1 = alloc(p * H * Mp);
  const U0 = alloc(p * H * Cp);
  const U1 = alloc(p * H * Cp);
  const preBase = alloc(Mp);
  const logitBase = alloc(Cp);
  const WL = alloc(M * Cp);
  const w0 = alloc(N * H);
  const w1 = alloc(N * H);
  const post = alloc(N * Mp);
  const logits = alloc(N * Cp);
  const K = Math.max(Mp, D, E);
  const idx = alloc(K);
  const val = alloc(K);
  const sums = alloc(4 * p * Mp); // rows, cols, plus, minus: [p][Mp] each
  const mean = alloc(Mp);
  const squares = alloc(Mp);
  if (kernels === null || kernels.memory.buffer.byteLength < top) {
    if (kernels !== null) kernels.memory.grow(Math.ceil((top - kernels.memory.buffer.byteLength) / 65536));
    else kernels = instantiateKernels(top);
    if (kernels === null) throw new Error("forward: WebAssembly SIMD kernels failed to instantiate");
  }
  const k = kernels;
  const f = new Float64Array(k.memory.buffer);
  const at = (offset: number) => offset >> 3;
  // Zero what is accumulated into and the padding of the weight copies (post and logits are
  // overwritten by mix, w0/w1 by set, idx/val are scratch).
  f.fill(0, at(Win), at(w0));
  for (let d = 0; d < D; ++d) {
    f.set(r.W_in.subarray(d * M, (d + 1) * M), at(Win) + d * Mp);
    f.set(r.W_U.subarray(d * C, (d + 1) * C), at(WU) + d * Cp);
  }
  f.set(r.W_O, at(WO));
  f.set(r.W_out, at(Wout));
  f.set(r.dV0, at(dV));
  f.set(r.dV1, at(dV) + H * p * E);
  // Per head: W_O[h]·W_in and W_O[h]·W_U, then the value differences through them, into the
  // [token][h][width] tables.
  for (let h = 0; h < H; ++h) {
    const wo = WO + h * E * D * 8;
    f.fill(0, at(WOin), at(WOin) + E * Mp);
    f.fill(0, at(WOU), at(WOU) + E * Cp);
    k.spmm(WOin, Mp * 8, wo, D * 8, D, Win, Mp * 8, Mp, E, idx, val);
    k.spmm(WOU, Cp * 8, wo, D * 8, D, WU, Cp * 8, Cp, E, idx, val);
    for (let pos = 0; pos < 2; ++pos) {
      const x = dV + (pos * H + h) * p * E * 8;
      k.spmm((pos === 0 ? P0 : P1) + h * Mp * 8, H * Mp * 8, x, E * 8, E, WOin, Mp * 8, Mp, p, idx, val);
      k.spmm((pos === 0 ? U0 : U1) + h * Cp * 8, H * Cp * 8, x, E * 8, E, WOU, Cp * 8, Cp, p, idx, val);
    }
  }
  const c = constants(r);
  f.set(c.preBase, at(preBase));
  f.set(c.logitBase, at(logitBase));
  k.spmm(WL, Cp * 8, Wout, D * 8, D, WU, Cp * 8, Cp, M, idx, val);
  f.set(r.w0, at(w0));
  f.set(r.w1, at(w1));
  // MLP: post = relu(preBase + Σ_h w0·P0[a] + w1·P1[b]); logits = logitBase + Σ_h w0·U0[a] + w1·U1[b] + post·WL.
  k.mix(post, Mp * 8, preBase, P0, P1, w0, w1, p, H, Mp, Mp * 8, 1);
  k.mix(logits, Cp * 8, logitBase, U0, U1, w0, w1, p, H, Cp, Cp * 8, 0);
  k.spmm(logits, Cp * 8, post, Mp * 8, M, WL, Cp * 8, Cp, N, idx, val);
  // The neuron-fourier sums while post is here: diagonal sums, mean, then Σ (post − mean)².
  f.fill(0, at(sums), at(squares) + Mp);
  const part = p * Mp * 8;
  k.sums(post, Mp * 8, p, Mp, sums, sums + part, sums + 2 * part, sums + 3 * part);
  const meanView = f.subarray(at(mean), at(mean) + Mp);
  for (let a = 0; a < p; ++a) for (let n = 0; n < Mp; ++n) meanView[n] += f[at(sums) + a * Mp + n];
  for (let n = 0; n < Mp; ++n) meanView[n] /= N;
  k.squares(post, Mp * 8, N, Mp, mean, squares);
  const compact = (offset: number, rowsOf: number): Float64Array => {
    const out = new Float64Array(rowsOf * M);
    for (let t = 0; t < rowsOf; ++t) out.set(f.subarray(at(offset) + t * Mp, at(offset) + t * Mp + M), t * M);
    return out;
  };
  const neuronSums: NeuronSums = {
    rows: compact(sums, p),
    cols: compact(sums + part, p),
    plus: compact(sums + 2 * part, p),
    minus: compact(sums + 3 * part, p),
    mean: compact(mean, 1),
    totalVariance: compact(squares, 1)
  };
  // Copy out, dropping the padding.
  const mlpPost = new Float64Array(N * M);
  const out = new Float64Array(N * C);
  if (Mp === M) mlpPost.set(f.subarray(at(post), at(post) + N * M));
  else for (let i = 0; i < N; ++i) mlpPost.set(f.subarray(at(post) + i * Mp, at(post) + i * Mp + M), i * M);
  for (let i = 0; i < N; ++i) out.set(f.subarray(at(logits) + i * Cp, at(logits) + i * Cp + C), i * C);
  return {p, nInputs: N, dMlp: M, nHeads: H, logits: out, mlpPost, attention: r.attention, neuronSums};
}
