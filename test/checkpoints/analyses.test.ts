import {readFileSync} from "node:fs";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {readNpz, type NpyArray} from "../../data-loaders/checkpoints/npz.js";
import {readSafetensors} from "../../data-loaders/checkpoints/safetensors.js";
import {
  CheckpointContext,
  createCheckpointContext,
  defineAnalysis,
  listAnalyses,
  modelConfigFromJson,
  modelFromTensors,
  registerAnalysis,
  runAnalyses,
  runAnalysis,
  type EmbedFourierResult,
  type NeuronClustersResult,
  type NeuronFrequenciesResult,
  type ProgressMeasuresResult
} from "../../analyses/src/checkpoints/index.js";
import {FIXTURES, GROKKING, checkpointPath, pad5, readRun, ulp32, type RunFiles} from "./helpers.js";

interface Computed {
  embed: EmbedFourierResult;
  fractions: NeuronFrequenciesResult;
  clusters: NeuronClustersResult;
  progress: ProgressMeasuresResult;
}

type ReferenceRow = Omit<ProgressMeasuresResult, "keyFrequencies" | "keyFrequencySource" | "nTrain" | "nTest" | "loss" | "accuracy">;
const reference: Record<string, {keyFrequencies: number[]; epochs: Record<string, ReferenceRow>}> = JSON.parse(readFileSync(join(FIXTURES, "progress-reference.json"), "utf8"));

/** Run the analyses on every checkpoint of a run, with the final model's key frequencies (as Nanda et al.). */
function analyseRun(files: RunFiles): Map<number, Computed> {
  const config = modelConfigFromJson(files.config, `${files.run}/config.json`);
  const context = (epoch: number) => {
    const path = checkpointPath(files.run, epoch);
    return createCheckpointContext(modelFromTensors(readSafetensors(path).tensors, config, path), {trainIndices: files.config.data_split.train_indices});
  };
  const keyFrequencies = runAnalysis("neuron-clusters", context(files.metadata.final_epoch)).keyFrequencies;
  const out = new Map<number, Computed>();
  for (const epoch of files.metadata.checkpoint_epochs) {
    const c = context(epoch);
    out.set(epoch, {
      embed: runAnalysis("embed-fourier", c),
      fractions: runAnalysis("neuron-frequencies", c),
      clusters: runAnalysis("neuron-clusters", c),
      progress: runAnalysis("progress-measures", c, {keyFrequencies})
    });
  }
  return out;
}

const runs: Record<string, {files: RunFiles; results: Map<number, Computed>}> = {};
beforeAll(() => {
  for (const run of ["model_p59_seed0", "model_p59_seed1"]) {
    const files = readRun(run);
    runs[run] = {files, results: analyseRun(files)};
  }
}, 300_000);

/** Largest |ours − artifact| in float32 ulps of the artifact value (the artifacts are float32). */
function worstUlps(ours: ArrayLike<number>, artifact: NpyArray): number {
  expect(ours.length).toBe(artifact.data.length);
  let worst = 0;
  for (let i = 0; i < ours.length; ++i) {
    const ref = artifact.data[i] as number;
    worst = Math.max(worst, Math.abs(ours[i] - ref) / ulp32(ref));
  }
  return worst;
}

describe("analyses reproduce the precomputed artifacts (seed 0, all 26 checkpoints)", () => {
  it("embed-fourier componentNorms = fourier_coefficients.npz to float32 rounding", () => {
    const artifacts = readNpz(join(GROKKING, "model_p59_seed0/artifacts/fourier_coefficients.npz"));
    let worst = 0;
    for (const [epoch, r] of runs.model_p59_seed0.results) worst = Math.max(worst, worstUlps(r.embed.componentNorms, artifacts.get(`epoch_${pad5(epoch)}`)!));
    // float64 values rounded to float32 by numpy: within half an ulp (observed 0.5).
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-6);
  });

  it("neuron-frequencies fractions = neuron_freq_norm.npz to float32 rounding", () => {
    const artifacts = readNpz(join(GROKKING, "model_p59_seed0/artifacts/neuron_freq_norm.npz"));
    let worst = 0;
    let zeroVariance = 0;
    for (const [epoch, r] of runs.model_p59_seed0.results) {
      const art = artifacts.get(`epoch_${pad5(epoch)}`)!;
      expect(art.shape).toEqual([512, 29]);
      worst = Math.max(worst, worstUlps(r.fractions.fractions, art));
      for (let n = 0; n < 512; ++n) {
        if (r.fractions.totalVariance[n] === 0) {
          zeroVariance++;
          for (let k = 0; k < 29; ++k) expect(art.data[n * 29 + k]).toBe(0);
        }
      }
    }
    // Our O(p²) computation and numpy's full 2D transform differ by float64 rounding (~1e-15
    // absolute), far below the artifact's float32 spacing: within half an ulp plus that noise.
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(zeroVariance).toBeGreaterThan(0); // the dead neurons at initialisation (README: zero variance → 0)
  });

  it("key frequencies of the final model: 12, 20, 23, 28 (README), from the embedding and from the neuron clusters", () => {
    const final = runs.model_p59_seed0.results.get(28300)!;
    expect(final.embed.keyFrequencies).toEqual([12, 20, 23, 28]);
    expect(final.embed.keyGapRatio).toBeGreaterThan(5);
    expect(final.clusters.keyFrequencies).toEqual([12, 20, 23, 28]);
    expect(Array.from(final.embed.ranking.subarray(0, 4))).toEqual([23, 12, 20, 28]); // README order
    // "every MLP neuron is dominated by one of them (mean 85% of activation variance)"
    const dominant = new Set(final.clusters.dominantFrequency);
    expect([...dominant].sort((a, b) => a - b)).toEqual([12, 20, 23, 28]);
    const mean = final.clusters.dominantFraction.reduce((a, b) => a + b, 0) / 512;
    expect(mean).toBeCloseTo(0.85, 2);
    expect(final.clusters.clusters.reduce((s, c) => s + c.size, 0)).toBe(512);
    // At initialisation there are no key frequencies: the gap ratio is ~1 and every neuron is in cluster 0.
    const init = runs.model_p59_seed0.results.get(0)!;
    expect(init.embed.keyGapRatio).toBeLessThan(1.2);
    expect(init.clusters.keyFrequencies).toEqual([]);
    expect(init.clusters.clusters).toEqual([{frequency: 0, size: 512, meanFraction: expect.any(Number)}]);
  });
});

describe("progress measures", () => {
  for (const run of ["model_p59_seed0", "model_p59_seed1"]) {
    it(`${run}: train/test accuracy equal metrics.jsonl exactly; losses to the float32-vs-float64 logit difference`, () => {
      const {files, results} = runs[run];
      let worstLoss = 0;
      for (const [epoch, r] of results) {
        const m = files.metrics.get(epoch)!;
        expect(m, `metrics for epoch ${epoch}`).toBeDefined();
        // Accuracies are counts over 1044 / 2437 pairs: equal as counts.
        expect(Math.round(r.progress.trainAccuracy * 1044)).toBe(Math.round(m.train_acc * 1044));
        expect(Math.round(r.progress.testAccuracy * 2437)).toBe(Math.round(m.test_acc * 2437));
        expect(r.progress.nTrain).toBe(1044);
        expect(r.progress.nTest).toBe(2437);
        // The run logged losses from float32 logits; ours are float64 logits of the same weights.
        // Observed worst relative difference: 1.3e-6 (seed 0), 1.9e-6 (seed 1).
        worstLoss = Math.max(worstLoss, Math.abs(r.progress.trainLoss - m.train_loss) / m.train_loss, Math.abs(r.progress.testLoss - m.test_loss) / m.test_loss);
      }
      expect(worstLoss).toBeLessThan(1e-5);
      const final = results.get(files.metadata.final_epoch)!.progress;
      const meta = files.metadata as unknown as {final: {train_acc: number; test_acc: number}};
      expect(final.trainAccuracy).toBe(meta.final.train_acc);
      expect(final.testAccuracy).toBe(meta.final.test_acc);
    });

    it(`${run}: restricted / excluded loss equal the numpy reference (Nanda et al.'s notebook formulas)`, () => {
      const {files, results} = runs[run];
      const ref = reference[run];
      let worst = 0;
      for (const [epoch, r] of results) {
        expect(r.progress.keyFrequencies).toEqual(ref.keyFrequencies);
        expect(r.progress.keyFrequencySource).toBe("options");
        const row = ref.epochs[String(epoch)];
        for (const [key, value] of Object.entries(row)) {
          const ours = r.progress[key as keyof ReferenceRow];
          if (key.includes("Accuracy")) expect(ours, `${key} @ ${epoch}`).toBe(value);
          else {
            // Both sides compute log(Σ exp(l − max)) − (l_label − max) in float64: for a loss near 0
            // that is log(1 + ε) with an absolute error of a few float64 eps, whatever its size (a
            // 4e-8 restricted loss differs by 5e-16, i.e. 1e-8 relative). Error model: 1e-9
            // relative + 1e-13 absolute (≈ 500 eps; logits are ≤ 75 in magnitude).
            const err = Math.abs(ours - value) / (1e-9 * Math.abs(value) + 1e-13);
            worst = Math.max(worst, err);
            expect(err, `${key} @ ${epoch}: ${ours} vs ${value}`).toBeLessThanOrEqual(1);
          }
        }
      }
      expect(files.metadata.checkpoint_epochs.length).toBe(results.size);
      expect(worst).toBeLessThanOrEqual(1);
    });
  }

  it("shape of the curves (seed 0): excluded loss rises while restricted loss falls before the test loss does", () => {
    const r = runs.model_p59_seed0.results;
    const at = (epoch: number) => r.get(epoch)!.progress;
    // Memorised (epoch 1000): test loss high, restricted loss high; circuit forming (16400): restricted
    // loss already far below test loss; grokked (28300): both low, excluded loss high.
    expect(at(1000).testLoss).toBeGreaterThan(10);
    expect(at(16400).restrictedLoss).toBeLessThan(at(16400).testLoss / 10);
    expect(at(16400).excludedLoss).toBeGreaterThan(at(1000).excludedLoss);
    expect(at(28300).restrictedLoss).toBeLessThan(1e-3);
    expect(at(28300).excludedLoss).toBeGreaterThan(5);
    // Weight decay: the sum of squared weights falls during cleanup.
    expect(at(28300).sumSquaredWeights).toBeLessThan(at(16400).sumSquaredWeights);
  });
});

describe("analysis registry", () => {
  const files = readRun("model_p59_seed1");
  const config = modelConfigFromJson(files.config);
  const model = () => modelFromTensors(readSafetensors(checkpointPath("model_p59_seed1", 13600)).tensors, config);

  it("lists the built-in analyses with descriptions", () => {
    const names = listAnalyses().map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(["embed-fourier", "neuron-activations", "neuron-frequencies", "neuron-clusters", "progress-measures"]));
    for (const a of listAnalyses()) {
      expect(a.description.length).toBeGreaterThan(10);
      expect(a.returns.length).toBeGreaterThan(5);
    }
    expect(listAnalyses().find((a) => a.name === "progress-measures")!.needsSplit).toBe(true);
  });

  it("runAnalyses shares one forward pass; results are structured-cloneable plain data", () => {
    const context = createCheckpointContext(model(), {trainIndices: files.config.data_split.train_indices});
    let forwards = 0;
    registerAnalysis(
      defineAnalysis({
        name: "test-count-forward",
        description: "test: reads the shared forward pass",
        returns: "{sameObject}",
        needsSplit: false,
        run(c: CheckpointContext) {
          forwards++;
          return {logitsLength: c.forward.logits.length};
        }
      })
    );
    const first = context.forward;
    const results = runAnalyses(["embed-fourier", "neuron-frequencies", "neuron-clusters", "progress-measures", "neuron-activations", "test-count-forward"], context);
    expect(context.forward).toBe(first); // computed once
    expect(forwards).toBe(1);
    expect((results["test-count-forward"] as {logitsLength: number}).logitsLength).toBe(3481 * 59);
    const cloned = structuredClone(results);
    expect((cloned["neuron-frequencies"] as NeuronFrequenciesResult).fractions).toBeInstanceOf(Float64Array);
    expect((cloned["progress-measures"] as ProgressMeasuresResult).testAccuracy).toBe(1);
    // Default key frequencies: this checkpoint's own neuron clusters (final model of seed 1).
    expect((results["progress-measures"] as ProgressMeasuresResult).keyFrequencySource).toBe("neuron-clusters");
    expect((results["progress-measures"] as ProgressMeasuresResult).keyFrequencies).toEqual(reference.model_p59_seed1.keyFrequencies);
    expect(() => registerAnalysis(defineAnalysis({name: "embed-fourier", description: "dup", returns: "", needsSplit: false, run: () => 0}))).toThrow(/already registered/);
    expect(() => runAnalysis("no-such-analysis", context)).toThrow(/unknown analysis "no-such-analysis" \(known: embed-fourier/);
  });

  it("neuron-clusters: threshold and the 'no frequency' cluster", () => {
    const context = createCheckpointContext(model());
    const strict = runAnalysis("neuron-clusters", context, {threshold: 0.99});
    const loose = runAnalysis("neuron-clusters", context, {threshold: 0});
    expect(loose.clusters.find((c) => c.frequency === 0)).toBeUndefined();
    const none = strict.clusters.find((c) => c.frequency === 0)!;
    expect(none.size).toBeGreaterThan(0);
    for (let n = 0; n < 512; ++n) {
      expect(strict.cluster[n] === 0).toBe(strict.dominantFraction[n] < 0.99);
      expect(loose.cluster[n]).toBe(loose.dominantFrequency[n]);
    }
  });
});
