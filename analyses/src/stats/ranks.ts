/**
 * Mid-ranks (1-based; ties get the average of the ranks they span), as scipy.stats.rankdata(x,
 * method="average"). Returns the ranks in input order and the tie term sum(t^3 - t) over tie groups
 * of size t (used for tie corrections). Values are compared with `<`; NaN values are not ranked
 * (their rank is NaN) and do not count in the tie term. -Infinity/Infinity rank normally.
 */
export function ranks(values: ArrayLike<number>): {ranks: Float64Array; tieTerm: number} {
  const n = values.length;
  const out = new Float64Array(n).fill(NaN);
  const index: number[] = [];
  for (let i = 0; i < n; ++i) if (!Number.isNaN(values[i])) index.push(i);
  index.sort((i, j) => values[i] - values[j] || (values[i] < values[j] ? -1 : values[i] > values[j] ? 1 : 0));
  let tieTerm = 0;
  for (let start = 0; start < index.length; ) {
    let end = start + 1;
    while (end < index.length && values[index[end]] === values[index[start]]) ++end;
    const rank = (start + 1 + end) / 2; // average of ranks start+1 .. end
    for (let k = start; k < end; ++k) out[index[k]] = rank;
    const t = end - start;
    tieTerm += t * t * t - t;
    start = end;
  }
  return {ranks: out, tieTerm};
}
