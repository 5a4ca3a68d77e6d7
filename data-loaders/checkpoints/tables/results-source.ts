/**
 * Where the checkpoint results come from:
 *   1. `RUNLENS_RESULTS_DIR=/path/to/results`;
 *   2. `"checkpoints": "path"` (or `{"results": "path"}`) in runlens.config.json (or the file named by
 *      RUNLENS_CONFIG), relative to that file;
 *   3. the embedded sample, `sample/grokking/results`.
 */
import {existsSync, readFileSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {CONFIG_FILE_NAME} from "../../config/workspace-config.js";
import {PROJECT_ROOT} from "../../sources/resolve-source.js";

export const SAMPLE_RESULTS_DIR = join(PROJECT_ROOT, "sample", "grokking", "results");

export interface ResultsSource {
  dir: string;
  label: string;
  sample: boolean;
}

export function resolveResultsSource(env: NodeJS.ProcessEnv = process.env): ResultsSource {
  const fromEnv = env.RUNLENS_RESULTS_DIR?.trim();
  if (fromEnv) return {dir: resolve(fromEnv), label: `RUNLENS_RESULTS_DIR=${fromEnv}`, sample: false};
  const file = env.RUNLENS_CONFIG ? resolve(env.RUNLENS_CONFIG) : join(PROJECT_ROOT, CONFIG_FILE_NAME);
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8"));
      const spec = parsed?.checkpoints;
      const path = typeof spec === "string" ? spec : typeof spec?.results === "string" ? spec.results : null;
      if (path) return {dir: resolve(dirname(file), path), label: `${file}: checkpoints`, sample: false};
    } catch {
      // A malformed config file is reported by the workspace build; checkpoints fall back to the sample.
    }
  }
  return {dir: SAMPLE_RESULTS_DIR, label: "embedded sample: grokking (sample/grokking)", sample: true};
}
