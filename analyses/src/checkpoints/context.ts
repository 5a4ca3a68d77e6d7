/**
 * One checkpoint under analysis: the model, the dataset's train/test split, and lazily computed
 * intermediate results shared by all analyses that run on it (the forward pass over the p² inputs is
 * done at most once, however many analyses need it).
 */
import {forward, type ForwardResult} from "./forward.js";
import {neuronFourierFractions, type NeuronFourierFractions} from "./neuron-fourier.js";
import {ModelShapeError, type TransformerModel} from "./model.js";

export interface CheckpointContextOptions {
  /**
   * Training pairs as pair indices i = a·p + b (config.json `data_split.train_indices`). Every other
   * pair is a test pair. Needed by the loss/accuracy analyses only.
   */
  trainIndices?: ArrayLike<number>;
  /** Forward-pass engine (default "auto": wasm SIMD where available). */
  engine?: "auto" | "wasm" | "js";
}

export interface Split {
  /** [p²]: 1 for training pairs, 0 for test pairs. */
  isTrain: Uint8Array;
  nTrain: number;
  nTest: number;
}

export class CheckpointContext {
  readonly p: number;
  private forwardResult?: ForwardResult;
  private fractions?: NeuronFourierFractions;
  private splitResult?: Split;
  /** Free-form memo for analyses that share other intermediate results. */
  readonly memo = new Map<string, unknown>();

  constructor(
    readonly model: TransformerModel,
    readonly options: CheckpointContextOptions = {}
  ) {
    this.p = model.config.p;
  }

  /** The forward pass on all p² inputs (computed on first use). */
  get forward(): ForwardResult {
    return (this.forwardResult ??= forward(this.model, {engine: this.options.engine}));
  }

  /** Per-neuron share of activation variance per frequency (computed on first use). */
  get neuronFourier(): NeuronFourierFractions {
    return (this.fractions ??= neuronFourierFractions(this.forward.mlpPost, this.p, this.model.config.dMlp, this.forward.neuronSums));
  }

  /** The train/test split; throws if the context was made without `trainIndices`. */
  get split(): Split {
    if (this.splitResult !== undefined) return this.splitResult;
    const train = this.options.trainIndices;
    if (train === undefined) throw new ModelShapeError(this.model.source, null, "this analysis needs the train/test split: pass trainIndices (config.json data_split.train_indices)");
    const n = this.p * this.p;
    const isTrain = new Uint8Array(n);
    for (let j = 0; j < train.length; ++j) {
      const i = train[j];
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new ModelShapeError(this.model.source, null, `train index ${i} is outside [0, ${n}) (p = ${this.p})`);
      if (isTrain[i]) throw new ModelShapeError(this.model.source, null, `train index ${i} appears twice`);
      isTrain[i] = 1;
    }
    return (this.splitResult = {isTrain, nTrain: train.length, nTest: n - train.length});
  }
}

export function createCheckpointContext(model: TransformerModel, options: CheckpointContextOptions = {}): CheckpointContext {
  return new CheckpointContext(model, options);
}
