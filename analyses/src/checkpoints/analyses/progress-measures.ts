import {defineAnalysis} from "../define.js";
import {trigTables} from "../fourier.js";
import {argmaxRow, crossEntropyRow, splitMeans} from "../losses.js";
import {ModelShapeError, sumSquaredWeights} from "../model.js";
import {neuronClusters, type NeuronClustersOptions} from "./neuron-clusters.js";

export interface ProgressMeasuresOptions {
  /**
   * Key frequencies for restricted/excluded loss. Nanda et al. use the FINAL model's key frequencies
   * for every checkpoint of a run: a pipeline should pass them. Default: this checkpoint's own
   * (neuron-clusters keyFrequencies).
   */
  keyFrequencies?: number[];
  /** Options for the default key frequencies. */
  clusters?: NeuronClustersOptions;
}

export interface ProgressMeasuresResult {
  keyFrequencies: number[];
  keyFrequencySource: "options" | "neuron-clusters";
  nTrain: number;
  nTest: number;
  /** Plain cross-entropy (mean over the split) and accuracy of the model's logits. */
  trainLoss: number;
  testLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Over all p² inputs. */
  loss: number;
  accuracy: number;
  /**
   * Restricted loss (Nanda et al. 2023, §5.1; their notebook's `trig_loss`): the logits keep, per
   * output class, only their components along cos(w_k(a+b)) and sin(w_k(a+b)) for the key
   * frequencies, plus the per-class mean over inputs (bias correction); cross-entropy over ALL inputs.
   */
  restrictedLoss: number;
  restrictedLossTrain: number;
  restrictedLossTest: number;
  restrictedAccuracy: number;
  /**
   * Excluded loss (§5.1; notebook `excluded_loss_2D_full`): the logits minus those key-frequency
   * components (no bias correction); cross-entropy over the TRAINING inputs.
   */
  excludedLoss: number;
  excludedLossTest: number;
  excludedAccuracy: number;
  excludedAccuracyTest: number;
  /** Σ of squared parameters (the paper's weight-norm progress measure). */
  sumSquaredWeights: number;
}

/** Train/test loss and accuracy, restricted and excluded loss (Nanda et al. 2023), weight norm. */
export const progressMeasures = defineAnalysis({
  name: "progress-measures",
  description: "Train/test loss and accuracy, restricted and excluded loss for the key frequencies (Nanda et al. 2023), sum of squared weights",
  returns: "scalars: trainLoss, testLoss, trainAccuracy, testAccuracy, loss, accuracy, restrictedLoss(+Train/Test/Accuracy), excludedLoss(+Test/Accuracy/AccuracyTest), sumSquaredWeights; keyFrequencies",
  needsSplit: true,
  run(context, options: ProgressMeasuresOptions = {}): ProgressMeasuresResult {
    const {p} = context.model.config;
    const C = context.model.config.dVocabOut;
    const {isTrain, nTrain, nTest} = context.split;
    const K = (p - 1) >> 1;
    let keyFrequencies: number[];
    let keyFrequencySource: ProgressMeasuresResult["keyFrequencySource"];
    if (options.keyFrequencies !== undefined) {
      keyFrequencies = [...new Set(options.keyFrequencies)].sort((x, y) => x - y);
      keyFrequencySource = "options";
      for (const k of keyFrequencies) if (!Number.isInteger(k) || k < 1 || k > K) throw new ModelShapeError(context.model.source, null, `key frequency ${k} is outside 1..${K}`);
    } else {
      keyFrequencies = neuronClusters.run(context, options.clusters ?? {}).keyFrequencies;
      keyFrequencySource = "neuron-clusters";
    }
    const L = context.forward.logits;
    const N = p * p;

    // Plain loss / accuracy, and the sums of logits along a + b ≡ s (per class).
    const plain = new Float64Array(N);
    const plainHit = new Uint8Array(N);
    const diag = new Float64Array(p * C);
    const mean = new Float64Array(C);
    for (let a = 0; a < p; ++a) {
      for (let b = 0; b < p; ++b) {
        const i = a * p + b;
        const s = (a + b) % p;
        const o = i * C;
        plain[i] = crossEntropyRow(L, o, C, s);
        plainHit[i] = argmaxRow(L, o, C) === s ? 1 : 0;
        const d = s * C;
        for (let c = 0; c < C; ++c) diag[d + c] += L[o + c];
      }
    }
    for (let s = 0; s < p; ++s) for (let c = 0; c < C; ++c) mean[c] += diag[s * C + c];
    for (let c = 0; c < C; ++c) mean[c] /= N;

    // comp[s][c]: the logits' component along the unit vectors (√2/p)·cos(w_k(a+b)), (√2/p)·sin(w_k(a+b)).
    const {cos, sin} = trigTables(p);
    const comp = new Float64Array(p * C);
    const scale = 2 / (p * p);
    for (const k of keyFrequencies) {
      const t = (k - 1) * p;
      for (let c = 0; c < C; ++c) {
        let A = 0;
        let B = 0;
        for (let s = 0; s < p; ++s) {
          A += diag[s * C + c] * cos[t + s];
          B += diag[s * C + c] * sin[t + s];
        }
        for (let s = 0; s < p; ++s) comp[s * C + c] += scale * (A * cos[t + s] + B * sin[t + s]);
      }
    }
    // Restricted logits depend on s = a + b only: table [s][c] = comp + mean(logits) − mean(comp).
    const compMean = new Float64Array(C);
    for (let s = 0; s < p; ++s) for (let c = 0; c < C; ++c) compMean[c] += comp[s * C + c] / p;
    const restrictedTable = new Float64Array(p * C);
    for (let s = 0; s < p; ++s) for (let c = 0; c < C; ++c) restrictedTable[s * C + c] = comp[s * C + c] + mean[c] - compMean[c];
    const restrictedBySum = new Float64Array(p);
    const restrictedHitBySum = new Uint8Array(p);
    for (let s = 0; s < p; ++s) {
      restrictedBySum[s] = crossEntropyRow(restrictedTable, s * C, C, s);
      restrictedHitBySum[s] = argmaxRow(restrictedTable, s * C, C) === s ? 1 : 0;
    }
    const restricted = new Float64Array(N);
    const restrictedHit = new Uint8Array(N);
    const excluded = new Float64Array(N);
    const excludedHit = new Uint8Array(N);
    const row = new Float64Array(C);
    for (let a = 0; a < p; ++a) {
      for (let b = 0; b < p; ++b) {
        const i = a * p + b;
        const s = (a + b) % p;
        restricted[i] = restrictedBySum[s];
        restrictedHit[i] = restrictedHitBySum[s];
        const o = i * C;
        for (let c = 0; c < C; ++c) row[c] = L[o + c] - comp[s * C + c];
        excluded[i] = crossEntropyRow(row, 0, C, s);
        excludedHit[i] = argmaxRow(row, 0, C) === s ? 1 : 0;
      }
    }
    const base = splitMeans(plain, plainHit, isTrain);
    const r = splitMeans(restricted, restrictedHit, isTrain);
    const e = splitMeans(excluded, excludedHit, isTrain);
    return {
      keyFrequencies,
      keyFrequencySource,
      nTrain,
      nTest,
      trainLoss: base.train.loss,
      testLoss: base.test.loss,
      trainAccuracy: base.train.accuracy,
      testAccuracy: base.test.accuracy,
      loss: base.all.loss,
      accuracy: base.all.accuracy,
      restrictedLoss: r.all.loss,
      restrictedLossTrain: r.train.loss,
      restrictedLossTest: r.test.loss,
      restrictedAccuracy: r.all.accuracy,
      excludedLoss: e.train.loss,
      excludedLossTest: e.test.loss,
      excludedAccuracy: e.train.accuracy,
      excludedAccuracyTest: e.test.accuracy,
      sumSquaredWeights: sumSquaredWeights(context.model).total
    };
  }
});
