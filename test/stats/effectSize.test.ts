import {describe, expect, it} from "vitest";
import {hedgesG, hedgesJ} from "../../analyses/src/stats/index.js";
import {expectClose} from "./close.js";

const A_X = [1.2, 3.4, 2.2, 5.1, 4.4, 3.3, 2.9, 6.0];
const A_Y = [0.5, 1.1, 2.0, 1.9, 0.7, 2.5];
const B_X = [1, 2, 2, 3, 3, 3, 4, 5];
const B_Y = [2, 3, 3, 4, 4, 5, 6, 6, 7];
const C_X = [10.31, 9.87, 11.42, 10.05, 12.11, 9.45, 10.88, 11.03, 10.67, 9.92, 11.58, 10.24];
const C_Y = [9.12, 10.44, 8.97, 9.63, 10.01, 9.28, 8.54, 9.86, 10.73, 9.41, 9.05, 9.77, 8.81, 10.19, 9.58];
const D_X = [0.8, 1.9, 2.7];
const D_Y = [3.1, 4.0, 5.2, 6.3];

describe("hedgesJ", () => {
  // df <= 300: sp.gamma(df/2) / (np.sqrt(df/2) * sp.gamma((df-1)/2));
  // df > 300:  np.exp(sp.gammaln(df/2) - sp.gammaln((df-1)/2)) / np.sqrt(df/2)   (scipy.special)
  const J: [number, number][] = [
    [2, 0.5641895835477563], [3, 0.7236012545582676], [4, 0.7978845608028653], [5, 0.8407486824596893],
    [10, 0.9227456080530869], [20, 0.9619445337407487], [50, 0.9849119422955723], [100, 0.9924780549814445],
    [300, 0.9974975668438586], [1000, 0.9992497811794344], [10000, 0.9999249978139646]
  ];
  it.each(J)("exact J(%d) matches the gamma-function formula", (df, expected) => {
    expectClose(hedgesJ(df, "exact"), expected, df >= 1000 ? 1e-11 : 1e-13);
  });
  it("approximate J is 1 − 3/(4 df − 1) and is close to the exact J", () => {
    expect(hedgesJ(12, "approximate")).toBe(1 - 3 / 47);
    for (const df of [5, 10, 50]) expect(Math.abs(hedgesJ(df, "approximate") - hedgesJ(df, "exact"))).toBeLessThan(0.003);
    expect(hedgesJ(12, "none")).toBe(1);
  });
  it("is NaN for df < 2", () => {
    expect(hedgesJ(1)).toBeNaN();
    expect(hedgesJ(0, "approximate")).toBeNaN();
    expect(hedgesJ(NaN)).toBeNaN();
  });
});

describe("hedgesG", () => {
  // numpy: df = n1 + n2 - 2; sp_ = np.sqrt(((n1-1)*np.var(x, ddof=1) + (n2-1)*np.var(y, ddof=1)) / df)
  // d = (np.mean(x) - np.mean(y)) / sp_; g exact = d * J (J as above); g approx = d * (1 - 3/(4*(n1+n2) - 9))
  const CASES: [string, number[], number[], number, number, number][] = [
    ["A", A_X, A_Y, 1.6292736108203774, 1.5249053133246386, 1.5252774228956725],
    ["B", B_X, B_Y, -1.0565639868866383, -1.0026872398571627, -1.0028403943330804],
    ["C", C_X, C_Y, 1.5170790624054127, 1.4710290067901657, 1.4711069696052488],
    ["D", D_X, D_Y, -2.3010824503449525, -1.9346320383586322, -1.9377536423957493]
  ];
  it.each(CASES)("data %s: d, exact g and approximate g match numpy", (_, x, y, d, g, gApprox) => {
    const r = hedgesG(x, y);
    expect(r.correction).toBe("exact");
    expectClose(r.d, d, 1e-13);
    expectClose(r.g, g, 1e-13);
    expect(r.df).toBe(x.length + y.length - 2);
    const a = hedgesG(x, y, {correction: "approximate"});
    expectClose(a.g, gApprox, 1e-13);
    expectClose(hedgesG(x, y, {correction: "none"}).g, d, 1e-13);
    expectClose(hedgesG(y, x).g, -g, 1e-13);
  });

  it("handles n = 1 in one sample (its variance contributes 0 with weight n − 1 = 0)", () => {
    // s_p² = (3 − 1)·var([1,2,3]) / (1 + 3 − 2) = 1; d = (5 − 2)/1; J(2)
    const r = hedgesG([5], [1, 2, 3]);
    expectClose(r.d, 3, 1e-15);
    expectClose(r.g, 3 * 0.5641895835477563, 1e-13);
  });

  it("is total: empty, non-finite, too few observations, zero pooled variance", () => {
    expect(hedgesG([], [1, 2, 3])).toMatchObject({g: NaN, reason: "empty sample"});
    expect(hedgesG([1, NaN], [1, 2, 3])).toMatchObject({g: NaN, reason: "non-finite input"});
    expect(hedgesG([1, Infinity], [1, 2, 3]).reason).toBe("non-finite input");
    const small = hedgesG([1, 2], [3]);
    expect(small.g).toBeNaN();
    expect(small.reason).toMatch(/n1 \+ n2 < 4/);
    const flat = hedgesG([2, 2, 2], [1, 1]);
    expect(flat.g).toBe(Infinity);
    expect(flat.reason).toBe("zero pooled variance");
    expect(hedgesG([2, 2, 2], [2, 2]).g).toBeNaN();
  });
});
