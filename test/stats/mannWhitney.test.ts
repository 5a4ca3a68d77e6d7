import {describe, expect, it} from "vitest";
import {mannWhitneyU, type Alternative} from "../../analyses/src/stats/index.js";
import {expectClose} from "./close.js";

const A_X = [1.2, 3.4, 2.2, 5.1, 4.4, 3.3, 2.9, 6.0];
const A_Y = [0.5, 1.1, 2.0, 1.9, 0.7, 2.5];
const B_X = [1, 2, 2, 3, 3, 3, 4, 5];
const B_Y = [2, 3, 3, 4, 4, 5, 6, 6, 7];
const C_X = [10.31, 9.87, 11.42, 10.05, 12.11, 9.45, 10.88, 11.03, 10.67, 9.92, 11.58, 10.24];
const C_Y = [9.12, 10.44, 8.97, 9.63, 10.01, 9.28, 8.54, 9.86, 10.73, 9.41, 9.05, 9.77, 8.81, 10.19, 9.58];
const D_X = [0.8, 1.9, 2.7];
const D_Y = [3.1, 4.0, 5.2, 6.3];
const E_X = [3.37, 1.05, 2.83, 4.21, 2.96, 3.74, 1.68];
// E_Y = [round(v, 3) for v in np.random.default_rng(7).normal(2.2, 1.0, 30)]
const E_Y = [2.201, 2.499, 1.926, 1.309, 1.745, 1.208, 2.26, 3.54, 1.708, 1.58, 2.69, 2.557, 2.305, 1.27, 2.171, 2.895, 0.856, 1.742, 0.299, 0.91, 0.358, 1.965, 0.933, 2.471, 2.357, 2.013, -0.317, 1.661, 2.151, 2.313];
const DATA: Record<string, [number[], number[]]> = {A: [A_X, A_Y], B: [B_X, B_Y], C: [C_X, C_Y], D: [D_X, D_Y], E: [E_X, E_Y]};
// The method scipy 1.10's "auto" picks: exact iff min(n1, n2) <= 8 and no ties.
const AUTO: Record<string, "exact" | "asymptotic"> = {A: "exact", B: "asymptotic", C: "asymptotic", D: "exact", E: "exact"};

// [data, method, alternative, U, p]: r = st.mannwhitneyu(x, y, alternative=alt, method=method)
// (use_continuity=True); (r.statistic, r.pvalue). B has ties, so "exact" is not asked of scipy there.
const CASES: [string, "auto" | "exact" | "asymptotic", Alternative, number, number][] = [
  ["A", "auto", "two-sided", 44.0, 0.007992007992007992],
  ["A", "auto", "less", 44.0, 0.9976689976689976],
  ["A", "auto", "greater", 44.0, 0.003996003996003996],
  ["A", "exact", "two-sided", 44.0, 0.007992007992007992],
  ["A", "exact", "less", 44.0, 0.9976689976689976],
  ["A", "exact", "greater", 44.0, 0.003996003996003996],
  ["A", "asymptotic", "two-sided", 44.0, 0.011821137836622302],
  ["A", "asymptotic", "less", 44.0, 0.9959339890505591],
  ["A", "asymptotic", "greater", 44.0, 0.005910568918311151],
  ["B", "auto", "two-sided", 16.5, 0.062484795672341206],
  ["B", "auto", "less", 16.5, 0.031242397836170603],
  ["B", "auto", "greater", 16.5, 0.9750537275484503],
  ["B", "asymptotic", "two-sided", 16.5, 0.062484795672341206],
  ["B", "asymptotic", "less", 16.5, 0.031242397836170603],
  ["B", "asymptotic", "greater", 16.5, 0.9750537275484503],
  ["C", "auto", "two-sided", 156.0, 0.001393119861612024],
  ["C", "auto", "less", 156.0, 0.9994124740734578],
  ["C", "auto", "greater", 156.0, 0.000696559930806012],
  ["C", "exact", "two-sided", 156.0, 0.0007516167295410801],
  ["C", "exact", "less", 156.0, 0.9996997214657733],
  ["C", "exact", "greater", 156.0, 0.00037580836477054004],
  ["C", "asymptotic", "two-sided", 156.0, 0.001393119861612024],
  ["C", "asymptotic", "less", 156.0, 0.9994124740734578],
  ["C", "asymptotic", "greater", 156.0, 0.000696559930806012],
  ["D", "auto", "two-sided", 0.0, 0.05714285714285714],
  ["D", "auto", "less", 0.0, 0.02857142857142857],
  ["D", "auto", "greater", 0.0, 1.0],
  ["D", "exact", "two-sided", 0.0, 0.05714285714285714],
  ["D", "exact", "less", 0.0, 0.02857142857142857],
  ["D", "exact", "greater", 0.0, 1.0],
  ["D", "asymptotic", "two-sided", 0.0, 0.05182992721790968],
  ["D", "asymptotic", "less", 0.0, 0.02591496360895484],
  ["D", "asymptotic", "greater", 0.0, 0.9892218666199918],
  ["E", "auto", "two-sided", 163.0, 0.023307916334481805],
  ["E", "auto", "less", 163.0, 0.9895990198409553],
  ["E", "auto", "greater", 163.0, 0.011653958167240902],
  ["E", "exact", "two-sided", 163.0, 0.023307916334481805],
  ["E", "exact", "less", 163.0, 0.9895990198409553],
  ["E", "exact", "greater", 163.0, 0.011653958167240902],
  ["E", "asymptotic", "two-sided", 163.0, 0.025763754774099538],
  ["E", "asymptotic", "less", 163.0, 0.9883516207959492],
  ["E", "asymptotic", "greater", 163.0, 0.012881877387049769],
];

describe("mannWhitneyU", () => {
  it.each(CASES)("data %s, method %s, %s: U and p match scipy.stats.mannwhitneyu", (name, method, alternative, u, p) => {
    const [x, y] = DATA[name];
    const r = mannWhitneyU(x, y, {method, alternative});
    expect(r.statistic).toBe(u);
    expectClose(r.pValue, p, 1e-12);
    expect(r.method).toBe(method === "auto" ? AUTO[name] : method);
    expect(r.reason).toBeUndefined();
    if (r.method === "asymptotic") expect(Number.isFinite(r.z)).toBe(true);
  });

  it("continuity correction can be switched off", () => {
    // st.mannwhitneyu(A_X, A_Y, use_continuity=False, method="asymptotic") -> (44.0, 0.009823274507519249)
    expectClose(mannWhitneyU(A_X, A_Y, {useContinuity: false, method: "asymptotic"}).pValue, 0.009823274507519249, 1e-12);
    // st.mannwhitneyu(B_X, B_Y, use_continuity=False, method="asymptotic", alternative="less") -> (16.5, 0.027946948791627985)
    const r = mannWhitneyU(B_X, B_Y, {useContinuity: false, method: "asymptotic", alternative: "less"});
    expect(r.statistic).toBe(16.5);
    expectClose(r.pValue, 0.027946948791627985, 1e-12);
  });

  it("exact distribution: full separation 8 vs 8 and a lopsided 8 vs 200 design", () => {
    const s8 = [0, 1, 2, 3, 4, 5, 6, 7];
    const t8 = [8, 9, 10, 11, 12, 13, 14, 15];
    // st.mannwhitneyu(range(8), range(8, 16), method="exact") -> (0.0, 0.0001554001554001554) = 2 / C(16, 8)
    const r = mannWhitneyU(s8, t8, {method: "exact"});
    expect(r.statistic).toBe(0);
    expectClose(r.pValue, 0.0001554001554001554, 1e-13);
    const ly = Array.from({length: 200}, (_, i) => i + 0.5);
    // st.mannwhitneyu([3, 17, 44, 61, 88, 120, 150, 199], [i + 0.5 for i in range(200)], method="exact") -> (682.0, 0.4885588234870245)
    const l = mannWhitneyU([3, 17, 44, 61, 88, 120, 150, 199], ly, {method: "exact"});
    expect(l.statistic).toBe(682);
    expectClose(l.pValue, 0.4885588234870245, 1e-12);
    // st.mannwhitneyu([190..197], ly, method="exact", alternative="greater") -> (1548.0, 4.487485177239521e-09)
    const l2x = [190, 191, 192, 193, 194, 195, 196, 197];
    const g = mannWhitneyU(l2x, ly, {alternative: "greater"});
    expect(g.method).toBe("exact");
    expect(g.statistic).toBe(1548);
    expectClose(g.pValue, 4.487485177239521e-9, 1e-11);
    // alternative="less" -> (1548.0, 0.9999999960089)
    expectClose(mannWhitneyU(l2x, ly, {alternative: "less"}).pValue, 0.9999999960089, 1e-13);
  });

  it("exact p-values of opposite one-sided tests add up to 1 + P(U = u)", () => {
    const less = mannWhitneyU(E_X, E_Y, {alternative: "less", method: "exact"}).pValue;
    const greater = mannWhitneyU(E_X, E_Y, {alternative: "greater", method: "exact"}).pValue;
    expect(less + greater).toBeGreaterThan(1);
    expect(less + greater).toBeLessThan(1.01);
  });

  it("n = 1 and all-equal samples (scipy's values)", () => {
    // st.mannwhitneyu([1], [2]) -> (0.0, 1.0); alternative="greater" -> (0.0, 1.0); "less" -> (0.0, 0.5)
    expect(mannWhitneyU([1], [2])).toMatchObject({statistic: 0, pValue: 1, method: "exact"});
    expect(mannWhitneyU([1], [2], {alternative: "greater"}).pValue).toBe(1);
    expect(mannWhitneyU([1], [2], {alternative: "less"}).pValue).toBe(0.5);
    // st.mannwhitneyu([2,2,2], [2,2,2]) -> (4.5, 1.0)
    expect(mannWhitneyU([2, 2, 2], [2, 2, 2])).toMatchObject({statistic: 4.5, pValue: 1, method: "asymptotic"});
  });

  it("exact requested with ties falls back to the normal approximation and says so", () => {
    const r = mannWhitneyU(B_X, B_Y, {method: "exact"});
    expect(r.method).toBe("asymptotic");
    expect(r.note).toMatch(/ties/);
    expectClose(r.pValue, 0.062484795672341206, 1e-12); // = the asymptotic scipy value above
  });

  it("is total: empty samples and NaN give NaN with a reason; infinities rank normally", () => {
    const e = mannWhitneyU([], [1, 2]);
    expect(e.statistic).toBeNaN();
    expect(e.pValue).toBeNaN();
    expect(e.reason).toBe("empty sample");
    const n = mannWhitneyU([1, NaN], [1, 2]);
    expect(n.pValue).toBeNaN();
    expect(n.reason).toBe("NaN in input");
    // same ranks as D with the extremes replaced by ±Infinity (scipy 1.10 returns NaN here, see ranks test)
    const inf = mannWhitneyU([-Infinity, 1.9, 2.7], [3.1, 4.0, 5.2, Infinity]);
    expect(inf.statistic).toBe(0);
    expectClose(inf.pValue, 0.05714285714285714, 1e-12);
  });
});
