import {describe, expect, it} from "vitest";
import {cliffsDelta, iqm, probabilityOfImprovement, ranks, trimMean} from "../../analyses/src/stats/index.js";
import {expectClose} from "./close.js";

// Data sets shared with test/stats/reference.py (literals there and here).
const A_X = [1.2, 3.4, 2.2, 5.1, 4.4, 3.3, 2.9, 6.0];
const A_Y = [0.5, 1.1, 2.0, 1.9, 0.7, 2.5];
const B_X = [1, 2, 2, 3, 3, 3, 4, 5];
const B_Y = [2, 3, 3, 4, 4, 5, 6, 6, 7];
const C_X = [10.31, 9.87, 11.42, 10.05, 12.11, 9.45, 10.88, 11.03, 10.67, 9.92, 11.58, 10.24];
const C_Y = [9.12, 10.44, 8.97, 9.63, 10.01, 9.28, 8.54, 9.86, 10.73, 9.41, 9.05, 9.77, 8.81, 10.19, 9.58];
const D_X = [0.8, 1.9, 2.7];
const D_Y = [3.1, 4.0, 5.2, 6.3];

describe("ranks", () => {
  it("gives mid-ranks and the tie term like scipy", () => {
    // st.rankdata(B_X + B_Y + [-1e308, 1e308]); tie term: np.unique(..., return_counts=True) -> sum(t^3 - t)
    // (±1e308 stand in for ±Infinity: scipy 1.10's rankdata returns all-NaN on infinite input)
    const {ranks: r, tieTerm} = ranks([...B_X, ...B_Y, -Infinity, Infinity]);
    expect(Array.from(r)).toEqual([2.0, 4.0, 4.0, 8.0, 8.0, 8.0, 12.0, 14.5, 4.0, 8.0, 8.0, 12.0, 12.0, 14.5, 16.5, 16.5, 18.0, 1.0, 19.0]);
    expect(tieTerm).toBe(180);
  });
  it("leaves NaN unranked and handles empty input", () => {
    const {ranks: r, tieTerm} = ranks([3, NaN, 1]);
    expect(Array.from(r)).toEqual([2, NaN, 1]);
    expect(tieTerm).toBe(0);
    expect(ranks([]).ranks.length).toBe(0);
  });
});

describe("iqm / trimMean", () => {
  // st.trim_mean(x, 0.25) for x = [(7 * i) % 11 for i in 1..n]
  const IQM: [number, number][] = [
    [1, 7.0], [2, 5.0], [3, 6.666666666666667], [4, 6.5], [5, 5.333333333333333], [6, 6.25], [7, 6.0], [8, 5.25], [9, 5.8]
  ];
  it.each(IQM)("n = %d matches scipy.stats.trim_mean(x, 0.25)", (n, expected) => {
    const x = Array.from({length: n}, (_, i) => (7 * (i + 1)) % 11);
    expectClose(iqm(x), expected, 1e-15);
  });

  const T = [5, 1, 9, 9, 9, 2, 3, 100, -50, 4, 9];
  it("handles ties and outliers: st.trim_mean(T, 0.25) and other proportions", () => {
    expectClose(iqm(T), 5.857142857142857, 1e-15); // st.trim_mean(T, 0.25)
    expectClose(trimMean(T, 0), 9.181818181818182, 1e-15); // st.trim_mean(T, 0.0)
    expectClose(trimMean(T, 0.1), 5.666666666666667, 1e-15); // st.trim_mean(T, 0.1)
    expectClose(trimMean(T, 0.2), 5.857142857142857, 1e-15); // st.trim_mean(T, 0.2)
    expectClose(trimMean(T, 0.3), 6.0, 1e-15); // st.trim_mean(T, 0.3)
    expectClose(trimMean(T, 0.45), 6.0, 1e-15); // st.trim_mean(T, 0.45)
    expectClose(trimMean([1, 2, 3, 4, 5], 0.5), 3.0, 1e-15); // st.trim_mean([1,2,3,4,5], 0.5)
  });

  it("trims infinities like scipy", () => {
    // st.trim_mean([1, inf, 2, 3, -inf, 4, 5, 6], 0.25) = 3.5
    expect(iqm([1, Infinity, 2, 3, -Infinity, 4, 5, 6])).toBe(3.5);
    expect(iqm([1, Infinity, 2])).toBe(Infinity); // nothing trimmed for n < 4
    expect(iqm([-Infinity, Infinity])).toBeNaN();
  });

  it("is total: empty, NaN, all-equal, invalid proportion; does not mutate input", () => {
    expect(iqm([])).toBeNaN();
    expect(iqm([1, 2, NaN, 4])).toBeNaN();
    expect(iqm([2.5, 2.5, 2.5, 2.5, 2.5])).toBe(2.5);
    expect(trimMean([1, 2, 3, 4], 0.5)).toBeNaN(); // trims everything
    expect(trimMean([1, 2, 3], -0.1)).toBeNaN();
    expect(trimMean([1, 2, 3], 0.6)).toBeNaN();
    const x = [3, 1, 2];
    iqm(x);
    expect(x).toEqual([3, 1, 2]);
  });
});

describe("probabilityOfImprovement / cliffsDelta", () => {
  // poi: st.mannwhitneyu(x, y).statistic / (len(x) * len(y)) (rliable's definition for one task)
  // cliff: np.sign(np.subtract.outer(x, y)).mean()
  const CASES: [string, number[], number[], number, number, number][] = [
    ["A", A_X, A_Y, 0.9166666666666666, 0.08333333333333333, 0.8333333333333334],
    ["B (ties)", B_X, B_Y, 0.22916666666666666, 0.7708333333333334, -0.5416666666666666],
    ["C", C_X, C_Y, 0.8666666666666667, 0.13333333333333333, 0.7333333333333333],
    ["D (separated)", D_X, D_Y, 0.0, 1.0, -1.0]
  ];
  it.each(CASES)("%s matches scipy / numpy", (_, x, y, poi, poiReversed, cliff) => {
    expectClose(probabilityOfImprovement(x, y), poi, 1e-15);
    expectClose(probabilityOfImprovement(y, x), poiReversed, 1e-15);
    expectClose(cliffsDelta(x, y), cliff, 1e-15);
    expectClose(cliffsDelta(y, x), -cliff, 1e-15);
  });

  it("is 0.5 / 0 for identical or all-equal samples, and total on edge cases", () => {
    expect(probabilityOfImprovement([1, 2, 3], [1, 2, 3])).toBe(0.5);
    expect(probabilityOfImprovement([4, 4], [4, 4, 4])).toBe(0.5);
    expect(cliffsDelta([4, 4], [4, 4, 4])).toBe(0);
    expect(probabilityOfImprovement([2], [1])).toBe(1);
    expect(cliffsDelta([1], [2])).toBe(-1);
    expect(probabilityOfImprovement([], [1])).toBeNaN();
    expect(cliffsDelta([1], [])).toBeNaN();
    expect(probabilityOfImprovement([1, NaN], [1])).toBeNaN();
    expect(cliffsDelta([1], [NaN])).toBeNaN();
    expect(probabilityOfImprovement([Infinity], [1e308, -Infinity])).toBe(1);
  });
});
