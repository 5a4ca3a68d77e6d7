import {existsSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {SourceError} from "../errors.js";
import type {RunSource} from "../model/run-record.js";

/** The repository root (two levels above this file). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The real runs bundled with runlens, used whenever no other source is configured. */
export const SAMPLE_RUNS_DIR = join(PROJECT_ROOT, "sample", "altgrad-fp8");

export interface ResolvedSource {
  kind: "run-dir";
  /** Folder holding `runs/<run_id>/run.json` + `history.jsonl`. */
  root: string;
  source: RunSource;
  /** Human description for logs and the Overview page. */
  label: string;
}

/**
 * Which runs the workspace is built from. `RUNLENS_RUNS_DIR` points at a folder of runs in the W&B API's
 * shape (a pull cache); without it, the embedded sample.
 */
export function resolveSource(env: NodeJS.ProcessEnv = process.env): ResolvedSource {
  const configured = env.RUNLENS_RUNS_DIR?.trim();
  if (configured) {
    const root = resolve(configured);
    if (!existsSync(root)) throw new SourceError(root, "RUNLENS_RUNS_DIR points to a folder that does not exist");
    return {kind: "run-dir", root, source: "wandb", label: `runs in ${root}`};
  }
  return {kind: "run-dir", root: SAMPLE_RUNS_DIR, source: "sample", label: "embedded sample: altgrad-fp8"};
}
