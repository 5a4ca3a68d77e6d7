import {describe, expect, it} from "vitest";
import {wilsonInterval} from "../../analyses/src/stats/index.js";
import {expectClose} from "./close.js";

describe("wilsonInterval", () => {
  // [x, n, confidence, lower, upper]:
  // statsmodels.stats.proportion.proportion_confint(x, n, alpha=1 - confidence, method="wilson")
  const CASES: [number, number, number, number, number][] = [
    [0, 10, 0.95, 0.0, 0.27753279986288926],
    [10, 10, 0.95, 0.7224672001371106, 1.0],
    [3, 10, 0.95, 0.10779126740630104, 0.6032218525388546],
    [1, 1, 0.95, 0.2065493143772374, 1.0],
    [0, 1, 0.95, 0.0, 0.7934506856227627],
    [50, 100, 0.95, 0.4038315303659956, 0.5961684696340044],
    [7, 23, 0.9, 0.17424907814592938, 0.475631889511025],
    [7, 23, 0.99, 0.1260699917451013, 0.5702339933449003],
    [1, 1000, 0.95, 0.00017654637062607765, 0.005642558597957937],
    [2.5, 7, 0.95, 0.11808301126155246, 0.6974399701860725]
  ];
  it.each(CASES)("%d/%d at %d matches statsmodels proportion_confint(method='wilson')", (x, n, confidence, lower, upper) => {
    const r = wilsonInterval(x, n, confidence);
    expectClose(r.lower, lower, 1e-12, 1e-15);
    expectClose(r.upper, upper, 1e-12, 1e-15);
    expect(r.estimate).toBe(x / n);
    expect(r.reason).toBeUndefined();
  });

  it("defaults to 95% and keeps bounds inside [0, 1]", () => {
    const r = wilsonInterval(0, 10);
    expect(r.confidence).toBe(0.95);
    expect(r.lower).toBe(0);
    expect(wilsonInterval(10, 10).upper).toBe(1);
  });

  it("is total for n = 0 and invalid counts", () => {
    expect(wilsonInterval(0, 0)).toMatchObject({estimate: NaN, lower: 0, upper: 1, reason: "n = 0"});
    for (const [x, n] of [[5, 3], [-1, 3], [NaN, 3], [1, Infinity], [1, -2]]) {
      const r = wilsonInterval(x, n);
      expect(r.lower).toBeNaN();
      expect(r.upper).toBeNaN();
      expect(r.reason).toBe("invalid counts");
    }
  });

  it("rejects a confidence outside (0, 1)", () => {
    expect(() => wilsonInterval(1, 2, 1)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 0)).toThrow(RangeError);
  });
});
