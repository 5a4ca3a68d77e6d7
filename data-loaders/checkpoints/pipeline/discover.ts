/**
 * Find model folders and their checkpoints in a results folder laid out as
 *   <results>/model_p{p}_seed{seed}/config.json
 *                                   metadata.json, metrics.jsonl          (optional)
 *                                   checkpoints/checkpoint_epoch_{epoch:05d}.safetensors
 *                                   artifacts/*.npz                       (optional, GPU-precomputed)
 *                                   analysis/epoch_{epoch:05d}/<analysis>.npz   (written by `runlens analyze`)
 * `<results>` may also be one model folder itself, or a folder holding `results/` (a dataset root).
 */
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {basename, join, resolve} from "node:path";
import {SourceError} from "../../errors.js";

export const MODEL_DIR = /^model_p(\d+)_seed(\d+)$/;
export const CHECKPOINT_FILE = /^checkpoint_epoch_(\d+)\.safetensors$/;

export const pad5 = (epoch: number): string => String(epoch).padStart(5, "0");

export interface ModelFolder {
  /** Folder name, e.g. "model_p59_seed0" (the `model` column of the tables). */
  name: string;
  dir: string;
  /** From the folder name (config.json's `p` / `seed` win when present). */
  p: number;
  seed: number;
  configPath: string;
  /** Parsed config.json, or null with `configError` saying why. */
  config: Record<string, unknown> | null;
  configError: string | null;
  /** Checkpoint files by epoch, ascending. */
  checkpoints: Map<number, string>;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The folder that holds the model folders. */
export function resultsRoot(path: string): string {
  const dir = resolve(path);
  if (!isDir(dir)) throw new SourceError(dir, "results folder does not exist");
  if (MODEL_DIR.test(basename(dir)) || existsSync(join(dir, "config.json"))) return dir;
  if (!readdirSync(dir).some((name) => MODEL_DIR.test(name)) && isDir(join(dir, "results"))) return join(dir, "results");
  return dir;
}

function readModel(dir: string, name: string): ModelFolder {
  const match = MODEL_DIR.exec(name);
  const configPath = join(dir, "config.json");
  let config: Record<string, unknown> | null = null;
  let configError: string | null = null;
  if (!existsSync(configPath)) configError = `${configPath}: missing config.json (the model's p, architecture and train split)`;
  else {
    try {
      const parsed = JSON.parse(readFileSync(configPath, "utf8"));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) configError = `${configPath}: not a JSON object`;
      else config = parsed;
    } catch (error) {
      configError = `${configPath}: not valid JSON (${(error as Error).message})`;
    }
  }
  const checkpoints = new Map<number, string>();
  const folder = join(dir, "checkpoints");
  if (isDir(folder)) {
    const found: [number, string][] = [];
    for (const file of readdirSync(folder)) {
      const m = CHECKPOINT_FILE.exec(file);
      if (m) found.push([Number(m[1]), join(folder, file)]);
    }
    found.sort((a, b) => a[0] - b[0]);
    for (const [epoch, path] of found) checkpoints.set(epoch, path);
  }
  const p = typeof config?.p === "number" ? config.p : match ? Number(match[1]) : NaN;
  const seed = typeof config?.seed === "number" ? config.seed : match ? Number(match[2]) : NaN;
  return {name, dir, p, seed, configPath, config, configError, checkpoints};
}

/**
 * Model folders under `path` (sorted by name): folders named `model_p*_seed*`, and any other folder
 * with a config.json and a checkpoints/ folder. A model folder without config.json is listed with
 * `configError` set, so its checkpoints are reported rather than silently skipped.
 */
export function findModels(path: string): ModelFolder[] {
  const root = resultsRoot(path);
  if (MODEL_DIR.test(basename(root)) || existsSync(join(root, "config.json"))) return [readModel(root, basename(root))];
  const models: ModelFolder[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!isDir(dir)) continue;
    if (MODEL_DIR.test(name) || (existsSync(join(dir, "config.json")) && isDir(join(dir, "checkpoints")))) models.push(readModel(dir, name));
  }
  return models;
}

/** Where `runlens analyze` puts an analysis of one checkpoint. */
export function artifactPath(model: ModelFolder | string, epoch: number, analysis: string): string {
  return join(typeof model === "string" ? model : model.dir, "analysis", `epoch_${pad5(epoch)}`, `${analysis}.npz`);
}

/** Epochs that have pipeline outputs for `analysis` in a model folder. */
export function pipelineEpochs(modelDir: string, analysis: string): number[] {
  const root = join(modelDir, "analysis");
  if (!isDir(root)) return [];
  const out: number[] = [];
  for (const name of readdirSync(root)) {
    const m = /^epoch_(\d+)$/.exec(name);
    if (m && existsSync(join(root, name, `${analysis}.npz`))) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** The training split of a config.json (`data_split.train_indices`), or null. */
export function trainIndicesOf(config: Record<string, unknown> | null): number[] | null {
  const split = config?.data_split as {train_indices?: unknown} | undefined;
  return Array.isArray(split?.train_indices) && split.train_indices.every((i) => Number.isInteger(i)) ? (split.train_indices as number[]) : null;
}
