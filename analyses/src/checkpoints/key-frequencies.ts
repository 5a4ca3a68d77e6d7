/**
 * Key frequencies from a per-frequency score (index k−1 = frequency k): sort descending and cut
 * where the ratio between consecutive scores is largest, among the top `maxKey`.
 */
export function dominantByGap(scores: ArrayLike<number>, maxKey: number): {ranking: Int32Array; keyFrequencies: number[]; gapRatio: number} {
  const K = scores.length;
  const ranking = Int32Array.from({length: K}, (_, i) => i + 1).sort((x, y) => scores[y - 1] - scores[x - 1] || x - y);
  let best = 1;
  let gapRatio = 0;
  for (let m = 1; m <= Math.min(maxKey, K - 1); ++m) {
    const hi = scores[ranking[m - 1] - 1];
    const lo = scores[ranking[m] - 1];
    const ratio = lo > 0 ? hi / lo : hi > 0 ? Infinity : 1;
    if (ratio > gapRatio) {
      gapRatio = ratio;
      best = m;
    }
  }
  const keyFrequencies = Array.from(ranking.subarray(0, best)).sort((x, y) => x - y);
  return {ranking, keyFrequencies, gapRatio};
}
