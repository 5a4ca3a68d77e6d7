/**
 * Cross-entropy and accuracy of logits [n, C] against labels, in float64 (the dataset's loss is
 * "cross-entropy on float32 logits cast to float64"). Accuracy uses argmax with the first maximum
 * winning ties, as torch.argmax.
 */

/** −log softmax(row)[label] for row = logits[offset .. offset+C). */
export function crossEntropyRow(logits: ArrayLike<number>, offset: number, C: number, label: number): number {
  let m = -Infinity;
  for (let c = 0; c < C; ++c) if (logits[offset + c] > m) m = logits[offset + c];
  let s = 0;
  for (let c = 0; c < C; ++c) s += Math.exp(logits[offset + c] - m);
  return m + Math.log(s) - logits[offset + label];
}

export function argmaxRow(logits: ArrayLike<number>, offset: number, C: number): number {
  let best = 0;
  let m = logits[offset];
  for (let c = 1; c < C; ++c) {
    if (logits[offset + c] > m) {
      m = logits[offset + c];
      best = c;
    }
  }
  return best;
}

/** Mean loss and accuracy over train, test and all inputs, from per-input loss and correctness. */
export function splitMeans(loss: Float64Array, correct: Uint8Array, isTrain: Uint8Array | null): {train: {loss: number; accuracy: number}; test: {loss: number; accuracy: number}; all: {loss: number; accuracy: number}} {
  const sum = [0, 0, 0]; // train, test, all
  const hits = [0, 0, 0];
  const count = [0, 0, 0];
  for (let i = 0; i < loss.length; ++i) {
    const g = isTrain === null ? 1 : isTrain[i] ? 0 : 1;
    sum[g] += loss[i];
    hits[g] += correct[i];
    count[g]++;
    sum[2] += loss[i];
    hits[2] += correct[i];
    count[2]++;
  }
  const at = (g: number) => ({loss: count[g] ? sum[g] / count[g] : NaN, accuracy: count[g] ? hits[g] / count[g] : NaN});
  return {train: at(0), test: at(1), all: at(2)};
}
