import {anyNaN} from "./_moments.js";
import {pairCounts} from "./_pairCounts.js";

/**
 * Cliff's delta (Cliff 1993): δ = P(X > Y) − P(X < Y) = (#{x_i > y_j} − #{x_i < y_j}) / (n·m), in
 * [−1, 1]; positive when x tends to be larger. Equals 2·probabilityOfImprovement(x, y) − 1.
 *
 * NaN when either sample is empty or contains NaN. Infinite values compare normally.
 */
export function cliffsDelta(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0 || anyNaN(x) || anyNaN(y)) return NaN;
  const {greater, equal} = pairCounts(x, y);
  const less = n * m - greater - equal;
  return (greater - less) / (n * m);
}
