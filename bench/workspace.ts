import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {parsePythonJson} from "../data-loaders/json/python-json.js";
import {SAMPLE_RUNS_DIR, SAMPLE_SOURCE} from "../data-loaders/sources/resolve-source.js";
import {ensureWorkspace} from "../data-loaders/workspace/ensure-workspace.js";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";

export interface WorkspaceBench {
  buildSeconds: number;
  parseOnlySeconds: number;
  historyValues: number;
  valuesPerSecond: number;
  ratioToParse: number;
}

/** Time to read every history line with JSON.parse alone — the floor any JSONL reader pays. */
function parseOnly(root: string): number {
  const started = performance.now();
  const runs = join(root, "runs");
  for (const id of readdirSync(runs)) {
    parsePythonJson(readFileSync(join(runs, id, "run.json"), "utf8"));
    for (const line of readFileSync(join(runs, id, "history.jsonl"), "utf8").split("\n")) if (line) JSON.parse(line);
  }
  return (performance.now() - started) / 1000;
}

/** Workspace build (sample → Parquet) against parsing the same files, measured in the same run. */
export async function benchWorkspace(repeats = 3): Promise<WorkspaceBench> {
  const source = SAMPLE_SOURCE;
  let best = Infinity;
  let values = 0;
  for (let i = 0; i < repeats; i++) {
    const root = mkdtempSync(join(tmpdir(), "runlens-bench-"));
    const started = performance.now();
    const workspace = await ensureWorkspace(source, {root, force: true});
    best = Math.min(best, (performance.now() - started) / 1000);
    values = workspace.counts!.historyValues;
    rmSync(root, {recursive: true, force: true});
  }
  let parse = Infinity;
  for (let i = 0; i < repeats; i++) parse = Math.min(parse, parseOnly(SAMPLE_RUNS_DIR));
  return {buildSeconds: best, parseOnlySeconds: parse, historyValues: values, valuesPerSecond: values / best, ratioToParse: best / parse};
}
