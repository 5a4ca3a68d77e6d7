import {defineAnalysis} from "../define.js";

export interface NeuronClustersOptions {
  /** A neuron joins its dominant frequency's cluster when that frequency explains at least this share of its variance (default 0.5); otherwise cluster 0, "no frequency". */
  threshold?: number;
  /** A frequency is a key frequency when its cluster has at least this many neurons (default max(2, 1% of d_mlp)). */
  minClusterSize?: number;
}

export interface NeuronClustersResult {
  dMlp: number;
  threshold: number;
  /** [d_mlp]: the frequency (1..K) explaining most of the neuron's variance (0 for zero-variance neurons). */
  dominantFrequency: Int32Array;
  /** [d_mlp]: that frequency's share of variance. */
  dominantFraction: Float64Array;
  /** [d_mlp]: cluster = dominantFrequency if dominantFraction ≥ threshold, else 0 ("no frequency"). */
  cluster: Int32Array;
  /** One entry per non-empty cluster, frequency 0 ("no frequency") first, then ascending. */
  clusters: {frequency: number; size: number; meanFraction: number}[];
  /** Frequencies whose cluster has ≥ minClusterSize neurons (ascending): the model's key frequencies. */
  keyFrequencies: number[];
  /** Share of all neurons' variance (Σ over neurons) explained by their own cluster frequency. */
  explainedShare: number;
}

/** Cluster neurons by the frequency that explains most of their variance. */
export const neuronClusters = defineAnalysis({
  name: "neuron-clusters",
  description: "Neurons grouped by dominant frequency, with a 'no frequency' cluster (0) below a threshold; key frequencies from cluster sizes",
  returns: "dominantFrequency [d_mlp], dominantFraction [d_mlp], cluster [d_mlp], clusters [{frequency, size, meanFraction}], keyFrequencies, explainedShare",
  needsSplit: false,
  run(context, options: NeuronClustersOptions = {}): NeuronClustersResult {
    const {fractions, totalVariance, dMlp: M, nFreqs: K} = context.neuronFourier;
    return clusterNeurons(fractions, totalVariance, M, K, options);
  }
});

/**
 * The clustering itself, from per-neuron variance fractions [d_mlp, K] (e.g. a `neuron_freq_norm.npz`
 * artifact): what `neuron-clusters` computes from a checkpoint. Without `totalVariance` (artifacts do
 * not store it) every neuron counts equally in `explainedShare`.
 */
export function clusterNeurons(fractions: ArrayLike<number>, totalVariance: ArrayLike<number> | null, dMlp: number, nFreqs: number, options: NeuronClustersOptions = {}): NeuronClustersResult {
  const M = dMlp;
  const K = nFreqs;
  if (fractions.length !== M * K) throw new RangeError(`clusterNeurons: ${fractions.length} fractions, expected d_mlp·K = ${M * K}`);
  const threshold = options.threshold ?? 0.5;
  const minClusterSize = options.minClusterSize ?? Math.max(2, Math.ceil(0.01 * M));
  const dominantFrequency = new Int32Array(M);
  const dominantFraction = new Float64Array(M);
  const cluster = new Int32Array(M);
  const size = new Float64Array(K + 1);
  const fracSum = new Float64Array(K + 1);
  let explained = 0;
  let total = 0;
  for (let n = 0; n < M; ++n) {
    let best = 0;
    let bestFrac = 0;
    for (let k = 0; k < K; ++k) {
      const f = fractions[n * K + k];
      if (f > bestFrac) {
        bestFrac = f;
        best = k + 1;
      }
    }
    dominantFrequency[n] = best;
    dominantFraction[n] = bestFrac;
    const c = best > 0 && bestFrac >= threshold ? best : 0;
    cluster[n] = c;
    size[c]++;
    fracSum[c] += bestFrac;
    const weight = totalVariance === null ? 1 : totalVariance[n];
    if (c > 0) explained += bestFrac * weight;
    total += weight;
  }
  const clusters: NeuronClustersResult["clusters"] = [];
  const keyFrequencies: number[] = [];
  for (let c = 0; c <= K; ++c) {
    if (size[c] === 0) continue;
    clusters.push({frequency: c, size: size[c], meanFraction: fracSum[c] / size[c]});
    if (c > 0 && size[c] >= minClusterSize) keyFrequencies.push(c);
  }
  return {dMlp: M, threshold, dominantFrequency, dominantFraction, cluster, clusters, keyFrequencies, explainedShare: total > 0 ? explained / total : 0};
}
