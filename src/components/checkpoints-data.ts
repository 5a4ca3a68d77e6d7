// Pure data logic of the Checkpoints page (no DOM, no Plot): training events computed from the curves,
// the epoch cursor snapped to checkpoints, neuron clusters at a threshold from the neuron_freq rows.
// Everything here works on rows already loaded from the checkpoint tables: changing a control never
// recomputes a forward pass.

export interface CurveRow {
  epoch: number;
  train_loss: number | null;
  test_loss: number | null;
  train_acc: number | null;
  test_acc: number | null;
}

export interface TrainingEvents {
  /** First logged epoch with train accuracy 1 (memorised). */
  memorization: number | null;
  /** First logged epoch with test accuracy > 0.99 (grokked). */
  grok: number | null;
  /** First logged epoch with test accuracy ≥ 0.5. */
  halfTest: number | null;
  /** Last logged epoch before `grok` with test accuracy < 0.1: where the climb starts. */
  transitionStart: number | null;
  finalEpoch: number | null;
  finalTrainAcc: number | null;
  finalTestAcc: number | null;
  finalTestLoss: number | null;
  /** Largest test loss between memorisation and grokking (the overfitting peak), and its epoch. */
  peakTestLoss: number | null;
  peakTestLossEpoch: number | null;
}

/** Grokking milestones from the logged curves (rows in any order). */
export function trainingEvents(rows: readonly CurveRow[]): TrainingEvents {
  const sorted = rows.filter((r) => Number.isFinite(r.epoch)).sort((a, b) => a.epoch - b.epoch);
  const first = (test: (r: CurveRow) => boolean) => sorted.find(test)?.epoch ?? null;
  const memorization = first((r) => r.train_acc !== null && r.train_acc >= 1);
  const grok = first((r) => r.test_acc !== null && r.test_acc > 0.99);
  let transitionStart: number | null = null;
  if (grok !== null) for (const r of sorted) if (r.epoch < grok && r.test_acc !== null && r.test_acc < 0.1) transitionStart = r.epoch;
  const halfTest = first((r) => r.test_acc !== null && r.test_acc >= 0.5 && (transitionStart === null || r.epoch > transitionStart));
  let peakTestLoss: number | null = null;
  let peakTestLossEpoch: number | null = null;
  for (const r of sorted) {
    if (memorization === null || r.epoch < memorization || (grok !== null && r.epoch > grok) || r.test_loss === null) continue;
    if (peakTestLoss === null || r.test_loss > peakTestLoss) {
      peakTestLoss = r.test_loss;
      peakTestLossEpoch = r.epoch;
    }
  }
  const last = sorted.at(-1);
  return {
    memorization,
    grok,
    halfTest,
    transitionStart,
    finalEpoch: last?.epoch ?? null,
    finalTrainAcc: last?.train_acc ?? null,
    finalTestAcc: last?.test_acc ?? null,
    finalTestLoss: last?.test_loss ?? null,
    peakTestLoss,
    peakTestLossEpoch
  };
}

/** The epoch in `epochs` nearest to `value` (ties → the earlier one); null for an empty list. */
export function snapEpoch(epochs: readonly number[], value: number): number | null {
  let best: number | null = null;
  for (const e of epochs) if (best === null || Math.abs(e - value) < Math.abs(best - value) || (Math.abs(e - value) === Math.abs(best - value) && e < best)) best = e;
  return best;
}

export interface NeuronDominant {
  neuron: number;
  /** The frequency explaining most of the neuron's variance. */
  freq: number;
  frac: number;
}

export interface ClusterSummary {
  threshold: number;
  /** cluster per neuron: its dominant frequency when frac ≥ threshold, else 0 ("no frequency"). */
  byNeuron: {neuron: number; freq: number; frac: number; cluster: number}[];
  /** Sizes, frequency 0 first then ascending. */
  sizes: {cluster: number; size: number; meanFrac: number}[];
  /** Clusters with at least `minSize` neurons (ascending). */
  keyFrequencies: number[];
  /** Share of neurons in a key-frequency cluster. */
  keyShare: number;
}

/** Clusters at a threshold from per-neuron dominant frequencies (the neuron-clusters analysis on table rows). */
export function clustersAt(rows: readonly NeuronDominant[], threshold: number, minSize = Math.max(2, Math.ceil(0.01 * rows.length))): ClusterSummary {
  const byNeuron = rows.map((r) => ({...r, cluster: r.frac >= threshold && r.freq > 0 ? r.freq : 0})).sort((a, b) => a.neuron - b.neuron);
  const groups = new Map<number, {size: number; sum: number}>();
  for (const r of byNeuron) {
    const g = groups.get(r.cluster) ?? {size: 0, sum: 0};
    g.size++;
    g.sum += r.frac;
    groups.set(r.cluster, g);
  }
  const sizes = [...groups].map(([cluster, g]) => ({cluster, size: g.size, meanFrac: g.sum / g.size})).sort((a, b) => a.cluster - b.cluster);
  const keyFrequencies = sizes.filter((s) => s.cluster > 0 && s.size >= minSize).map((s) => s.cluster);
  const inKey = byNeuron.filter((r) => keyFrequencies.includes(r.cluster)).length;
  return {threshold, byNeuron, sizes, keyFrequencies, keyShare: byNeuron.length ? inKey / byNeuron.length : 0};
}

/** "12, 20, 23 and 28". */
export function listText(values: readonly (number | string)[]): string {
  if (values.length <= 1) return values.map(String).join("");
  return `${values.slice(0, -1).join(", ")} and ${values.at(-1)}`;
}

/** The first epoch (ascending) where `value(row)` satisfies `test`, or null. */
export function firstEpoch<T extends {epoch: number}>(rows: readonly T[], test: (row: T) => boolean): number | null {
  return rows.slice().sort((a, b) => a.epoch - b.epoch).find(test)?.epoch ?? null;
}
