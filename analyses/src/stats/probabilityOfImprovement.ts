import {anyNaN} from "./_moments.js";
import {pairCounts} from "./_pairCounts.js";

/**
 * Probability of improvement of X over Y as defined in rliable (Agarwal et al. 2021,
 * `metrics.probability_of_improvement` for one task): P(X > Y) + 0.5 P(X = Y) over all pairs, which
 * equals the Mann-Whitney U statistic of x divided by n·m (scipy.stats.mannwhitneyu(x, y).statistic
 * / (len(x) * len(y))). rliable averages this over tasks; call it per task and average for that.
 *
 * NaN when either sample is empty or contains NaN. Infinite values compare normally.
 */
export function probabilityOfImprovement(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0 || anyNaN(x) || anyNaN(y)) return NaN;
  const {greater, equal} = pairCounts(x, y);
  return (greater + 0.5 * equal) / (n * m);
}
