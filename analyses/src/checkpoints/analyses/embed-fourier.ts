import {defineAnalysis} from "../define.js";
import {fourierBasis} from "../fourier.js";
import {dominantByGap} from "../key-frequencies.js";

export interface EmbedFourierOptions {
  /** At most this many key frequencies are picked (default 8). */
  maxKeyFrequencies?: number;
}

export interface EmbedFourierResult {
  p: number;
  nFreqs: number;
  /** [p]: ‖(basis·W_E[:p])_j‖ over d_model for basis rows j = [const, cos 1, sin 1, …] (the dataset's fourier_coefficients.npz). */
  componentNorms: Float64Array;
  /** Basis row names, "const", "cos 1", "sin 1", … */
  componentNames: string[];
  /** [K]: √(‖cos k‖² + ‖sin k‖²) for k = 1..K. */
  frequencyNorms: Float64Array;
  /** Frequencies 1..K sorted by frequencyNorms, largest first. */
  ranking: Int32Array;
  /** The top-m frequencies where m (≤ maxKeyFrequencies) maximises the gap norm[m]/norm[m+1]; ascending. */
  keyFrequencies: number[];
  /** That ratio: ≫ 1 means a clear set of key frequencies, ≈ 1 means none (e.g. at initialisation). */
  keyGapRatio: number;
}

/** Norms of the token embedding in the Fourier basis and its dominant (key) frequencies. */
export const embedFourier = defineAnalysis({
  name: "embed-fourier",
  description: "Fourier-basis norms of the token embedding W_E[:p] and its dominant (key) frequencies",
  returns: "componentNorms [p], frequencyNorms [K], ranking [K], keyFrequencies, keyGapRatio",
  needsSplit: false,
  run(context, options: EmbedFourierOptions = {}): EmbedFourierResult {
    const {p, dModel: D} = context.model.config;
    const {basis, names, nFreqs: K} = fourierBasis(p);
    const W_E = context.model.W_E;
    const componentNorms = new Float64Array(p);
    const row = new Float64Array(D);
    for (let j = 0; j < p; ++j) {
      row.fill(0);
      for (let x = 0; x < p; ++x) {
        const f = basis[j * p + x];
        const o = x * D;
        for (let d = 0; d < D; ++d) row[d] += f * W_E[o + d];
      }
      let s = 0;
      for (let d = 0; d < D; ++d) s += row[d] * row[d];
      componentNorms[j] = Math.sqrt(s);
    }
    const frequencyNorms = new Float64Array(K);
    for (let k = 1; k <= K; ++k) frequencyNorms[k - 1] = Math.hypot(componentNorms[2 * k - 1], componentNorms[2 * k]);
    const {ranking, keyFrequencies, gapRatio} = dominantByGap(frequencyNorms, options.maxKeyFrequencies ?? 8);
    return {p, nFreqs: K, componentNorms, componentNames: names.slice(), frequencyNorms, ranking, keyFrequencies, keyGapRatio: gapRatio};
  }
});
