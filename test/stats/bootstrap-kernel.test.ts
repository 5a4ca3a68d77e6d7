import {describe, expect, it} from "vitest";
import {bootstrapCI, plainMean, randomSfc32} from "../../analyses/src/stats/index.js";
import {probabilityBest, probabilityBestOf} from "../../analyses/src/compare/_summary.js";
import {ratioOfSums} from "../../analyses/src/stats/_resampleMean.js";

/** A sample with a large common offset, negative values and a repeated value. */
function sample(n: number, seed: number): number[] {
  const random = randomSfc32(seed);
  return Array.from({length: n}, (_, i) => (i % 7 === 0 ? 2.5 : 1e3 + (random() - 0.5) * 17));
}

describe("the mean bootstrap kernel", () => {
  it("gives the same replicates, bit for bit, as the general loop (a wrapped mean takes the general loop)", () => {
    for (const [n, seed] of [[2, 0], [5, 3], [97, 11], [340, 12345]]) {
      const xs = sample(n, seed);
      for (const method of ["percentile", "bca"] as const) {
        const fast = bootstrapCI(xs, plainMean, {resamples: 999, seed, method, keepReplicates: true});
        const general = bootstrapCI(xs, (x) => plainMean(x), {resamples: 999, seed, method, keepReplicates: true});
        expect(Array.from(fast.replicates!)).toEqual(Array.from(general.replicates!));
        expect({...fast, replicates: undefined}).toEqual({...general, replicates: undefined});
      }
    }
  });

  it("replicates are kept only on request, and the general loop still serves other statistics and strata", () => {
    const xs = sample(40, 1);
    expect(bootstrapCI(xs, plainMean, {resamples: 50}).replicates).toBeUndefined();
    const strata = xs.map((_, i) => i % 2);
    const stratified = bootstrapCI(xs, plainMean, {resamples: 200, seed: 4, strata, method: "percentile", keepReplicates: true});
    const wrapped = bootstrapCI(xs, (x) => plainMean(x), {resamples: 200, seed: 4, strata, method: "percentile", keepReplicates: true});
    expect(Array.from(stratified.replicates!)).toEqual(Array.from(wrapped.replicates!));
  });
});

describe("the ratio-of-sums kernel (paired improvement in %)", () => {
  it("gives the same replicates, bit for bit, as the general loop over the same positions", () => {
    for (const [n, seed] of [[2, 0], [3, 5], [41, 7], [300, 2024]]) {
      const a = sample(n, seed);
      const d = sample(n, seed + 1).map((x, i) => (i % 3 === 0 ? -x : x) / 100);
      const positions = a.map((_, i) => i);
      // The general loop: the same formula, written out, reading the positions it is given.
      const byHand = (p: Float64Array) => {
        let sn = 0;
        let sd = 0;
        for (let i = 0; i < p.length; ++i) {
          sn += d[p[i]];
          sd += a[p[i]];
        }
        return (100 * sn) / Math.abs(sd);
      };
      for (const method of ["percentile", "bca"] as const) {
        const fast = bootstrapCI(positions, ratioOfSums(d, a, 100), {resamples: 777, seed, method, keepReplicates: true});
        const general = bootstrapCI(positions, byHand, {resamples: 777, seed, method, keepReplicates: true});
        expect(Array.from(fast.replicates!)).toEqual(Array.from(general.replicates!));
        expect({...fast, replicates: undefined}).toEqual({...general, replicates: undefined});
      }
    }
  });

  it("takes the general loop when the sample is not the positions 0…n−1, or is stratified", () => {
    const a = sample(20, 3);
    const d = sample(20, 4);
    const stat = ratioOfSums(d, a, 100);
    const shuffled = a.map((_, i) => (i * 7) % 20); // a permutation of the positions
    const r1 = bootstrapCI(shuffled, stat, {resamples: 300, seed: 2, method: "percentile", keepReplicates: true});
    const r2 = bootstrapCI(shuffled, (p) => stat(p), {resamples: 300, seed: 2, method: "percentile", keepReplicates: true});
    expect(Array.from(r1.replicates!)).toEqual(Array.from(r2.replicates!));
    const positions = a.map((_, i) => i);
    const strata = positions.map((i) => i % 2);
    const s1 = bootstrapCI(positions, stat, {resamples: 300, seed: 2, method: "percentile", strata, keepReplicates: true});
    const s2 = bootstrapCI(positions, (p) => stat(p), {resamples: 300, seed: 2, method: "percentile", strata, keepReplicates: true});
    expect(Array.from(s1.replicates!)).toEqual(Array.from(s2.replicates!));
    expect(() => ratioOfSums([1, 2], [1], 1)).toThrow(RangeError);
  });
});

describe("probabilityBestOf", () => {
  it("counts wins per joint resample, ties share the win (hand-computed)", () => {
    // resample 0: a=1 best; 1: b=0 best; 2: a and b tie at 2; 3: c=-1 best
    const a = Float64Array.from([1, 3, 2, 5]);
    const b = Float64Array.from([2, 0, 2, 6]);
    const c = Float64Array.from([4, 4, 4, -1]);
    expect(probabilityBestOf([a, b, c], "lower")).toEqual([1.5 / 4, 1.5 / 4, 1 / 4]);
    // highest: 0: c; 1: c; 2: c; 3: b
    expect(probabilityBestOf([a, b, c], "higher")).toEqual([0, 1 / 4, 3 / 4]);
  });

  it("probabilityBest (its own joint resamples) is probabilityBestOf over the replicates it draws", () => {
    const xs = [sample(30, 1), sample(12, 2).map((x) => x + 0.5), sample(8, 3).map((x) => x - 0.4)];
    const p = probabilityBest(xs, plainMean, "lower", 3000, 9);
    expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    // The same draws by hand: one stream, samples interleaved per resample.
    const random = randomSfc32(9);
    const reps = xs.map(() => new Float64Array(3000));
    for (let b = 0; b < 3000; b++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let i = 0; i < xs[j].length; i++) s += xs[j][Math.floor(random() * xs[j].length)];
      reps[j][b] = s / xs[j].length;
    }
    expect(p).toEqual(probabilityBestOf(reps, "lower"));
  });
});
