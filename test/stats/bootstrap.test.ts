import {describe, expect, it} from "vitest";
import {
  bcaInterval,
  bootstrapCI,
  bootstrapCI2,
  bootstrapDifference,
  bootstrapRatio,
  jackknifeAcceleration,
  percentileInterval,
  randomSfc32
} from "../../analyses/src/stats/index.js";
import {expectAllClose, expectClose} from "./close.js";

// Skewed data shared with test/stats/reference.py.
const BX = [0.62, 3.41, 1.08, 0.35, 7.92, 1.77, 0.91, 2.64, 0.48, 1.25, 4.83, 0.73, 1.49, 0.29, 2.06];
const BY = [1.95, 0.84, 2.71, 1.33, 0.57, 3.88, 1.12, 2.26, 0.99, 1.61];
// Strata for BX: BX[:5], BX[5:11], BX[11:]
const STRATA = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2];
const MX = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.6];

const mean = (s: ArrayLike<number>): number => {
  let t = 0;
  for (let i = 0; i < s.length; ++i) t += s[i];
  return t / s.length;
};
const std1 = (s: ArrayLike<number>): number => {
  const m = mean(s);
  let t = 0;
  for (let i = 0; i < s.length; ++i) t += (s[i] - m) ** 2;
  return Math.sqrt(t / (s.length - 1));
};
/** Median that sorts its argument in place (allowed: the bootstrap passes scratch arrays). */
const medianInPlace = (s: Float64Array): number => {
  s.sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const median = (s: ArrayLike<number>): number => medianInPlace(Float64Array.from(s));

// rng = np.random.default_rng(2024)
// reps = np.round(np.array([np.mean(rng.choice(BX, len(BX))) for _ in range(199)]), 6)
const BCA_REPS = [2.494667, 1.516, 1.708, 3.243333, 2.122667, 1.497333, 2.44, 2.038, 1.874, 1.325333, 2.218, 2.308667, 1.879333, 1.756, 1.648, 1.354, 1.276, 2.207333, 1.714, 1.092667, 3.356667, 1.271333, 1.924667, 2.187333, 2.628667, 1.721333, 1.699333, 1.890667, 1.316, 1.416667, 2.059333, 2.295333, 1.449333, 1.620667, 2.668, 2.647333, 1.412667, 2.755333, 2.351333, 2.464667, 0.994, 1.854667, 2.086667, 1.81, 2.27, 2.259333, 1.372667, 2.888, 2.292, 1.264667, 2.157333, 2.042, 2.015333, 1.711333, 2.967333, 2.142, 1.614667, 1.459333, 2.651333, 1.972, 2.5, 1.83, 1.778667, 1.703333, 1.726, 2.032667, 1.948667, 1.584, 1.862, 2.357333, 1.930667, 1.864667, 1.665333, 2.162, 2.429333, 1.914, 1.411333, 1.754667, 1.524, 2.252, 2.678667, 1.858667, 2.154667, 2.456667, 2.041333, 1.330667, 1.742667, 2.271333, 1.936, 1.632667, 1.992667, 2.304667, 1.862667, 2.256667, 1.248, 0.734667, 1.498, 1.432, 1.834667, 2.330667, 2.055333, 1.983333, 2.164, 1.698, 2.628, 3.318667, 2.43, 1.691333, 1.862667, 1.953333, 3.278667, 2.954, 2.377333, 2.595333, 1.094667, 2.315333, 1.726667, 2.93, 1.391333, 2.380667, 2.418667, 1.533333, 1.806667, 1.269333, 1.868, 3.718, 1.499333, 1.575333, 1.765333, 2.436667, 1.674, 2.260667, 1.461333, 1.471333, 2.120667, 2.248667, 1.822667, 2.056667, 1.86, 1.478, 2.072, 2.564667, 1.772667, 2.269333, 1.771333, 1.847333, 2.074, 1.565333, 1.763333, 1.222667, 1.803333, 1.936, 1.59, 1.562667, 2.200667, 2.775333, 1.248667, 1.77, 2.318667, 1.548, 1.636667, 2.117333, 1.640667, 1.602667, 2.428, 1.986, 1.606, 1.72, 1.997333, 2.053333, 1.878, 1.754, 1.595333, 1.208, 2.042667, 1.504667, 2.577333, 1.843333, 1.520667, 2.02, 3.338, 1.775333, 2.302667, 1.966667, 2.068667, 1.461333, 1.216, 1.68, 1.147333, 1.95, 1.511333, 2.432667, 1.966667, 1.248667, 1.664, 0.905333, 2.381333, 2.288667, 2.614];
// rng = np.random.default_rng(5); mreps = np.array([np.median(rng.choice(MX, 7)) for _ in range(99)])
const MED_REPS = [5.0, 3.0, 3.0, 1.5, 4.0, 3.0, 2.6, 2.6, 4.0, 2.6, 4.0, 1.5, 3.0, 2.6, 3.0, 2.6, 1.5, 2.6, 5.0, 4.0, 4.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.0, 4.0, 3.0, 1.5, 2.6, 4.0, 1.5, 3.0, 4.0, 5.0, 3.0, 1.0, 4.0, 4.0, 3.0, 3.0, 4.0, 3.0, 3.0, 2.6, 5.0, 4.0, 3.0, 3.0, 3.0, 2.6, 3.0, 1.5, 2.6, 1.0, 2.6, 3.0, 4.0, 4.0, 3.0, 4.0, 5.0, 3.0, 4.0, 2.6, 1.5, 2.6, 3.0, 4.0, 3.0, 2.6, 2.6, 4.0, 4.0, 4.0, 3.0, 2.6, 3.0, 2.6, 1.5, 3.0, 3.0, 2.6, 3.0, 3.0, 3.0, 5.0, 4.0, 2.6, 2.6, 2.6, 5.0, 9.0, 3.0, 3.0, 2.6, 2.6];

describe("BCa pieces: exact agreement with scipy.stats._resampling._bca_interval on given replicates", () => {
  it("acceleration of the mean, one sample", () => {
    // _bca_interval((np.array(BX),), lambda x, axis: np.mean(x, axis=axis), axis=-1, alpha=0.025, theta_hat_b=reps, batch=None)[2]
    expectClose(jackknifeAcceleration([BX], mean), 0.07738331814137249, 1e-12);
  });
  it.each([
    // [confidence, alpha1, alpha2, lower, upper]: alpha1, alpha2 = _bca_interval(..., alpha=(1 - confidence)/2, theta_hat_b=reps)[:2];
    // lower, upper = np.percentile(reps, [alpha1 * 100, alpha2 * 100])
    [0.95, 0.08767402475959668, 0.9973227448919553, 1.3272503431174025, 3.526458637248885],
    [0.9, 0.1343871313666733, 0.9904562945075672, 1.4554195201060132, 3.340059834615406]
  ])("BCa interval of the mean at %d", (confidence, a1, a2, lower, upper) => {
    const r = bcaInterval(BCA_REPS, mean(BX), jackknifeAcceleration([BX], mean), confidence);
    expectAllClose(r.levels, [a1, a2], 1e-12);
    expectClose(r.lower, lower, 1e-12);
    expectClose(r.upper, upper, 1e-12);
    expect(r.reason).toBeUndefined();
  });
  it.each([
    // np.percentile(reps, [2.5, 97.5]) and np.percentile(reps, [5, 95])
    [0.95, 1.1446997, 3.245099699999999],
    [0.9, 1.2486002999999999, 2.786599699999999]
  ])("percentile interval at %d", (confidence, lower, upper) => {
    const r = percentileInterval(BCA_REPS, confidence);
    expectClose(r.lower, lower, 1e-13);
    expectClose(r.upper, upper, 1e-13);
  });
  it("z0 counts replicates tied with the estimate as half (discrete statistic: median)", () => {
    // 33 of the 99 replicates are below median(MX) = 3.0 and 32 equal it.
    // z0 = ndtri(((mreps < 3).sum() + (mreps <= 3).sum()) / (2 * 99)) = -0.012660076940314008
    // _bca_interval((np.array(MX),), lambda x, axis: np.median(x, axis=axis), axis=-1, alpha=0.025,
    //               theta_hat_b=mreps, batch=None) -> (0.026096144414010355, 0.9761050917693644, 0.011495462852280008)
    // np.percentile(mreps, [alpha1 * 100, alpha2 * 100]) -> [1.5, 5.0]
    const a = jackknifeAcceleration([MX], median);
    expectClose(a, 0.011495462852280008, 1e-12);
    const r = bcaInterval(MED_REPS, median(MX), a, 0.95);
    expectClose(r.z0, -0.012660076940314008, 1e-12);
    expectAllClose(r.levels, [0.026096144414010355, 0.9761050917693644], 1e-12);
    expect([r.lower, r.upper]).toEqual([1.5, 5.0]);
  });
  it.each([
    // _bca_interval(data, statistic, axis=-1, alpha=0.025, theta_hat_b=..., batch=None)[2]
    ["std ddof=1 of BX", () => jackknifeAcceleration([BX], std1), 0.14121604523151327],
    ["mean(BX) − mean(BY) (two samples)", () => jackknifeAcceleration([BX, BY], (x, y) => mean(x) - mean(y)), 0.0432900036828618],
    ["mean(BX) / mean(BY) (two samples)", () => jackknifeAcceleration([BX, BY], (x, y) => mean(x) / mean(y)), 0.02868716349977121],
    // scipy: data = (BX[:5], BX[5:11], BX[11:]), statistic = mean of the concatenation
    ["stratified mean of BX", () => jackknifeAcceleration([BX], mean, [STRATA]), 0.05658800890306393]
  ])("acceleration: %s", (_, compute, expected) => {
    expectClose((compute as () => number)(), expected as number, 1e-12);
  });
  it("acceleration is 0 (not NaN) when the jackknife values are all equal, NaN when not finite", () => {
    expect(jackknifeAcceleration([[2, 2, 2, 2]], mean)).toBe(0);
    expect(jackknifeAcceleration([[0.1, 0.1, 0.1]], mean)).toBe(0);
    expect(jackknifeAcceleration([[1, 2, 3]], (s) => (s.length < 3 ? NaN : 1))).toBeNaN();
  });
  it("bcaInterval is total", () => {
    expect(bcaInterval([], 1, 0).reason).toBe("no bootstrap replicates");
    expect(bcaInterval([1, NaN], 1, 0).reason).toBe("NaN among the bootstrap replicates");
    expect(bcaInterval([1, 2], NaN, 0).reason).toBe("estimate is NaN");
    expect(bcaInterval([1, 2], 1.5, NaN).reason).toBe("acceleration is not finite");
    const out = bcaInterval([1, 2, 3], 5, 0);
    expect(out.z0).toBe(Infinity); // every replicate is below the estimate
    expect(out.lower).toBeNaN();
    expect(out.reason).toMatch(/outside the bootstrap distribution/);
    expect(() => bcaInterval([1, 2], 1.5, 0, 1)).toThrow(RangeError);
    expect(percentileInterval([]).lower).toBeNaN();
    expect(percentileInterval([1, NaN]).upper).toBeNaN();
  });
});

// Monte-Carlo comparison with scipy.stats.bootstrap(data, statistic, method=m, n_resamples=20000,
// random_state=s, vectorized=True) for s in range(30): mean and sd (ddof=1) over the 30 seeds of each
// endpoint (printed by test/stats/reference.py). Ours uses a different generator (sfc32, seed 0), so it
// is one more Monte-Carlo draw: we require |ours − scipy mean| <= 4.5 · sd · √(1 + 1/30).
// The tolerance is meaningful: each BCa case also checks that the scipy *percentile* interval for
// the same data lies outside it, i.e. a BCa bug that degraded to the percentile method would fail.
const B = 20_000;
const K = 4.5 * Math.sqrt(1 + 1 / 30);
type McCase = {
  name: string;
  run: (method: "bca" | "percentile") => {lower: number; upper: number};
  bca: [number, number, number, number]; // scipy mean low, mean high, sd low, sd high
  percentile: [number, number, number, number];
};
const MC: McCase[] = [
  {
    name: "mean of BX",
    run: (method) => bootstrapCI(BX, mean, {method, resamples: B}),
    bca: [1.2458502450779998, 3.468886781544651, 0.007203081508504748, 0.03048056773499163],
    percentile: [1.1078833333333336, 3.1039061111111095, 0.0074403245304740856, 0.012692197110697958]
  },
  {
    name: "std (ddof=1) of BX",
    run: (method) => bootstrapCI(BX, std1, {method, resamples: B}),
    bca: [1.115659175343798, 3.3927478965056213, 0.007341260662301949, 0.030941138531050516],
    percentile: [0.7547414709657791, 2.9419273688524425, 0.005222368783890802, 0.004558718070621163]
  },
  {
    name: "mean(BX) − mean(BY)",
    run: (method) => bootstrapDifference(BX, BY, mean, {method, resamples: B}),
    bca: [-0.7100445576031873, 1.7110955173897031, 0.010972987535450679, 0.027640862320195542],
    percentile: [-0.831055833333333, 1.505540277777776, 0.010348167455347248, 0.012771545743069225]
  },
  {
    // scipy: data = (BX[:5], BX[5:11], BX[11:]) resampled independently = stratified resampling
    name: "stratified mean of BX",
    run: (method) => bootstrapCI(BX, mean, {method, resamples: B, strata: STRATA}),
    bca: [1.2221962066439265, 3.2371798701495575, 0.0064458197286243165, 0.021939467057323647],
    percentile: [1.1195944444444446, 3.028143888888887, 0.005025765669223081, 0.011222497658886369]
  }
];

describe("bootstrap intervals agree with scipy.stats.bootstrap within Monte-Carlo error", () => {
  it.each(MC)("BCa: $name", ({run, bca, percentile}) => {
    const r = run("bca");
    const [lo, hi, sdLo, sdHi] = bca;
    expectClose(r.lower, lo, 0, K * sdLo);
    expectClose(r.upper, hi, 0, K * sdHi);
    // the percentile interval is distinguishable from BCa at this tolerance
    expect(Math.abs(percentile[0] - lo) > K * sdLo || Math.abs(percentile[1] - hi) > K * sdHi).toBe(true);
  });
  it.each(MC)("percentile: $name", ({run, percentile}) => {
    const r = run("percentile");
    const [lo, hi, sdLo, sdHi] = percentile;
    expectClose(r.lower, lo, 0, K * sdLo);
    expectClose(r.upper, hi, 0, K * sdHi);
  });
  it("BCa ratio of means mean(BX) / mean(BY)", () => {
    // scipy BCa mean over 30 seeds (0.6320881432420624, 2.2007929146314273), sd (0.004207665250957224, 0.020319214096439973)
    const r = bootstrapRatio(BX, BY, mean, {resamples: B});
    expectClose(r.lower, 0.6320881432420624, 0, K * 0.004207665250957224);
    expectClose(r.upper, 2.2007929146314273, 0, K * 0.020319214096439973);
    expectClose(r.estimate, mean(BX) / mean(BY), 1e-15);
  });
});

describe("stratified resampling", () => {
  it("bootstrap SE of the stratified mean matches the exact value; unstratified differs", () => {
    // exact bootstrap SE: np.sqrt(sum((len(h)/15)**2 * np.var(h) / len(h) for h in (BX[:5], BX[5:11], BX[11:])))
    const strat = bootstrapCI(BX, mean, {resamples: B, strata: STRATA, method: "percentile"});
    expectClose(strat.standardError, 0.49266799729184313, 0.02);
    // unstratified: np.sqrt(np.var(BX) / 15)
    const plain = bootstrapCI(BX, mean, {resamples: B, method: "percentile"});
    expectClose(plain.standardError, 0.5157043654969313, 0.02);
    expect(Math.abs(strat.standardError - 0.5157043654969313)).toBeGreaterThan(0.01);
  });
  it("keeps stratum sizes fixed: an indicator's mean does not vary across resamples", () => {
    const values = [...Array(5).fill(0), ...Array(15).fill(1)];
    const strata = [...Array(5).fill("a"), ...Array(15).fill("b")];
    for (const method of ["bca", "percentile"] as const) {
      const r = bootstrapCI(values, mean, {strata, method, resamples: 2000});
      expect([r.estimate, r.lower, r.upper]).toEqual([0.75, 0.75, 0.75]);
      expect(r.standardError).toBe(0);
    }
    const free = bootstrapCI(values, mean, {resamples: 2000});
    expect(free.upper - free.lower).toBeGreaterThan(0.2);
  });
  it("two-sample strata are honoured per sample", () => {
    const x = [0, 0, 1, 1, 1, 1];
    const y = [5, 5, 5, 9];
    const r = bootstrapCI2(x, y, (a, b) => mean(a) - mean(b), {strataX: x, strataY: y, resamples: 500});
    expect([r.lower, r.upper]).toEqual([r.estimate, r.estimate]);
    expect([r.nX, r.nY, r.n]).toEqual([6, 4, 10]);
  });
  it("rejects a strata array of the wrong length", () => {
    expect(() => bootstrapCI(BX, mean, {strata: [1, 2]})).toThrow(RangeError);
    expect(() => bootstrapCI2(BX, BY, (a, b) => mean(a) - mean(b), {strataY: [1]})).toThrow(RangeError);
  });
});

describe("reproducibility", () => {
  it("the same seed gives identical results, another seed different ones", () => {
    const a = bootstrapCI(BX, mean, {seed: 12345, resamples: 3000});
    const b = bootstrapCI(BX, mean, {seed: 12345, resamples: 3000});
    expect(b).toEqual(a);
    const c = bootstrapCI(BX, mean, {seed: 54321, resamples: 3000});
    expect(c.lower === a.lower && c.upper === a.upper).toBe(false);
    expect(bootstrapCI(BX, mean, {resamples: 3000})).toEqual(bootstrapCI(BX, mean, {seed: 0, resamples: 3000}));
    const d1 = bootstrapDifference(BX, BY, mean, {seed: 9, resamples: 3000});
    const d2 = bootstrapCI2(BX, BY, (x, y) => mean(x) - mean(y), {seed: 9, resamples: 3000});
    expect(d2).toEqual(d1);
  });
  it("a statistic that sorts its argument in place changes nothing (scratch copies)", () => {
    const data = [...MX];
    const inPlace = bootstrapCI(data, medianInPlace, {seed: 3, resamples: 2000});
    const copying = bootstrapCI(data, median, {seed: 3, resamples: 2000});
    expect(inPlace).toEqual(copying);
    expect(data).toEqual(MX);
  });
  it("reports its settings", () => {
    const r = bootstrapCI(BX, mean, {resamples: 1000, confidence: 0.9, method: "percentile", seed: 4});
    expect(r).toMatchObject({method: "percentile", resamples: 1000, n: 15, confidence: 0.9, seed: 4});
    expect(r.z0).toBeNaN();
    expect(r.acceleration).toBeNaN();
    const d = bootstrapCI(BX, mean, {resamples: 1000});
    expect(d).toMatchObject({method: "bca", confidence: 0.95, seed: 0});
    expect(bootstrapCI(BX, mean).resamples).toBe(10_000);
  });
});

describe("coverage (fixed-seed simulations)", () => {
  const normal = (random: () => number): number => {
    // Box–Muller
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };

  it("95% percentile interval for the mean of N(3, 2²), n = 30: coverage near nominal", () => {
    // For this design the percentile interval's coverage is ≈ P(|t_29| < 1.96·√(29/30)) ≈ 0.936
    // (it is slightly narrow); 1000 data sets give a binomial sd of ≈ 0.008.
    const random = randomSfc32(2718);
    const datasets = 1000;
    let below = 0;
    let above = 0;
    for (let k = 0; k < datasets; ++k) {
      const x = Array.from({length: 30}, () => 3 + 2 * normal(random));
      const r = bootstrapCI(x, mean, {method: "percentile", resamples: 1000, seed: k});
      if (r.upper < 3) ++below;
      else if (r.lower > 3) ++above;
    }
    const coverage = 1 - (below + above) / datasets;
    expect(coverage).toBeGreaterThan(0.915);
    expect(coverage).toBeLessThan(0.96);
    // misses split between the sides (each nominally 2.5%)
    expect(below / datasets).toBeGreaterThan(0.01);
    expect(below / datasets).toBeLessThan(0.055);
    expect(above / datasets).toBeGreaterThan(0.01);
    expect(above / datasets).toBeLessThan(0.055);
  });

  it("95% BCa interval for the mean of Exp(1), n = 30: coverage near nominal", () => {
    const random = randomSfc32(31415);
    const datasets = 500;
    let covered = 0;
    for (let k = 0; k < datasets; ++k) {
      const x = Array.from({length: 30}, () => -Math.log(1 - random()));
      const r = bootstrapCI(x, mean, {method: "bca", resamples: 1000, seed: 1000 + k});
      if (r.lower <= 1 && 1 <= r.upper) ++covered;
    }
    // BCa is second-order accurate; at n = 30 expect ≈ 0.93–0.94 (binomial sd ≈ 0.011 for 500 sets).
    expect(covered / datasets).toBeGreaterThan(0.905);
    expect(covered / datasets).toBeLessThan(0.975);
  });
});

describe("edge cases: a result with a reason, never a throw", () => {
  it("empty sample", () => {
    const r = bootstrapCI([], mean);
    expect(r).toMatchObject({estimate: NaN, lower: NaN, upper: NaN, reason: "empty sample", n: 0, resamples: 0});
  });
  it("n = 1: estimate computed, no interval", () => {
    const r = bootstrapCI([4.2], mean);
    expect(r).toMatchObject({estimate: 4.2, lower: NaN, upper: NaN, reason: "n < 2", n: 1});
    const d = bootstrapDifference([1, 2, 3], [5]);
    expect(d).toMatchObject({estimate: -3, lower: NaN, upper: NaN, reason: "n < 2", nX: 3, nY: 1});
  });
  it("NaN or infinite input", () => {
    expect(bootstrapCI([1, NaN, 3], mean)).toMatchObject({estimate: NaN, lower: NaN, reason: "non-finite input"});
    expect(bootstrapCI([1, Infinity, 3], mean).reason).toBe("non-finite input");
    expect(bootstrapRatio([1, 2], [-Infinity, 3]).reason).toBe("non-finite input");
  });
  it("all-equal data gives a degenerate interval at the estimate (both methods)", () => {
    for (const method of ["bca", "percentile"] as const) {
      const r = bootstrapCI([2.5, 2.5, 2.5, 2.5], mean, {method, resamples: 500});
      expect([r.estimate, r.lower, r.upper]).toEqual([2.5, 2.5, 2.5]);
      expect(r.reason).toBeUndefined();
    }
    const b = bootstrapCI([0.1, 0.1, 0.1], mean, {resamples: 500});
    expect(b.acceleration).toBe(0);
    expect(b.lower).toBe(b.upper);
  });
  it("statistic NaN on the data or on some resamples", () => {
    expect(bootstrapCI([1, 2, 3], () => NaN)).toMatchObject({lower: NaN, reason: "statistic is NaN on the data"});
    // 0/0 when both resamples are all zeros
    const r = bootstrapRatio([0, 0, 1], [0, 0, 1], mean, {resamples: 2000});
    expect(r.estimate).toBe(1);
    expect(r.lower).toBeNaN();
    expect(r.reason).toMatch(/^statistic is NaN on \d+ of 2000 resamples$/);
  });
  it("BCa with the estimate outside the bootstrap distribution", () => {
    let calls = 0;
    const r = bootstrapCI([1, 2, 3, 4], (s) => (calls++ === 0 ? 100 : mean(s)), {resamples: 200});
    expect(r.estimate).toBe(100);
    expect(r.lower).toBeNaN();
    expect(r.reason).toMatch(/outside the bootstrap distribution/);
  });
  it("infinite replicates are kept (ratio with a zero denominator)", () => {
    const r = bootstrapRatio([1, 2, 3], [0, 0, 1], mean, {method: "percentile", resamples: 2000});
    expect(r.estimate).toBe(6);
    expect(r.upper).toBe(Infinity);
    expect(Number.isFinite(r.lower)).toBe(true);
  });
  it("invalid options throw RangeError", () => {
    expect(() => bootstrapCI(BX, mean, {resamples: 0})).toThrow(RangeError);
    expect(() => bootstrapCI(BX, mean, {resamples: 10.5})).toThrow(RangeError);
    expect(() => bootstrapCI(BX, mean, {confidence: 1})).toThrow(RangeError);
    expect(() => bootstrapCI(BX, mean, {confidence: 0})).toThrow(RangeError);
    expect(() => bootstrapCI(BX, mean, {method: "basic" as "bca"})).toThrow(RangeError);
    expect(() => bootstrapCI(BX, mean, {seed: NaN})).toThrow(RangeError);
  });
});
