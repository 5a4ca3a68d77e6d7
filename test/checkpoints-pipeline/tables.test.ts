// The checkpoint tables the site loads: built from GPU-precomputed artifacts where present (ingested,
// not recomputed), `runlens analyze` outputs, and analyses of the checkpoint files for what is left;
// missing or broken pieces become notes, never a failed build.
import {cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, utimesSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {readNpz} from "../../data-loaders/checkpoints/npz.js";
import {ensureCheckpointTables, type CheckpointTables} from "../../data-loaders/checkpoints/tables/ensure-tables.js";
import {resolveResultsSource, SAMPLE_RESULTS_DIR} from "../../data-loaders/checkpoints/tables/results-source.js";
import {GROKKING, SAMPLE} from "./helpers.js";

const scratch = mkdtempSync(join(tmpdir(), "runlens-ckpt-tables-"));
let instance: DuckDBInstance;
let connection: DuckDBConnection;

async function rows(tables: CheckpointTables, table: Parameters<CheckpointTables["file"]>[0], select: string): Promise<Record<string, unknown>[]> {
  const sql = select.replaceAll("$T", `'${tables.file(table)}'`);
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
  rmSync(scratch, {recursive: true, force: true});
});

describe("the embedded sample (sample/grokking)", () => {
  let tables: CheckpointTables;
  const log: string[] = [];
  beforeAll(async () => {
    tables = await ensureCheckpointTables(SAMPLE, {root: join(scratch, "sample"), log: (m) => log.push(m)});
  }, 300_000);

  it("is the default results source", () => {
    expect(resolveResultsSource({}).dir).toBe(SAMPLE_RESULTS_DIR);
    expect(SAMPLE_RESULTS_DIR).toBe(SAMPLE);
  });

  it("lists seed 0's 26 checkpoint epochs and seed 1's 4, with the final key frequencies 12, 20, 23, 28", async () => {
    const meta = JSON.parse(readFileSync(join(SAMPLE, "model_p59_seed0", "metadata.json"), "utf8"));
    const epochs = await rows(tables, "checkpoints", "SELECT model, list(epoch ORDER BY epoch) AS epochs, count(path)::INT AS files FROM $T GROUP BY model ORDER BY model");
    expect(epochs).toEqual([
      {model: "model_p59_seed0", epochs: meta.checkpoint_epochs, files: 5},
      {model: "model_p59_seed1", epochs: [0, 1000, 8800, 13600], files: 0}
    ]);
    const [final] = await rows(tables, "checkpoints", "SELECT embed_key_freqs, cluster_key_freqs, is_final FROM $T WHERE model = 'model_p59_seed0' AND epoch = 28300");
    expect(final).toEqual({embed_key_freqs: [12, 20, 23, 28], cluster_key_freqs: [12, 20, 23, 28], is_final: true});
  });

  it("ingests the GPU artifacts and the analyze outputs, and computes only the activations it lacks (5 checkpoints)", async () => {
    const sources = await rows(tables, "checkpoints", `
      SELECT model, fourier_source, neuron_source, progress_source, activations_source, count(*)::INT AS n
      FROM $T GROUP BY ALL ORDER BY ALL`);
    expect(sources).toEqual([
      {model: "model_p59_seed0", fourier_source: "artifact", neuron_source: "artifact", progress_source: "pipeline", activations_source: "computed", n: 5},
      {model: "model_p59_seed0", fourier_source: "artifact", neuron_source: "artifact", progress_source: "pipeline", activations_source: null, n: 21},
      {model: "model_p59_seed1", fourier_source: "pipeline", neuron_source: "pipeline", progress_source: "pipeline", activations_source: "pipeline", n: 4}
    ]);
    expect(log.join("\n")).toMatch(/5 analysed here/);
    const notes = await rows(tables, "checkpoint_notes", "SELECT level, message FROM $T WHERE level <> 'info'");
    expect(notes).toEqual([]);
  });

  it("fourier_embed and neuron_freq equal the artifacts' float32 values exactly", async () => {
    const fourier = readNpz(join(SAMPLE, "model_p59_seed0", "artifacts", "fourier_coefficients.npz")).get("epoch_21500")!.data as Float32Array;
    const table = await rows(tables, "fourier_embed", "SELECT freq, component, norm FROM $T WHERE model = 'model_p59_seed0' AND epoch = 21500 ORDER BY freq, component");
    expect(table).toHaveLength(59);
    expect(table.map((r) => r.norm)).toEqual(Array.from(fourier));
    expect(table.slice(0, 3).map((r) => [r.freq, r.component])).toEqual([[0, "const"], [1, "cos"], [1, "sin"]]);
    const freq = readNpz(join(SAMPLE, "model_p59_seed0", "artifacts", "neuron_freq_norm.npz")).get("epoch_28300")!.data as Float32Array;
    const neuron7 = await rows(tables, "neuron_freq", "SELECT freq, frac_explained, cluster FROM $T WHERE model = 'model_p59_seed0' AND epoch = 28300 AND neuron = 7 ORDER BY freq");
    expect(neuron7.map((r) => r.frac_explained)).toEqual(Array.from(freq.subarray(7 * 29, 8 * 29)));
  });

  it("keeps activations for 8 chosen neurons (the key clusters' best) at the 5 checkpoint files", async () => {
    const [summary] = await rows(tables, "neuron_activations", `
      SELECT count(DISTINCT neuron)::INT AS neurons, list(DISTINCT epoch ORDER BY epoch) AS epochs, count(*)::INT AS n
      FROM $T WHERE model = 'model_p59_seed0'`);
    expect(summary).toEqual({neurons: 8, epochs: [0, 1000, 9800, 21500, 28300], n: 5 * 8 * 59 * 59});
    // Each chosen neuron belongs to a key-frequency cluster at the final checkpoint.
    const clusters = await rows(tables, "neuron_freq", `
      SELECT DISTINCT neuron, cluster FROM $T WHERE model = 'model_p59_seed0' AND epoch = 28300
      AND neuron IN (SELECT DISTINCT neuron FROM ${"'" + tables.file("neuron_activations") + "'"} WHERE model = 'model_p59_seed0') ORDER BY neuron`);
    expect(new Set(clusters.map((r) => r.cluster))).toEqual(new Set([12, 20, 23, 28]));
  });

  it("progress: restricted loss from the shipped analyze outputs, with the final key frequencies", async () => {
    const progress = await rows(tables, "progress", "SELECT epoch, restricted_loss, excluded_loss, test_loss, key_freqs, source FROM $T WHERE model = 'model_p59_seed0' ORDER BY epoch");
    expect(progress).toHaveLength(26);
    expect(new Set(progress.map((r) => JSON.stringify(r.key_freqs)))).toEqual(new Set(["[12,20,23,28]"]));
    const at = (epoch: number) => progress.find((r) => r.epoch === epoch)!;
    expect(at(28300).restricted_loss as number).toBeLessThan(1e-6);
    expect(at(21500).excluded_loss as number).toBeGreaterThan(Math.log(59));
  });

  it("is reused while the inputs are unchanged and rebuilt when one changes", async () => {
    const again = await ensureCheckpointTables(SAMPLE, {root: join(scratch, "sample")});
    expect(again.built).toBe(false);
    expect(again.dir).toBe(tables.dir);
    const copy = join(scratch, "copy");
    cpSync(SAMPLE, copy, {recursive: true});
    const a = await ensureCheckpointTables(copy, {root: join(scratch, "copy-tables")});
    const metrics = join(copy, "model_p59_seed1", "metrics.jsonl");
    utimesSync(metrics, new Date(), new Date(Date.now() + 5000));
    const b = await ensureCheckpointTables(copy, {root: join(scratch, "copy-tables")});
    expect(b.built).toBe(true);
    expect(b.fingerprint).not.toBe(a.fingerprint);
  }, 300_000);
});

describe("the full dataset (../shared): GPU artifacts ingested, the rest computed", () => {
  let tables: CheckpointTables;
  beforeAll(async () => {
    tables = await ensureCheckpointTables(GROKKING, {root: join(scratch, "full")});
  }, 300_000);

  it("uses artifacts for seed 0's spectra and the final activations, computes what has no artifact", async () => {
    const sources = await rows(tables, "checkpoints", "SELECT model, fourier_source, neuron_source, progress_source, count(*)::INT AS n FROM $T GROUP BY ALL ORDER BY ALL");
    expect(sources).toEqual([
      {model: "model_p59_seed0", fourier_source: "artifact", neuron_source: "artifact", progress_source: "computed", n: 26},
      {model: "model_p59_seed1", fourier_source: "computed", neuron_source: "computed", progress_source: "computed", n: 4}
    ]);
    const [final] = await rows(tables, "checkpoints", "SELECT activations_source FROM $T WHERE model = 'model_p59_seed0' AND epoch = 28300");
    expect(final.activations_source).toBe("artifact");
    const [seed1] = await rows(tables, "checkpoints", "SELECT cluster_key_freqs FROM $T WHERE model = 'model_p59_seed1' AND epoch = 13600");
    expect(seed1.cluster_key_freqs).toEqual([5, 9, 15, 17]);
  });

  it("train_curves hold every logged epoch of metrics.jsonl", async () => {
    const counts = await rows(tables, "train_curves", "SELECT model, count(*)::INT AS n FROM $T GROUP BY model ORDER BY model");
    expect(counts).toEqual([
      {model: "model_p59_seed0", n: 647},
      {model: "model_p59_seed1", n: 353}
    ]);
  });
});

describe("missing and broken inputs become notes, never errors", () => {
  it("a results folder that does not exist: empty tables and a note naming it", async () => {
    const missing = join(scratch, "nowhere");
    const tables = await ensureCheckpointTables(missing, {root: join(scratch, "missing")});
    expect(await rows(tables, "checkpoints", "SELECT count(*)::INT AS n FROM $T")).toEqual([{n: 0}]);
    expect(await rows(tables, "checkpoint_notes", "SELECT level, message FROM $T")).toEqual([{level: "error", message: `${missing}: results folder does not exist`}]);
  });

  it("a corrupt artifact and a corrupt checkpoint are named; everything else is still there", async () => {
    const copy = join(scratch, "broken");
    cpSync(SAMPLE, copy, {recursive: true});
    const artifact = join(copy, "model_p59_seed0", "artifacts", "fourier_coefficients.npz");
    writeFileSync(artifact, readFileSync(artifact).subarray(0, 1000));
    const checkpoint = join(copy, "model_p59_seed0", "checkpoints", "checkpoint_epoch_09800.safetensors");
    writeFileSync(checkpoint, readFileSync(checkpoint).subarray(0, 300_000));
    const tables = await ensureCheckpointTables(copy, {root: join(scratch, "broken-tables")});
    const notes = (await rows(tables, "checkpoint_notes", "SELECT epoch, level, message FROM $T WHERE level = 'error' ORDER BY epoch NULLS FIRST")) as {epoch: number | null; message: string}[];
    expect(notes.some((n) => n.epoch === null && n.message.startsWith(artifact) && /artifact ignored/.test(n.message))).toBe(true);
    expect(notes.some((n) => n.epoch === 9800 && n.message.startsWith(checkpoint) && /tensor "/.test(n.message))).toBe(true);
    // Fourier norms now come from the checkpoint files (computed) where there is one, and are missing elsewhere.
    const fourier = await rows(tables, "checkpoints", "SELECT fourier_source, count(*)::INT AS n FROM $T WHERE model = 'model_p59_seed0' GROUP BY ALL ORDER BY ALL");
    expect(fourier).toEqual([
      {fourier_source: "computed", n: 4},
      {fourier_source: null, n: 22}
    ]);
    const warnings = await rows(tables, "checkpoint_notes", "SELECT message FROM $T WHERE level = 'warning'");
    expect(warnings.some((w) => /no embedding Fourier norms for 22 of 26 checkpoint epochs/.test(String(w.message)))).toBe(true);
  }, 300_000);
});

describe("results source", () => {
  it("RUNLENS_RESULTS_DIR wins, then runlens.config.json's \"checkpoints\", then the sample", () => {
    expect(resolveResultsSource({RUNLENS_RESULTS_DIR: "/data/results"}).dir).toBe("/data/results");
    const config = join(scratch, "runlens.config.json");
    writeFileSync(config, JSON.stringify({checkpoints: {results: "runs/results"}}));
    expect(resolveResultsSource({RUNLENS_CONFIG: config}).dir).toBe(join(scratch, "runs/results"));
    writeFileSync(config, JSON.stringify({checkpoints: "other"}));
    expect(resolveResultsSource({RUNLENS_CONFIG: config}).dir).toBe(join(scratch, "other"));
    writeFileSync(config, JSON.stringify({sources: []}));
    expect(resolveResultsSource({RUNLENS_CONFIG: config}).sample).toBe(true);
  });
});
