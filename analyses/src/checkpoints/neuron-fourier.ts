/**
 * Per-neuron share of activation variance per frequency, in O(p²) per neuron instead of the O(p³) of
 * a full 2D Fourier transform.
 *
 * For a neuron's activation grid A[a, b] (row a, column b) and the orthonormal real basis of
 * `fourier.ts`, the share of frequency k is the energy of the 2D coefficients
 * {const, cos k, sin k} × {const, cos k, sin k} minus (const, const), divided by the total
 * variance Σ (A − mean)² (as in the dataset's `neuron_freq_norm.npz` and Nanda et al.'s "fraction
 * of variance explained"). Those eight coefficients need only four length-p sums of A:
 *   row sums R[a] = Σ_b A[a, b], column sums Q[b] = Σ_a A[a, b],
 *   diagonal sums S⁺[s] = Σ_{a+b≡s} A[a, b] and S⁻[d] = Σ_{a−b≡d} A[a, b]:
 *   (cos k, const)² + (sin k, const)² = (2/p²)·|Σ_a R[a] e^{2πika/p}|², likewise for Q;
 *   the 2×2 block {cos k, sin k}² has energy (2/p²)·(|Σ_s S⁺[s] e^{2πiks/p}|² + |Σ_d S⁻[d] e^{2πikd/p}|²)
 *   (product-to-sum: cos ka·cos kb = ½[cos k(a−b) + cos k(a+b)], etc.).
 * A constant offset only changes the (const, const) coefficient, so no centring is needed for the
 * numerators; the denominator is a two-pass Σ (A − mean)².
 */
import {gemm} from "./forward.js";
import {trigTables} from "./fourier.js";

export interface NeuronFourierFractions {
  p: number;
  dMlp: number;
  /** K = (p − 1)/2 frequencies, 1..K. */
  nFreqs: number;
  /** [d_mlp, K] row-major: column k−1 = share of the neuron's variance in frequency k; 0 for neurons with zero variance. */
  fractions: Float64Array;
  /** [d_mlp]: Σ over the p² inputs of (activation − mean)² (the denominator). */
  totalVariance: Float64Array;
  /** [d_mlp]: mean activation over the p² inputs. */
  mean: Float64Array;
}

/** The four diagonal sums and the centred sum of squares of every neuron's activation grid. */
export interface NeuronSums {
  /** [p, d_mlp] each: Σ_b A[a, b]; Σ_a A[a, b]; Σ_{a+b≡s} A; Σ_{a−b≡d} A. */
  rows: Float64Array;
  cols: Float64Array;
  plus: Float64Array;
  minus: Float64Array;
  /** [d_mlp]: mean over the p² inputs. */
  mean: Float64Array;
  /** [d_mlp]: Σ (A − mean)² (two-pass). */
  totalVariance: Float64Array;
}

/** The sums in plain JS from `post` [p², d_mlp] (row i = a·p + b). The wasm forward pass computes them itself. */
export function neuronSums(post: Float64Array, p: number, dMlp: number): NeuronSums {
  const M = dMlp;
  const N = p * p;
  if (post.length !== N * M) throw new RangeError(`neuronSums: ${post.length} activations, expected p²·d_mlp = ${N * M}`);
  const rows = new Float64Array(p * M); // [a][n]
  const cols = new Float64Array(p * M); // [b][n]
  const plus = new Float64Array(p * M); // [(a+b) mod p][n]
  const minus = new Float64Array(p * M); // [(a−b) mod p][n]
  for (let a = 0; a < p; ++a) {
    const ro = a * M;
    for (let b = 0; b < p; ++b) {
      const io = (a * p + b) * M;
      const co = b * M;
      let s = a + b;
      if (s >= p) s -= p;
      let d = a - b;
      if (d < 0) d += p;
      const so = s * M;
      const dO = d * M;
      for (let n = 0; n < M; ++n) {
        const v = post[io + n];
        if (v === 0) continue; // ReLU zeros contribute nothing
        rows[ro + n] += v;
        cols[co + n] += v;
        plus[so + n] += v;
        minus[dO + n] += v;
      }
    }
  }
  const mean = new Float64Array(M);
  for (let a = 0; a < p; ++a) for (let n = 0; n < M; ++n) mean[n] += rows[a * M + n];
  for (let n = 0; n < M; ++n) mean[n] /= N;
  const totalVariance = new Float64Array(M);
  for (let i = 0; i < N; ++i) {
    const io = i * M;
    for (let n = 0; n < M; ++n) {
      const e = post[io + n] - mean[n];
      totalVariance[n] += e * e;
    }
  }
  return {rows, cols, plus, minus, mean, totalVariance};
}

/** Fractions from precomputed sums (see the file comment). */
export function fractionsFromSums(sums: NeuronSums, p: number, dMlp: number): NeuronFourierFractions {
  const M = dMlp;
  // Σ_s X[s, n]·cos(2πks/p) and ·sin for the four sums: [K, M] each.
  const {cos, sin, nFreqs: K} = trigTables(p);
  const energy = new Float64Array(K * M);
  const tmp = new Float64Array(K * M);
  for (const X of [sums.rows, sums.cols, sums.plus, sums.minus]) {
    for (const table of [cos, sin]) {
      gemm(table, 0, X, 0, K, p, M, tmp);
      for (let j = 0; j < K * M; ++j) energy[j] += tmp[j] * tmp[j];
    }
  }
  const fractions = new Float64Array(M * K);
  const norm = 2 / (p * p);
  const {totalVariance} = sums;
  for (let n = 0; n < M; ++n) {
    const total = totalVariance[n];
    if (!(total > 0)) continue; // zero variance (dead or constant neuron): 0, as the dataset does
    for (let k = 0; k < K; ++k) fractions[n * K + k] = (norm * energy[k * M + n]) / total;
  }
  return {p, dMlp: M, nFreqs: K, fractions, totalVariance, mean: sums.mean};
}

/** `post` is [p², d_mlp] (row i = a·p + b), e.g. ForwardResult.mlpPost. */
export function neuronFourierFractions(post: Float64Array, p: number, dMlp: number, sums?: NeuronSums): NeuronFourierFractions {
  return fractionsFromSums(sums ?? neuronSums(post, p, dMlp), p, dMlp);
}
