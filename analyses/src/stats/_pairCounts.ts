/**
 * Over all n·m pairs (x_i, y_j): how many have x_i > y_j and how many have x_i = y_j. Exact integer
 * counts in O((n + m) log m). Assumes no NaN (callers check). Internal helper.
 */
export function pairCounts(x: ArrayLike<number>, y: ArrayLike<number>): {greater: number; equal: number} {
  const ys = Float64Array.from(y).sort();
  const m = ys.length;
  let greater = 0;
  let equal = 0;
  for (let i = 0; i < x.length; ++i) {
    const v = x[i];
    // lo = #{y < v}, hi = #{y <= v}
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ys[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    let lo2 = lo;
    hi = m;
    while (lo2 < hi) {
      const mid = (lo2 + hi) >>> 1;
      if (ys[mid] <= v) lo2 = mid + 1;
      else hi = mid;
    }
    greater += lo;
    equal += lo2 - lo;
  }
  return {greater, equal};
}
