/**
 * Analyse one whole checkpoint: read the safetensors file, assemble and check the model against the
 * config, run the requested analyses on one shared context (one forward pass), and return plain data
 * (typed arrays, numbers, arrays): structuredClone-safe, so a worker thread can post it back as is.
 * Every failure comes back as a `CheckpointFailure` naming the file, the tensor (when one is at fault)
 * and the reason, instead of a thrown error.
 */
import {threadId} from "node:worker_threads";
import {
  createCheckpointContext,
  modelConfigFromJson,
  modelFromTensors,
  runAnalysis,
  ModelShapeError,
  type NeuronClustersResult
} from "@runlens/analyses";
import {TensorFileError} from "../errors.js";
import {readSafetensors} from "../safetensors.js";

export interface CheckpointTaskOptions {
  /** Key frequencies for progress-measures (Nanda et al.: the final model's); default this checkpoint's own. */
  keyFrequencies?: number[];
  /** Neurons for neuron-activations: indices, "all", or "auto" (chosen from this checkpoint's clusters). */
  neurons?: number[] | "all" | "auto";
  /** How many neurons "auto" picks (default 8). */
  autoNeurons?: number;
  /** Also return this checkpoint's key frequencies and auto-chosen neurons (the model's reference). */
  reference?: boolean;
}

export interface CheckpointTask {
  id: number;
  model: string;
  epoch: number;
  checkpointPath: string;
  configPath: string;
  /** Parsed config.json (the whole object; train_indices come from data_split). */
  config: Record<string, unknown>;
  analyses: string[];
  options: CheckpointTaskOptions;
}

/** What a model's final checkpoint fixes for all others: key frequencies and the neurons to show. */
export interface ModelReference {
  epoch: number;
  keyFrequencies: number[];
  neurons: number[];
}

export interface CheckpointFailure {
  /** The file at fault (checkpoint or config.json). */
  file: string;
  /** The tensor at fault, or null for file-level problems. */
  tensor: string | null;
  reason: string;
  /** One line: file, tensor, reason. */
  message: string;
}

export type CheckpointOutcome =
  | {ok: true; id: number; results: Record<string, unknown>; ms: number; threadId: number; reference?: ModelReference}
  | {ok: false; id: number; failure: CheckpointFailure; ms: number; threadId: number};

/** Normalise any error into file / tensor / reason. */
export function describeFailure(error: unknown, file: string): CheckpointFailure {
  if (error instanceof TensorFileError) return {file: error.file, tensor: error.tensor, reason: error.reason, message: error.message};
  if (error instanceof ModelShapeError) {
    return {file: error.source, tensor: error.tensor, reason: error.reason, message: `${error.source}${error.tensor === null ? "" : `: tensor "${error.tensor}"`}: ${error.reason}`};
  }
  const reason = error instanceof Error ? error.message : String(error);
  return {file, tensor: null, reason, message: `${file}: ${reason}`};
}

/**
 * Neurons to show for a model: for each key frequency (ascending), the neurons of its cluster that it
 * explains best, taken round-robin across the key frequencies until `count` are chosen; neurons of no
 * cluster fill up when there are too few. Deterministic (ties → lower neuron index).
 */
export function chooseNeurons(clusters: Pick<NeuronClustersResult, "cluster" | "dominantFraction" | "keyFrequencies">, count = 8): number[] {
  const M = clusters.cluster.length;
  const byFraction = (x: number, y: number) => clusters.dominantFraction[y] - clusters.dominantFraction[x] || x - y;
  const lists = clusters.keyFrequencies.map((k) => Array.from({length: M}, (_, n) => n).filter((n) => clusters.cluster[n] === k).sort(byFraction));
  const chosen: number[] = [];
  for (let round = 0; chosen.length < count && lists.some((list) => list.length > round); ++round) {
    for (const list of lists) if (round < list.length && chosen.length < count) chosen.push(list[round]);
  }
  if (chosen.length < count) {
    const rest = Array.from({length: M}, (_, n) => n).filter((n) => !chosen.includes(n)).sort(byFraction);
    chosen.push(...rest.slice(0, count - chosen.length));
  }
  return chosen.sort((x, y) => x - y);
}

export function analyseCheckpoint(task: CheckpointTask): CheckpointOutcome {
  const t0 = performance.now();
  let stage = task.checkpointPath;
  try {
    stage = task.configPath;
    const config = modelConfigFromJson(task.config, task.configPath);
    const split = (task.config.data_split ?? {}) as {train_indices?: number[]};
    stage = task.checkpointPath;
    const file = readSafetensors(task.checkpointPath);
    const model = modelFromTensors(file.tensors, config, task.checkpointPath);
    const context = createCheckpointContext(model, {trainIndices: split.train_indices});
    const results: Record<string, unknown> = {};
    let clusters: NeuronClustersResult | undefined;
    const ownClusters = () => (clusters ??= runAnalysis("neuron-clusters", context));
    for (const name of task.analyses) {
      let options: unknown = {};
      if (name === "progress-measures" && task.options.keyFrequencies !== undefined) options = {keyFrequencies: task.options.keyFrequencies};
      if (name === "neuron-activations") {
        const wanted = task.options.neurons ?? "auto";
        options = {neurons: wanted === "auto" ? chooseNeurons(ownClusters(), task.options.autoNeurons ?? 8) : wanted};
      }
      results[name] = runAnalysis(name, context, options);
    }
    const reference = task.options.reference ? {epoch: task.epoch, keyFrequencies: ownClusters().keyFrequencies, neurons: chooseNeurons(ownClusters(), task.options.autoNeurons ?? 8)} : undefined;
    return {ok: true, id: task.id, results, ms: performance.now() - t0, threadId, reference};
  } catch (error) {
    return {ok: false, id: task.id, failure: describeFailure(error, stage), ms: performance.now() - t0, threadId};
  }
}
