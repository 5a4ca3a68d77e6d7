import {defineAnalysis} from "../define.js";
import {ModelShapeError} from "../model.js";

export interface NeuronActivationsOptions {
  /** Neuron indices, or "all" (default: neurons 0..7). */
  neurons?: ArrayLike<number> | "all";
}

export interface NeuronActivationsResult {
  p: number;
  /** The neurons, in the order of `values`. */
  neurons: Int32Array;
  /** [neurons.length, p, p] float32: post-ReLU activation at the last position, [neuron][a][b]. */
  values: Float32Array;
}

/** Post-ReLU MLP activations over the (a, b) grid for chosen neurons. */
export const neuronActivations = defineAnalysis({
  name: "neuron-activations",
  description: "Post-ReLU MLP activations at the last position over the (a, b) grid for chosen neurons",
  returns: "neurons [k], values [k, p, p] float32 ([neuron][a][b])",
  needsSplit: false,
  run(context, options: NeuronActivationsOptions = {}): NeuronActivationsResult {
    const {p, dMlp: M} = context.model.config;
    const wanted = options.neurons ?? Array.from({length: Math.min(8, M)}, (_, i) => i);
    const neurons = wanted === "all" ? Int32Array.from({length: M}, (_, i) => i) : Int32Array.from(wanted);
    for (const n of neurons) if (!(n >= 0 && n < M)) throw new ModelShapeError(context.model.source, null, `neuron ${n} is outside [0, ${M})`);
    const post = context.forward.mlpPost;
    const N = p * p;
    const values = new Float32Array(neurons.length * N);
    for (let i = 0; i < N; ++i) {
      const io = i * M;
      for (let j = 0; j < neurons.length; ++j) values[j * N + i] = post[io + neurons[j]];
    }
    return {p, neurons, values};
  }
});
