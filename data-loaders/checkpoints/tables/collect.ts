/**
 * Gather everything the checkpoint tables need from a results folder, per model and epoch, from the
 * cheapest source that has it:
 *   1. GPU-precomputed artifacts `artifacts/*.npz` (fourier_coefficients, neuron_freq_norm,
 *      neuron_activations), ingested as they are;
 *   2. outputs of `runlens analyze` (`analysis/epoch_XXXXX/<analysis>.npz`);
 *   3. the analyses run here on the checkpoint file (only what 1 and 2 lack; `compute: false` skips).
 * (`prefer: "pipeline"` swaps 1 and 2.) Nothing here throws on bad data: an unreadable artifact, a
 * malformed checkpoint or a missing file becomes a note (model, epoch, level, message) and the other
 * sources and checkpoints are used.
 *
 * Restricted/excluded loss use one set of key frequencies per model, the final checkpoint's (as Nanda
 * et al.), and activations are kept for a few chosen neurons (the best-explained neurons of each key
 * frequency, see chooseNeurons) at a few chosen epochs: p²·d_mlp values per checkpoint are too many to
 * ship for every checkpoint.
 */
import {existsSync, readFileSync} from "node:fs";
import {join, relative} from "node:path";
import {clusterNeurons, dominantByGap, type ProgressMeasuresResult} from "@runlens/analyses";
import {listNpz, readNpz, type NpyArray} from "../npz.js";
import {decodeResult} from "../pipeline/artifact-codec.js";
import {chooseNeurons, type CheckpointTask} from "../pipeline/analyse-checkpoint.js";
import {artifactPath, findModels, pad5, pipelineEpochs, resultsRoot, trainIndicesOf, type ModelFolder} from "../pipeline/discover.js";
import {AnalysisPool, defaultWorkerCount} from "../pipeline/pool.js";

export type DataSource = "artifact" | "pipeline" | "computed";

export interface Note {
  model: string | null;
  epoch: number | null;
  level: "error" | "warning" | "info";
  message: string;
}

export interface MetricsRow {
  epoch: number;
  train_loss: number | null;
  test_loss: number | null;
  train_acc: number | null;
  test_acc: number | null;
}

export interface EpochData {
  epoch: number;
  /** Checkpoint file, relative to the results folder (null when absent). */
  path: string | null;
  absolutePath: string | null;
  fourier?: {norms: ArrayLike<number>; source: DataSource};
  neuronFreq?: {fractions: ArrayLike<number>; source: DataSource};
  progress?: {result: ProgressMeasuresResult; source: DataSource};
  activations?: {neurons: number[]; values: Float32Array; source: DataSource};
}

export interface CollectedModel {
  name: string;
  p: number;
  seed: number;
  dMlp: number;
  nFreqs: number;
  metrics: MetricsRow[];
  epochs: Map<number, EpochData>;
  /** Key frequencies (neuron clusters of the reference = final epoch) used for restricted/excluded loss. */
  keyFrequencies: number[];
  referenceEpoch: number | null;
  /** Neurons kept in neuron_activations. */
  neurons: number[];
}

export interface CheckpointData {
  /** The folder holding the model folders (null when the results folder does not exist). */
  root: string | null;
  models: CollectedModel[];
  notes: Note[];
  /** Checkpoints analysed here (sources 3). */
  computed: number;
}

export interface CollectOptions {
  prefer?: "artifacts" | "pipeline";
  compute?: boolean;
  /** Worker threads for computing (default: inline for up to 4 checkpoints, else one per core). */
  workers?: number;
  maxActivationEpochs?: number;
  activationNeurons?: number;
  /** Only these model folders (names). */
  models?: string[];
  log?: (message: string) => void;
}

const EPOCH_MEMBER = /^epoch_(\d+)$/;

function readMetrics(model: ModelFolder, notes: Note[]): MetricsRow[] {
  const path = join(model.dir, "metrics.jsonl");
  if (!existsSync(path)) {
    notes.push({model: model.name, epoch: null, level: "warning", message: `${path} is missing: no train/test curves for this model`});
    return [];
  }
  const rows = new Map<number, MetricsRow>();
  const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
  let bad = 0;
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (line.trim() === "") return;
      try {
        const m = JSON.parse(line);
        if (!Number.isInteger(m?.epoch)) throw new Error("no integer epoch");
        rows.set(m.epoch, {epoch: m.epoch, train_loss: num(m.train_loss), test_loss: num(m.test_loss), train_acc: num(m.train_acc), test_acc: num(m.test_acc)});
      } catch (error) {
        if (bad++ === 0) notes.push({model: model.name, epoch: null, level: "warning", message: `${path}:${index + 1}: skipped a line that is not a metrics record (${(error as Error).message})`});
      }
    });
  if (bad > 1) notes.push({model: model.name, epoch: null, level: "warning", message: `${path}: ${bad} malformed lines skipped in total`});
  return [...rows.values()].sort((a, b) => a.epoch - b.epoch);
}

function metadataEpochs(model: ModelFolder): number[] {
  try {
    const meta = JSON.parse(readFileSync(join(model.dir, "metadata.json"), "utf8"));
    return Array.isArray(meta?.checkpoint_epochs) ? meta.checkpoint_epochs.filter((e: unknown) => Number.isInteger(e)) : [];
  } catch {
    return [];
  }
}

/** An `artifacts/<name>.npz` with one `epoch_XXXXX` array per checkpoint, checked against `shape`. */
function readEpochArtifact(model: ModelFolder, file: string, shape: number[], notes: Note[], only?: number[]): Map<number, NpyArray> {
  const path = join(model.dir, "artifacts", file);
  const out = new Map<number, NpyArray>();
  if (!existsSync(path)) return out;
  try {
    const arrays = readNpz(path, only === undefined ? {} : {only: only.map((e) => `epoch_${pad5(e)}`)});
    for (const [name, array] of arrays) {
      const m = EPOCH_MEMBER.exec(name);
      if (!m) continue;
      if (array.shape.length !== shape.length || array.shape.some((d, i) => d !== shape[i])) {
        notes.push({model: model.name, epoch: Number(m[1]), level: "warning", message: `${path}: array "${name}" has shape [${array.shape.join(", ")}], expected [${shape.join(", ")}]; ignored`});
        continue;
      }
      out.set(Number(m[1]), array);
    }
  } catch (error) {
    notes.push({model: model.name, epoch: null, level: "error", message: `${(error as Error).message} (artifact ignored)`});
  }
  return out;
}

/** Epochs listed in an artifact file, without decoding it. */
function artifactEpochs(model: ModelFolder, file: string): number[] {
  const path = join(model.dir, "artifacts", file);
  if (!existsSync(path)) return [];
  try {
    return [...readNpzNames(path)].map((n) => EPOCH_MEMBER.exec(n)).filter((m) => m !== null).map((m) => Number(m![1]));
  } catch {
    return [];
  }
}

function readNpzNames(path: string): string[] {
  return listNpz(readFileSync(path), path).map((m) => m.name);
}

function readPipeline(model: ModelFolder, epoch: number, analysis: string, notes: Note[]): Record<string, unknown> | null {
  const path = artifactPath(model, epoch, analysis);
  if (!existsSync(path)) return null;
  try {
    return decodeResult(readNpz(path));
  } catch (error) {
    notes.push({model: model.name, epoch, level: "error", message: `${(error as Error).message} (run \`runlens analyze --force\` to rewrite it)`});
    return null;
  }
}

/** Evenly spaced picks of at most `max` epochs, always the first and last. */
export function pickEpochs(epochs: number[], max: number): number[] {
  if (epochs.length <= max) return epochs.slice();
  if (max <= 1) return epochs.slice(-1);
  const out = new Set<number>();
  for (let i = 0; i < max; ++i) out.add(epochs[Math.round((i * (epochs.length - 1)) / (max - 1))]);
  return [...out].sort((a, b) => a - b);
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export async function collectCheckpointData(resultsDir: string, options: CollectOptions = {}): Promise<CheckpointData> {
  const notes: Note[] = [];
  const log = options.log ?? (() => {});
  let root: string;
  let folders: ModelFolder[];
  try {
    root = resultsRoot(resultsDir);
    folders = findModels(root);
  } catch (error) {
    notes.push({model: null, epoch: null, level: "error", message: (error as Error).message});
    return {root: null, models: [], notes, computed: 0};
  }
  if (options.models) folders = folders.filter((f) => options.models!.includes(f.name));
  if (folders.length === 0) notes.push({model: null, epoch: null, level: "warning", message: `${root}: no model folders (model_p{p}_seed{seed}/ with config.json)`});
  const preferPipeline = options.prefer === "pipeline";
  const compute = options.compute !== false;
  const maxActivationEpochs = options.maxActivationEpochs ?? 12;
  const activationNeurons = options.activationNeurons ?? 8;
  const models: CollectedModel[] = [];
  const tasks: {model: CollectedModel; folder: ModelFolder; task: CheckpointTask; phase: 1 | 2}[] = [];
  let nextId = 0;

  for (const folder of folders) {
    if (folder.configError !== null) {
      notes.push({model: folder.name, epoch: null, level: "error", message: folder.configError});
      continue;
    }
    const config = folder.config!;
    const modelConfig = (config.model ?? {}) as Record<string, unknown>;
    const p = folder.p;
    const dMlp = typeof modelConfig.d_mlp === "number" ? modelConfig.d_mlp : NaN;
    if (!Number.isInteger(p) || p < 3 || !Number.isInteger(dMlp)) {
      notes.push({model: folder.name, epoch: null, level: "error", message: `${folder.configPath}: needs integer p and model.d_mlp (got p = ${p}, d_mlp = ${modelConfig.d_mlp})`});
      continue;
    }
    const K = (p - 1) >> 1;
    const model: CollectedModel = {name: folder.name, p, seed: folder.seed, dMlp, nFreqs: K, metrics: readMetrics(folder, notes), epochs: new Map(), keyFrequencies: [], referenceEpoch: null, neurons: []};
    models.push(model);
    const epochOf = (epoch: number): EpochData => {
      let e = model.epochs.get(epoch);
      if (!e) {
        const file = folder.checkpoints.get(epoch) ?? null;
        e = {epoch, path: file === null ? null : relative(root, file).split("\\").join("/"), absolutePath: file};
        model.epochs.set(epoch, e);
      }
      return e;
    };
    for (const epoch of folder.checkpoints.keys()) epochOf(epoch);
    for (const epoch of metadataEpochs(folder)) epochOf(epoch);

    // 1. GPU-precomputed artifacts.
    const artFourier = readEpochArtifact(folder, "fourier_coefficients.npz", [p], notes);
    const artFreq = readEpochArtifact(folder, "neuron_freq_norm.npz", [dMlp, K], notes);
    // 2. Pipeline outputs.
    const pipeFourier = new Map<number, ArrayLike<number>>();
    const pipeFreq = new Map<number, ArrayLike<number>>();
    const pipeProgress = new Map<number, ProgressMeasuresResult>();
    for (const epoch of pipelineEpochs(folder.dir, "embed-fourier")) {
      const r = readPipeline(folder, epoch, "embed-fourier", notes);
      if (r && (r.componentNorms as ArrayLike<number>)?.length === p) pipeFourier.set(epoch, r.componentNorms as ArrayLike<number>);
    }
    for (const epoch of pipelineEpochs(folder.dir, "neuron-frequencies")) {
      const r = readPipeline(folder, epoch, "neuron-frequencies", notes);
      if (r && (r.fractions as ArrayLike<number>)?.length === dMlp * K) pipeFreq.set(epoch, r.fractions as ArrayLike<number>);
    }
    for (const epoch of pipelineEpochs(folder.dir, "progress-measures")) {
      const r = readPipeline(folder, epoch, "progress-measures", notes);
      if (r && typeof r.restrictedLoss === "number") pipeProgress.set(epoch, r as unknown as ProgressMeasuresResult);
    }
    const pick = <T>(epoch: number, art: Map<number, T>, pipe: Map<number, T>): [T, DataSource] | null => {
      const order: [Map<number, T>, DataSource][] = preferPipeline ? [[pipe, "pipeline"], [art, "artifact"]] : [[art, "artifact"], [pipe, "pipeline"]];
      for (const [map, source] of order) if (map.has(epoch)) return [map.get(epoch)!, source];
      return null;
    };
    for (const epoch of [...artFourier.keys(), ...artFreq.keys(), ...pipeFourier.keys(), ...pipeFreq.keys(), ...pipeProgress.keys()]) epochOf(epoch);
    const sorted = [...model.epochs.keys()].sort((a, b) => a - b);
    model.epochs = new Map(sorted.map((e) => [e, model.epochs.get(e)!]));
    for (const e of model.epochs.values()) {
      const f = pick(e.epoch, new Map([...artFourier].map(([k, v]) => [k, v.data as ArrayLike<number>])), pipeFourier);
      if (f) e.fourier = {norms: f[0], source: f[1]};
      const n = pick(e.epoch, new Map([...artFreq].map(([k, v]) => [k, v.data as ArrayLike<number>])), pipeFreq);
      if (n) e.neuronFreq = {fractions: n[0], source: n[1]};
      const pr = pipeProgress.get(e.epoch);
      if (pr) e.progress = {result: pr, source: "pipeline"};
    }
    if (trainIndicesOf(config) === null) notes.push({model: folder.name, epoch: null, level: "warning", message: `${folder.configPath}: no data_split.train_indices, so restricted/excluded loss cannot be computed from checkpoints`});

    // Reference epoch: the last one with neuron frequencies or a checkpoint file.
    const candidates = sorted.filter((e) => model.epochs.get(e)!.neuronFreq || folder.checkpoints.has(e));
    model.referenceEpoch = candidates.at(-1) ?? null;
    const ref = model.referenceEpoch === null ? null : model.epochs.get(model.referenceEpoch)!;
    if (ref && !ref.neuronFreq && compute && ref.absolutePath) {
      tasks.push({model, folder, phase: 1, task: {id: nextId++, model: folder.name, epoch: ref.epoch, checkpointPath: ref.absolutePath, configPath: folder.configPath, config, analyses: ["neuron-frequencies"], options: {}}});
    }
  }

  let computed = 0;
  const runTasks = async (batch: typeof tasks): Promise<void> => {
    if (batch.length === 0) return;
    const pool = new AnalysisPool(options.workers ?? (batch.length > 4 ? defaultWorkerCount() : 0), (message) => notes.push({model: null, epoch: null, level: "warning", message}));
    log(`computing ${batch.length} checkpoint(s) that have no precomputed analyses (${pool.size === 0 ? "inline" : `${pool.size} workers`}); \`runlens analyze\` caches them`);
    try {
      await Promise.all(
        batch.map(async ({model, task}) => {
          const outcome = await pool.run(task);
          computed++;
          const e = model.epochs.get(task.epoch)!;
          if (!outcome.ok) {
            notes.push({model: model.name, epoch: task.epoch, level: "error", message: outcome.failure.message});
            return;
          }
          const r = outcome.results;
          if (r["embed-fourier"]) e.fourier = {norms: (r["embed-fourier"] as {componentNorms: Float64Array}).componentNorms, source: "computed"};
          if (r["neuron-frequencies"]) e.neuronFreq = {fractions: (r["neuron-frequencies"] as {fractions: Float64Array}).fractions, source: "computed"};
          if (r["progress-measures"]) e.progress = {result: r["progress-measures"] as ProgressMeasuresResult, source: "computed"};
          if (r["neuron-activations"]) {
            const a = r["neuron-activations"] as {neurons: Int32Array; values: Float32Array};
            e.activations = {neurons: Array.from(a.neurons), values: a.values, source: "computed"};
          }
        })
      );
    } finally {
      await pool.close();
    }
  };
  await runTasks(tasks.filter((t) => t.phase === 1));

  // Reference clusters → key frequencies and chosen neurons; then what is still missing.
  const phase2: typeof tasks = [];
  const activationPlans = new Map<CollectedModel, number[]>();
  for (const model of models) {
    const folder = folders.find((f) => f.name === model.name)!;
    const ref = model.referenceEpoch === null ? undefined : model.epochs.get(model.referenceEpoch);
    if (ref?.neuronFreq) {
      const clusters = clusterNeurons(ref.neuronFreq.fractions, null, model.dMlp, model.nFreqs);
      model.keyFrequencies = clusters.keyFrequencies;
      model.neurons = chooseNeurons(clusters, activationNeurons);
    } else {
      model.neurons = Array.from({length: Math.min(activationNeurons, model.dMlp)}, (_, i) => i);
      if (model.epochs.size > 0) notes.push({model: model.name, epoch: model.referenceEpoch, level: "warning", message: "no neuron frequencies for the final checkpoint: key frequencies unknown, activations shown for neurons 0.." + (model.neurons.length - 1)});
    }
    // Pipeline progress computed with other key frequencies than the reference's: say so.
    for (const e of model.epochs.values()) {
      if (e.progress && model.keyFrequencies.length > 0 && !sameList(e.progress.result.keyFrequencies, model.keyFrequencies)) {
        notes.push({model: model.name, epoch: e.epoch, level: "info", message: `restricted/excluded loss at epoch ${e.epoch} used key frequencies [${e.progress.result.keyFrequencies.join(", ")}], the final checkpoint's are [${model.keyFrequencies.join(", ")}]`});
      }
    }
    // Activations: artifact / pipeline outputs holding the chosen neurons, or checkpoints to compute.
    const artActEpochs = new Set(artifactEpochs(folder, "neuron_activations.npz"));
    const pipeAct = new Map<number, {neurons: number[]; values: Float32Array}>();
    for (const epoch of pipelineEpochs(folder.dir, "neuron-activations")) {
      const r = readPipeline(folder, epoch, "neuron-activations", []);
      if (!r) continue;
      const neurons = Array.from(r.neurons as Int32Array);
      if (model.neurons.every((n) => neurons.includes(n))) pipeAct.set(epoch, {neurons, values: r.values as Float32Array});
    }
    const available = [...model.epochs.keys()].filter((e) => artActEpochs.has(e) || pipeAct.has(e) || (compute && folder.checkpoints.has(e)));
    const chosen = pickEpochs(available, maxActivationEpochs);
    activationPlans.set(model, chosen);
    const N = model.p * model.p;
    const fromArtifact = chosen.filter((e) => artActEpochs.has(e) && !(preferPipeline && pipeAct.has(e)));
    if (fromArtifact.length > 0) {
      const arrays = readEpochArtifact(folder, "neuron_activations.npz", [N, model.dMlp], notes, fromArtifact);
      for (const [epoch, array] of arrays) {
        const values = new Float32Array(model.neurons.length * N);
        const data = array.data as Float32Array;
        model.neurons.forEach((n, j) => {
          for (let i = 0; i < N; ++i) values[j * N + i] = data[i * model.dMlp + n];
        });
        model.epochs.get(epoch)!.activations = {neurons: model.neurons.slice(), values, source: "artifact"};
      }
    }
    for (const epoch of chosen) {
      const e = model.epochs.get(epoch)!;
      if (e.activations) continue;
      const pipe = pipeAct.get(epoch);
      if (pipe) {
        const values = new Float32Array(model.neurons.length * N);
        model.neurons.forEach((n, j) => values.set(pipe.values.subarray(pipe.neurons.indexOf(n) * N, (pipe.neurons.indexOf(n) + 1) * N), j * N));
        e.activations = {neurons: model.neurons.slice(), values, source: "pipeline"};
      }
    }
    if (!compute) continue;
    const config = folder.config!;
    const canProgress = trainIndicesOf(config) !== null;
    for (const e of model.epochs.values()) {
      if (!e.absolutePath) continue;
      const analyses: string[] = [];
      if (!e.fourier) analyses.push("embed-fourier");
      if (!e.neuronFreq) analyses.push("neuron-frequencies");
      if (!e.progress && canProgress) analyses.push("progress-measures");
      if (!e.activations && chosen.includes(e.epoch)) analyses.push("neuron-activations");
      if (analyses.length === 0) continue;
      phase2.push({
        model,
        folder,
        phase: 2,
        task: {
          id: nextId++,
          model: model.name,
          epoch: e.epoch,
          checkpointPath: e.absolutePath,
          configPath: folder.configPath,
          config,
          analyses,
          options: {keyFrequencies: model.keyFrequencies.length > 0 ? model.keyFrequencies : undefined, neurons: model.neurons}
        }
      });
    }
  }
  await runTasks(phase2);

  // What is still missing, said once per model and kind.
  for (const model of models) {
    const missing = (what: string, has: (e: EpochData) => boolean) => {
      const lacking = [...model.epochs.values()].filter((e) => !has(e)).map((e) => e.epoch);
      if (lacking.length > 0) {
        notes.push({
          model: model.name,
          epoch: null,
          level: "warning",
          message: `no ${what} for ${lacking.length} of ${model.epochs.size} checkpoint epochs (${lacking.slice(0, 8).join(", ")}${lacking.length > 8 ? ", …" : ""}): no artifact, no \`runlens analyze\` output${compute ? " and no readable checkpoint file" : " (computing from checkpoints is off)"}`
        });
      }
    };
    missing("embedding Fourier norms", (e) => e.fourier !== undefined);
    missing("neuron frequencies", (e) => e.neuronFreq !== undefined);
    missing("restricted/excluded loss", (e) => e.progress !== undefined);
    const plan = activationPlans.get(model) ?? [];
    const shown = plan.filter((e) => model.epochs.get(e)?.activations);
    if (shown.length === 0 && model.epochs.size > 0) notes.push({model: model.name, epoch: null, level: "warning", message: "no neuron activations: no checkpoint file and no activation artifact"});
  }
  return {root, models, notes, computed};
}

/** Key frequencies of the embedding at one epoch (largest gap among the top 8 frequency norms). */
export function embedKeyFrequencies(norms: ArrayLike<number>, p: number): number[] {
  const K = (p - 1) >> 1;
  const freq = new Float64Array(K);
  for (let k = 1; k <= K; ++k) freq[k - 1] = Math.hypot(norms[2 * k - 1], norms[2 * k]);
  return dominantByGap(freq, 8).keyFrequencies;
}
