// `runlens analyze` on a temporary copy of the real seed-0 model folder (26 checkpoints): artifacts are
// written for every checkpoint and analysis, atomically, readable by the npz reader and by numpy, equal
// to the dataset's precomputed artifacts (and to an independent numpy reference for the progress
// measures); a re-run does no work, --force redoes it, corrupt checkpoints are reported by file and
// tensor while the others are analysed, and the worker count is honoured.
import {existsSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {DuckDBInstance} from "@duckdb/node-api";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {readNpz, type NpyArray} from "../../data-loaders/checkpoints/npz.js";
import {artifactPath} from "../../data-loaders/checkpoints/pipeline/discover.js";
import {runAnalyzePipeline, type AnalyzeSummary} from "../../data-loaders/checkpoints/pipeline/run-pipeline.js";
import {analyzeCommand} from "../../data-loaders/cli/analyze.js";
import {copyModels, fileTimes, GROKKING, numpyAvailable, pad5, python, REPO, tempFiles} from "./helpers.js";

const MODEL = "model_p59_seed0";
const ANALYSES = ["embed-fourier", "neuron-activations", "neuron-frequencies", "neuron-clusters", "progress-measures"];
const metadata = JSON.parse(readFileSync(join(GROKKING, MODEL, "metadata.json"), "utf8")) as {checkpoint_epochs: number[]; final_epoch: number};
const EPOCHS = metadata.checkpoint_epochs;
const numpy = numpyAvailable();

let root: string;
let modelDir: string;
let first: AnalyzeSummary;
let progressLines: string[];

const ulp32 = (x: number) => (Math.abs(x) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 23));
const ulp16 = (x: number) => (Math.abs(x) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 10));

beforeAll(async () => {
  root = copyModels(MODEL);
  modelDir = join(root, MODEL);
  progressLines = [];
  first = await runAnalyzePipeline({resultsDir: root, workers: 2, progress: {isTTY: false, write: (text) => progressLines.push(text)}});
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true});
});

describe("first run on the real seed-0 folder", () => {
  it("analyses all 26 checkpoints on 2 worker threads and writes one artifact per checkpoint and analysis", () => {
    console.info(`analyze: ${first.analysed} checkpoints in ${first.seconds.toFixed(2)} s on ${first.workers} workers; ${(first.checkpointMs.reduce((a, b) => a + b, 0) / first.checkpointMs.length).toFixed(0)} ms per checkpoint inside a worker`);
    expect(first.failed).toEqual([]);
    expect(first.checkpoints).toBe(26);
    expect(first.analysed).toBe(26);
    expect(first.artifactsWritten).toBe(26 * ANALYSES.length);
    expect(first.threadsStarted).toBe(2);
    expect(Object.keys(first.byThread).length).toBe(2);
    expect(Object.values(first.byThread).reduce((a, b) => a + b, 0)).toBe(26);
    for (const epoch of EPOCHS) for (const analysis of ANALYSES) expect(existsSync(artifactPath(modelDir, epoch, analysis)), `${epoch} ${analysis}`).toBe(true);
    expect(tempFiles(root)).toEqual([]);
    expect(first.tablesWritten).toEqual([MODEL]);
  });

  it("prints plain progress lines (not a TTY): checkpoints done/total, rate, ETA, and a final line", () => {
    expect(progressLines.length).toBeGreaterThanOrEqual(2);
    for (const line of progressLines) {
      expect(line.endsWith("\n")).toBe(true);
      expect(line).not.toContain("\r");
      expect(line).toMatch(/^analyze: \d+\/26 checkpoints.*, \d+\.\d checkpoints\/s, ETA \S+\n$/);
    }
    expect(progressLines.at(-1)).toMatch(/^analyze: 26\/26 checkpoints, [\d.]+ checkpoints\/s, ETA 0\.0s\n$/);
  });

  it("records the final checkpoint's key frequencies and chosen neurons in the manifest", () => {
    const manifest = JSON.parse(readFileSync(join(modelDir, "analysis", "manifest.json"), "utf8"));
    expect(manifest.referenceEpoch).toBe(metadata.final_epoch);
    expect(manifest.keyFrequencies).toEqual([12, 20, 23, 28]);
    expect(manifest.neurons).toHaveLength(8);
    expect(Object.keys(manifest.epochs)).toEqual(EPOCHS.map((e) => `epoch_${pad5(e)}`));
    expect(manifest.epochs.epoch_28300.checkpoint.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("artifacts read back with the npz reader: fields, dtypes and shapes", () => {
    const at = (analysis: string, epoch = 28300) => readNpz(artifactPath(modelDir, epoch, analysis));
    const fourier = at("embed-fourier");
    expect(fourier.get("componentNorms")!.shape).toEqual([59]);
    expect(fourier.get("componentNorms")!.dtype).toBe("float64");
    expect(Array.from(fourier.get("keyFrequencies")!.data as Int32Array)).toEqual([12, 20, 23, 28]);
    expect(fourier.get("p")!.shape).toEqual([]);
    expect(at("neuron-frequencies").get("fractions")!.shape).toEqual([512, 29]);
    const acts = at("neuron-activations");
    expect(acts.get("values")!.shape).toEqual([8, 59, 59]);
    expect(acts.get("values")!.dtype).toBe("float32");
    const clusters = at("neuron-clusters");
    expect(Array.from(clusters.get("keyFrequencies")!.data as Int32Array)).toEqual([12, 20, 23, 28]);
    expect(clusters.get("clusters.frequency")!.dtype).toBe("int32");
    const progress = at("progress-measures");
    expect(Array.from(progress.get("keyFrequencies")!.data as Int32Array)).toEqual([12, 20, 23, 28]);
    expect(progress.get("restrictedLoss")!.shape).toEqual([]);
    // The final checkpoint is the reference (its own clusters); every other one is given its key frequencies.
    const source = (epoch: number) => new TextDecoder().decode(at("progress-measures", epoch).get("keyFrequencySource.json")!.data as Uint8Array);
    expect(source(28300)).toBe('"neuron-clusters"');
    expect(source(0)).toBe('"options"');
  });

  it("equals the dataset's precomputed artifacts where they overlap (float32 / float16 rounding)", () => {
    const fourier = readNpz(join(GROKKING, MODEL, "artifacts", "fourier_coefficients.npz"));
    const freq = readNpz(join(GROKKING, MODEL, "artifacts", "neuron_freq_norm.npz"));
    let worstFourier = 0;
    let worstFreq = 0;
    const worst = (ours: ArrayLike<number>, ref: NpyArray, ulp: (x: number) => number) => {
      expect(ours.length).toBe(ref.data.length);
      let w = 0;
      for (let i = 0; i < ours.length; ++i) w = Math.max(w, Math.abs(ours[i] - (ref.data[i] as number)) / ulp(ref.data[i] as number));
      return w;
    };
    for (const epoch of EPOCHS) {
      const key = `epoch_${pad5(epoch)}`;
      worstFourier = Math.max(worstFourier, worst(readNpz(artifactPath(modelDir, epoch, "embed-fourier")).get("componentNorms")!.data as Float64Array, fourier.get(key)!, ulp32));
      worstFreq = Math.max(worstFreq, worst(readNpz(artifactPath(modelDir, epoch, "neuron-frequencies")).get("fractions")!.data as Float64Array, freq.get(key)!, ulp32));
    }
    // numpy rounded its float64 results to float32: ours lie within half a float32 ulp (plus the
    // float64 summation-order noise of the variance fractions).
    expect(worstFourier).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(worstFreq).toBeLessThanOrEqual(0.5 + 1e-3);
    // Activations of the chosen neurons at the final checkpoint vs the float16 artifact.
    const art = readNpz(join(GROKKING, MODEL, "artifacts", "neuron_activations.npz")).get("epoch_28300")!;
    const ours = readNpz(artifactPath(modelDir, 28300, "neuron-activations"));
    const neurons = Array.from(ours.get("neurons")!.data as Int32Array);
    const values = ours.get("values")!.data as Float32Array;
    let worstAct = 0;
    neurons.forEach((n, j) => {
      for (let i = 0; i < 3481; ++i) {
        const ref = (art.data as Float32Array)[i * 512 + n];
        worstAct = Math.max(worstAct, Math.abs(values[j * 3481 + i] - ref) / ulp16(ref));
      }
    });
    expect(worstAct).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it("progress measures equal the independent numpy reference (restricted/excluded loss with the final key frequencies)", () => {
    const reference = JSON.parse(readFileSync(join(REPO, "test/checkpoints/fixtures/progress-reference.json"), "utf8"))[MODEL];
    for (const epoch of EPOCHS) {
      const ours = readNpz(artifactPath(modelDir, epoch, "progress-measures"));
      for (const [key, value] of Object.entries(reference.epochs[String(epoch)] as Record<string, number>)) {
        const mine = ours.get(key)!.data[0] as number;
        if (key.includes("Accuracy")) expect(mine, `${key} @ ${epoch}`).toBe(value);
        else expect(Math.abs(mine - value), `${key} @ ${epoch}`).toBeLessThanOrEqual(1e-9 * Math.abs(value) + 1e-13);
      }
    }
  });

  it("writes the model's checkpoint tables as Parquet that DuckDB reads", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const q = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
      const tables = join(modelDir, "analysis", "tables");
      const [progress] = await q(`SELECT count(*)::INT AS n, count(DISTINCT source)::INT AS sources, any_value(source) AS source FROM '${tables}/progress.parquet'`);
      expect(progress).toEqual({n: 26, sources: 1, source: "pipeline"});
      const [fourier] = await q(`SELECT count(*)::INT AS n FROM '${tables}/fourier_embed.parquet'`);
      expect(fourier.n).toBe(26 * 59);
      const [freq] = await q(`SELECT count(*)::INT AS n FROM '${tables}/neuron_freq.parquet'`);
      expect(freq.n).toBe(26 * 512 * 29);
      const [final] = await q(`SELECT cluster_key_freqs, embed_key_freqs FROM '${tables}/checkpoints.parquet' WHERE epoch = 28300`);
      expect(final).toEqual({cluster_key_freqs: [12, 20, 23, 28], embed_key_freqs: [12, 20, 23, 28]});
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it.skipIf(!numpy.ok)(`numpy.load opens every artifact with the right shapes${numpy.ok ? "" : ` — SKIPPED: ${numpy.reason}`}`, () => {
    const out = JSON.parse(
      python(
        `import glob, json, os, sys, numpy as np
root = sys.argv[1]
files = sorted(glob.glob(os.path.join(root, "analysis", "epoch_*", "*.npz")))
shapes = {}
for f in files:
    z = np.load(f)
    shapes[os.path.relpath(f, root)] = {k: list(z[k].shape) for k in z.files}
ref = np.load(os.path.join(root, "artifacts", "neuron_freq_norm.npz"))
ours = np.load(os.path.join(root, "analysis", "epoch_28300", "neuron-frequencies.npz"))["fractions"]
print(json.dumps({"n": len(files), "shapes": shapes, "maxdiff": float(np.abs(ours - ref["epoch_28300"]).max())}))`,
        modelDir
      )
    );
    expect(out.n).toBe(26 * ANALYSES.length);
    expect(out.shapes["analysis/epoch_28300/neuron-frequencies.npz"].fractions).toEqual([512, 29]);
    expect(out.shapes["analysis/epoch_00000/neuron-activations.npz"].values).toEqual([8, 59, 59]);
    expect(out.shapes["analysis/epoch_00000/progress-measures.npz"].restrictedLoss).toEqual([]);
    expect(out.maxdiff).toBeLessThan(1e-6);
  });
});

describe("resume and --force", () => {
  it("a re-run does no work: nothing analysed, no file written or touched", async () => {
    const before = fileTimes(root);
    const again = await runAnalyzePipeline({resultsDir: root, workers: 2});
    expect(again.analysed).toBe(0);
    expect(again.upToDate).toBe(26);
    expect(again.artifactsWritten).toBe(0);
    expect(again.tablesWritten).toEqual([]);
    expect(again.checkpointMs).toEqual([]);
    expect(fileTimes(root)).toEqual(before);
  });

  it("a copied checkpoint with a new mtime but the same bytes is not redone (content hash)", async () => {
    const path = join(modelDir, "checkpoints", "checkpoint_epoch_01000.safetensors");
    writeFileSync(path, readFileSync(path));
    const again = await runAnalyzePipeline({resultsDir: root, workers: 1, epochs: [1000]});
    expect(again.analysed).toBe(0);
  });

  it("--force redoes the selected checkpoints (and only those)", async () => {
    const target = artifactPath(modelDir, 1000, "embed-fourier");
    const other = artifactPath(modelDir, 500, "embed-fourier");
    const [t0, o0] = [statSync(target).mtimeMs, statSync(other).mtimeMs];
    const forced = await runAnalyzePipeline({resultsDir: root, workers: 1, epochs: [0, 1000], force: true});
    expect(forced.analysed).toBe(2);
    expect(forced.artifactsWritten).toBe(2 * ANALYSES.length);
    expect(statSync(target).mtimeMs).toBeGreaterThan(t0);
    expect(statSync(other).mtimeMs).toBe(o0);
    expect(forced.tablesWritten).toEqual([MODEL]);
  });

  it("a changed checkpoint file is analysed again without --force", async () => {
    const path = join(modelDir, "checkpoints", "checkpoint_epoch_00500.safetensors");
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] ^= 1; // flip one bit of the last float
    writeFileSync(path, bytes);
    const again = await runAnalyzePipeline({resultsDir: root, workers: 1});
    expect(again.analysed).toBe(1);
    expect(again.failed).toEqual([]);
  });
});

describe("worker count", () => {
  for (const workers of [1, 3]) {
    it(`--workers ${workers}: that many threads analyse the checkpoints`, async () => {
      const copy = copyModels("model_p59_seed1");
      try {
        const summary = await runAnalyzePipeline({resultsDir: copy, workers, tables: false});
        expect(summary.failed).toEqual([]);
        expect(summary.analysed).toBe(4);
        expect(summary.threadsStarted).toBe(Math.min(workers, 4));
        expect(Object.keys(summary.byThread).length).toBe(Math.min(workers, 4));
      } finally {
        rmSync(copy, {recursive: true, force: true});
      }
    });
  }

  it("--workers 0 analyses on the main thread", async () => {
    const copy = copyModels("model_p59_seed1");
    try {
      const summary = await runAnalyzePipeline({resultsDir: copy, workers: 0, tables: false, epochs: "last"});
      expect(summary.analysed).toBe(1);
      expect(summary.threadsStarted).toBe(0);
      expect(Object.keys(summary.byThread)).toHaveLength(1);
    } finally {
      rmSync(copy, {recursive: true, force: true});
    }
  });
});
