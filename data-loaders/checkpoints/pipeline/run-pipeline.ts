/**
 * `runlens analyze`: run the registered checkpoint analyses over every model folder and checkpoint of a
 * results folder, on worker threads, and write one artifact per (checkpoint, analysis):
 *
 *   <model>/analysis/epoch_{epoch:05d}/<analysis>.npz     arrays numpy opens (np.load), see artifact-codec.ts
 *   <model>/analysis/tables/<table>.parquet              the model's checkpoint tables (DuckDB, pandas)
 *   <model>/analysis/manifest.json                       options, key frequencies, neurons, timings
 *
 * Every file is written atomically (temporary file + rename). An artifact that exists (and was made
 * with the current key frequencies / neurons, for the two analyses that depend on them) is not redone,
 * so a re-run does no work unless `force`. A checkpoint that cannot be analysed (truncated or malformed
 * file, missing tensor, wrong shape, unknown dtype, missing or bad config) is reported with its file,
 * tensor and reason; the others are still analysed.
 *
 * Key frequencies for restricted/excluded loss and the neurons whose activations are kept come from a
 * model's final checkpoint (its reference): it is analysed first, or read from its existing artifacts
 * (`neuron-clusters`, or a GPU `artifacts/neuron_freq_norm.npz`).
 */
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync} from "node:fs";
import {createHash} from "node:crypto";
import {join} from "node:path";
import {clusterNeurons, hasAnalysis, listAnalyses, modelConfigFromJson} from "@runlens/analyses";
import {writeFileAtomic} from "../atomic-file.js";
import {readNpz} from "../npz.js";
import {writeNpz} from "../npz-write.js";
import {collectCheckpointData} from "../tables/collect.js";
import {writeCheckpointTables} from "../tables/write-tables.js";
import {chooseNeurons, describeFailure, type CheckpointOutcome, type CheckpointTask, type ModelReference} from "./analyse-checkpoint.js";
import {decodeResult, encodeResult} from "./artifact-codec.js";
import {artifactPath, findModels, pad5, trainIndicesOf, type ModelFolder} from "./discover.js";
import {AnalysisPool, defaultWorkerCount} from "./pool.js";
import {createAnalyzeProgress, type ProgressSink} from "./progress.js";

export interface AnalyzeOptions {
  resultsDir: string;
  /** "all" (default), "last", or a list of epochs. */
  epochs?: "all" | "last" | number[];
  /** Registry names (default: every registered analysis). */
  analyses?: string[];
  force?: boolean;
  /** Worker threads (default: one per core; 0 = analyse on the calling thread). */
  workers?: number;
  /** Neurons for neuron-activations (default "auto": 8 chosen from the final checkpoint's clusters). */
  neurons?: number[] | "all" | "auto";
  /** Write `<model>/analysis/tables/*.parquet` (default true). */
  tables?: boolean;
  progress?: ProgressSink;
  /** Warnings and notes, one line each. */
  log?: (line: string) => void;
}

export interface AnalyzeFailure {
  model: string;
  epoch: number | null;
  file: string;
  tensor: string | null;
  reason: string;
  message: string;
}

export interface AnalyzeSummary {
  models: number;
  /** Checkpoints selected. */
  checkpoints: number;
  /** Checkpoints analysed in this run (the work done). */
  analysed: number;
  /** Checkpoints whose artifacts were all present and current. */
  upToDate: number;
  artifactsWritten: number;
  failed: AnalyzeFailure[];
  /** Worker threads of the pool (0 = inline) and threads started. */
  workers: number;
  threadsStarted: number;
  /** threadId → checkpoints analysed on it. */
  byThread: Record<number, number>;
  /** Per analysed checkpoint: milliseconds inside the worker. */
  checkpointMs: number[];
  seconds: number;
  /** Model folders whose tables were (re)written. */
  tablesWritten: string[];
  warnings: string[];
}

export class UsageError extends Error {}

interface Stamp {
  size: number;
  mtimeMs: number;
  sha256: string;
}

function stampOf(path: string): Stamp | null {
  try {
    const info = statSync(path);
    return {size: info.size, mtimeMs: info.mtimeMs, sha256: createHash("sha256").update(readFileSync(path)).digest("hex")};
  } catch {
    return null;
  }
}

/** Is the checkpoint at `path` the one the stamp describes? (size + mtime, else the content hash) */
function sameCheckpoint(path: string, stamp: Partial<Stamp>): boolean {
  try {
    const info = statSync(path);
    if (info.size !== stamp.size) return false;
    if (info.mtimeMs === stamp.mtimeMs) return true;
    return typeof stamp.sha256 === "string" && createHash("sha256").update(readFileSync(path)).digest("hex") === stamp.sha256;
  } catch {
    return false;
  }
}

/** Parse `--epochs`: all | last | 0,1000,28300. */
export function parseEpochs(text: string): "all" | "last" | number[] {
  if (text === "all" || text === "last") return text;
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || !parts.every((s) => /^\d+$/.test(s))) throw new UsageError(`--epochs "${text}": expected all, last, or a comma-separated list of epochs such as 0,1000,28300`);
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Read some members of an existing artifact; null when absent or unreadable (then it is redone). */
function readArtifact(path: string, members: string[]): Record<string, unknown> | null {
  if (!existsSync(path)) return null;
  try {
    return decodeResult(readNpz(path, {only: members}));
  } catch {
    return null;
  }
}

export async function runAnalyzePipeline(options: AnalyzeOptions): Promise<AnalyzeSummary> {
  const started = performance.now();
  const names = options.analyses ?? listAnalyses().map((a) => a.name);
  for (const name of names) if (!hasAnalysis(name)) throw new UsageError(`unknown analysis "${name}" (known: ${listAnalyses().map((a) => a.name).join(", ")})`);
  const force = options.force === true;
  const neuronsOption = options.neurons ?? "auto";
  const log = options.log ?? (() => {});
  const models = findModels(options.resultsDir);
  const workers = options.workers ?? defaultWorkerCount();
  const summary: AnalyzeSummary = {models: models.length, checkpoints: 0, analysed: 0, upToDate: 0, artifactsWritten: 0, failed: [], workers, threadsStarted: 0, byThread: {}, checkpointMs: [], seconds: 0, tablesWritten: [], warnings: []};
  const warn = (line: string) => {
    summary.warnings.push(line);
    log(`warning: ${line}`);
  };
  if (models.length === 0) warn(`${options.resultsDir}: no model folders (model_p{p}_seed{seed}/ with config.json and checkpoints/)`);

  // Selected checkpoints per model.
  const selection = new Map<ModelFolder, number[]>();
  const requested = Array.isArray(options.epochs) ? options.epochs : null;
  for (const model of models) {
    const all = [...model.checkpoints.keys()];
    const epochs = options.epochs === "last" ? all.slice(-1) : requested ? requested.filter((e) => model.checkpoints.has(e)) : all;
    if (requested) {
      const absent = requested.filter((e) => !model.checkpoints.has(e));
      if (absent.length > 0 && model.checkpoints.size > 0) warn(`${model.name}: no checkpoint for epoch ${absent.join(", ")} (it has ${all.length}: ${all.slice(0, 6).join(", ")}${all.length > 6 ? ", …" : ""})`);
    }
    selection.set(model, epochs);
    summary.checkpoints += epochs.length;
  }
  const sink = options.progress ?? {write: () => {}, isTTY: false};
  const progress = createAnalyzeProgress(summary.checkpoints, sink);
  if (requested) {
    for (const epoch of requested) {
      if (!models.some((m) => m.checkpoints.has(epoch))) summary.failed.push({model: "*", epoch, file: options.resultsDir, tensor: null, reason: `no model has a checkpoint for epoch ${epoch}`, message: `${options.resultsDir}: no model has a checkpoint for epoch ${epoch}`});
    }
  }

  const pool = new AnalysisPool(workers, warn);
  let nextId = 0;
  const fail = (model: ModelFolder, epoch: number | null, failure: Omit<AnalyzeFailure, "model" | "epoch">) => summary.failed.push({model: model.name, epoch, ...failure});

  const processModel = async (model: ModelFolder): Promise<void> => {
    const epochs = selection.get(model)!;
    // Config problems fail every selected checkpoint of the model, each named.
    let configProblem: string | null = model.configError;
    let dMlp = 0;
    if (configProblem === null) {
      try {
        dMlp = modelConfigFromJson(model.config, model.configPath).dMlp;
      } catch (error) {
        configProblem = describeFailure(error, model.configPath).message;
      }
    }
    if (configProblem !== null) {
      const reason = configProblem.startsWith(model.configPath) ? configProblem.slice(model.configPath.length + 2) : configProblem;
      if (epochs.length === 0) fail(model, null, {file: model.configPath, tensor: null, reason, message: configProblem});
      for (const epoch of epochs) {
        fail(model, epoch, {file: model.configPath, tensor: null, reason, message: `${configProblem} (checkpoint ${pad5(epoch)} not analysed)`});
        progress.tick("failed");
      }
      return;
    }
    const config = model.config!;
    let analyses = names.slice();
    if (analyses.includes("progress-measures") && trainIndicesOf(config) === null) {
      fail(model, null, {file: model.configPath, tensor: null, reason: "no data_split.train_indices: progress-measures needs the train/test split", message: `${model.configPath}: no data_split.train_indices: progress-measures needs the train/test split (skipped for this model)`});
      analyses = analyses.filter((a) => a !== "progress-measures");
    }
    if (epochs.length === 0 || analyses.length === 0) return;
    // The manifest remembers each analysed checkpoint's size, mtime and SHA-256: a checkpoint file
    // replaced since its artifacts were written is analysed again (a copy with a new mtime but the same
    // content is not: the hash decides when only the mtime differs).
    const manifestPath = join(model.dir, "analysis", "manifest.json");
    let manifest: {epochs?: Record<string, {checkpoint?: Stamp | null}>} = {};
    try {
      manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    } catch {
      manifest = {};
    }
    const changedMemo = new Map<number, boolean>();
    const changed = (epoch: number): boolean => {
      let result = changedMemo.get(epoch);
      if (result === undefined) {
        const before = manifest.epochs?.[`epoch_${pad5(epoch)}`]?.checkpoint;
        result = before ? !sameCheckpoint(model.checkpoints.get(epoch)!, before) : false;
        changedMemo.set(epoch, result);
      }
      return result;
    };
    const written: {epoch: number; analyses: string[]; ms: number; threadId: number}[] = [];
    const task = (epoch: number, list: string[], extra: Partial<CheckpointTask["options"]>): CheckpointTask => ({
      id: nextId++,
      model: model.name,
      epoch,
      checkpointPath: model.checkpoints.get(epoch)!,
      configPath: model.configPath,
      config,
      analyses: list,
      options: {neurons: neuronsOption, ...extra}
    });
    const record = (outcome: CheckpointOutcome, epoch: number, counted: boolean): boolean => {
      if (!outcome.ok) {
        fail(model, epoch, outcome.failure);
        if (counted) progress.tick("failed");
        return false;
      }
      for (const [name, result] of Object.entries(outcome.results)) {
        writeNpz(artifactPath(model, epoch, name), encodeResult(name, result));
        summary.artifactsWritten++;
      }
      summary.analysed++;
      summary.checkpointMs.push(outcome.ms);
      summary.byThread[outcome.threadId] = (summary.byThread[outcome.threadId] ?? 0) + 1;
      written.push({epoch, analyses: Object.keys(outcome.results), ms: Math.round(outcome.ms), threadId: outcome.threadId});
      if (counted) progress.tick("analysed");
      return true;
    };
    const missing = (epoch: number) => analyses.filter((a) => force || changed(epoch) || !existsSync(artifactPath(model, epoch, a)));
    const done = new Set<number>();

    // The reference: key frequencies and neurons from the final checkpoint.
    const needsReference = analyses.includes("progress-measures") || (analyses.includes("neuron-activations") && neuronsOption === "auto");
    let reference: ModelReference | null = null;
    if (needsReference) {
      const finals = [...model.checkpoints.keys()].reverse();
      for (const epoch of finals) {
        const selected = epochs.includes(epoch);
        if (selected && missing(epoch).length > 0) {
          // Analyse the final checkpoint first, with its own key frequencies and neurons.
          const outcome = await pool.run(task(epoch, missing(epoch), {reference: true}));
          done.add(epoch);
          if (record(outcome, epoch, true) && outcome.ok) reference = outcome.reference ?? null;
        } else {
          // Its artifacts exist (or it is not selected): read the reference instead of recomputing.
          const own = changed(epoch) ? null : readArtifact(artifactPath(model, epoch, "neuron-clusters"), ["keyFrequencies", "cluster", "dominantFraction"]);
          const gpuPath = join(model.dir, "artifacts", "neuron_freq_norm.npz");
          if (own !== null) reference = {epoch, keyFrequencies: own.keyFrequencies as number[], neurons: chooseNeurons(own as unknown as Parameters<typeof chooseNeurons>[0])};
          else if (existsSync(gpuPath)) {
            try {
              const array = readNpz(gpuPath, {only: [`epoch_${pad5(epoch)}`]}).get(`epoch_${pad5(epoch)}`)!;
              const clusters = clusterNeurons(array.data as Float32Array, null, array.shape[0], array.shape[1]);
              reference = {epoch, keyFrequencies: clusters.keyFrequencies, neurons: chooseNeurons(clusters)};
            } catch {
              reference = null; // not in the artifact (or unreadable): analyse the checkpoint below
            }
          }
          if (reference === null) {
            // Not selected and nothing on disk: analyse its clusters (written, so a re-run reads them).
            progress.grow(1);
            const outcome = await pool.run(task(epoch, ["neuron-clusters"], {reference: true}));
            if (record(outcome, epoch, true) && outcome.ok) reference = outcome.reference ?? null;
          }
        }
        if (reference !== null) break;
        warn(`${model.name}: checkpoint ${pad5(epoch)} cannot serve as the final reference; trying the one before`);
      }
      if (reference === null) warn(`${model.name}: no checkpoint could be analysed as reference: restricted/excluded loss use each checkpoint's own key frequencies`);
    }
    const neurons = neuronsOption === "auto" ? reference?.neurons : neuronsOption === "all" ? Array.from({length: dMlp}, (_, n) => n) : neuronsOption;

    // Everything else, in parallel on the pool.
    await Promise.all(
      epochs
        .filter((epoch) => !done.has(epoch))
        .map(async (epoch) => {
          const todo = analyses.filter((a) => {
            if (force || changed(epoch) || !existsSync(artifactPath(model, epoch, a))) return true;
            if (a === "progress-measures" && reference !== null) {
              const have = readArtifact(artifactPath(model, epoch, a), ["keyFrequencies"]);
              return have === null || !sameList(have.keyFrequencies as number[], reference.keyFrequencies);
            }
            if (a === "neuron-activations" && neurons !== undefined) {
              const have = readArtifact(artifactPath(model, epoch, a), ["neurons"]);
              return have === null || !sameList(Array.from(have.neurons as Int32Array), neurons);
            }
            return false;
          });
          if (todo.length === 0) {
            summary.upToDate++;
            progress.tick("up-to-date");
            return;
          }
          const options: Partial<CheckpointTask["options"]> = {};
          if (reference !== null) options.keyFrequencies = reference.keyFrequencies;
          if (neurons !== undefined) options.neurons = neurons;
          record(await pool.run(task(epoch, todo, options)), epoch, true);
        })
    );

    // Manifest and the model's tables, only when something changed (a no-op re-run touches nothing).
    const tablesDir = join(model.dir, "analysis", "tables");
    if (written.length > 0) {
      const epochsInfo = {...(manifest.epochs ?? {})} as Record<string, unknown>;
      for (const w of written.sort((a, b) => a.epoch - b.epoch)) epochsInfo[`epoch_${pad5(w.epoch)}`] = {analyses: w.analyses, ms: w.ms, checkpoint: stampOf(model.checkpoints.get(w.epoch)!), updatedAt: new Date().toISOString()};
      const body = {
        tool: "runlens analyze",
        format: 'analysis/epoch_{epoch:05d}/<analysis>.npz: one .npy per result field (see README, "runlens analyze")',
        referenceEpoch: reference?.epoch ?? null,
        keyFrequencies: reference?.keyFrequencies ?? null,
        neurons: neuronsOption === "all" ? "all" : (neurons ?? null),
        epochs: Object.fromEntries(Object.entries(epochsInfo).sort(([a], [b]) => a.localeCompare(b)))
      };
      writeFileAtomic(manifestPath, `${JSON.stringify(body, null, 2)}\n`);
    }
    if (options.tables !== false && (written.length > 0 || !existsSync(tablesDir))) {
      try {
        await writeModelTables(model, tablesDir);
        summary.tablesWritten.push(model.name);
      } catch (error) {
        fail(model, null, {file: tablesDir, tensor: null, reason: (error as Error).message, message: `${tablesDir}: cannot write the tables: ${(error as Error).message}`});
      }
    }
  };

  try {
    await Promise.all(models.map(processModel));
  } finally {
    summary.threadsStarted = pool.started;
    await pool.close();
  }
  progress.finish();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** `<model>/analysis/tables/*.parquet` from the pipeline outputs (and GPU artifacts), swapped in whole. */
async function writeModelTables(model: ModelFolder, tablesDir: string): Promise<void> {
  const data = await collectCheckpointData(model.dir, {prefer: "pipeline", compute: false});
  const temp = `${tablesDir}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(temp, {recursive: true});
  try {
    await writeCheckpointTables(data, temp);
    const old = `${tablesDir}.${process.pid}.${Date.now()}.old.tmp`;
    if (existsSync(tablesDir)) renameSync(tablesDir, old);
    renameSync(temp, tablesDir);
    rmSync(old, {recursive: true, force: true});
  } catch (error) {
    rmSync(temp, {recursive: true, force: true});
    throw error;
  }
}
