import {defineAnalysis} from "../define.js";

export interface NeuronFrequenciesResult {
  p: number;
  dMlp: number;
  nFreqs: number;
  /** [d_mlp, K] row-major: share of neuron n's activation variance in frequency k (column k−1); the dataset's neuron_freq_norm.npz. */
  fractions: Float64Array;
  /** [d_mlp]: Σ over inputs of (activation − mean)²; 0 = dead/constant neuron (its fractions are 0). */
  totalVariance: Float64Array;
}

/** Per-neuron fraction of activation variance explained by each frequency. */
export const neuronFrequencies = defineAnalysis({
  name: "neuron-frequencies",
  description: "Per-neuron fraction of activation variance in each frequency's 2D Fourier components {1,cos k,sin k}² minus const",
  returns: "fractions [d_mlp, K], totalVariance [d_mlp]",
  needsSplit: false,
  run(context, _options: Record<string, never> = {}): NeuronFrequenciesResult {
    const f = context.neuronFourier;
    return {p: f.p, dMlp: f.dMlp, nFreqs: f.nFreqs, fractions: f.fractions, totalVariance: f.totalVariance};
  }
});
