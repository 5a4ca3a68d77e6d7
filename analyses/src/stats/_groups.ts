/**
 * Positions of a sample grouped by stratum key (first-appearance order); one group of all positions
 * when `strata` is undefined. Throws RangeError when `strata` has the wrong length. Internal helper.
 */
export function groupPositions(n: number, strata?: ArrayLike<unknown>): Int32Array[] {
  if (strata === undefined) return [Int32Array.from({length: n}, (_, i) => i)];
  if (strata.length !== n) throw new RangeError(`strata has length ${strata.length}, sample has ${n}`);
  const byKey = new Map<unknown, number[]>();
  for (let i = 0; i < n; ++i) {
    const key = strata[i];
    let list = byKey.get(key);
    if (list === undefined) byKey.set(key, (list = []));
    list.push(i);
  }
  return Array.from(byKey.values(), (list) => Int32Array.from(list));
}
