import {spawnSync} from "node:child_process";
import {cpSync, mkdtempSync, readdirSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";

/** The real grokking runs (../shared relative to the repository root). */
export const GROKKING = resolve(import.meta.dirname, "../../../shared/datasets/grokking/results");
export const REPO = resolve(import.meta.dirname, "../..");
export const SAMPLE = join(REPO, "sample", "grokking", "results");
export const PYTHON = "/usr/bin/python3";

export const pad5 = (epoch: number): string => String(epoch).padStart(5, "0");

/** A temporary copy of real model folders (a results folder holding them). */
export function copyModels(...models: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "runlens-analyze-"));
  for (const model of models) cpSync(join(GROKKING, model), join(root, model), {recursive: true});
  return root;
}

/** Whether /usr/bin/python3 with numpy runs here; the reason when not. */
export function numpyAvailable(): {ok: boolean; reason: string} {
  const result = spawnSync(PYTHON, ["-c", "import numpy; print(numpy.__version__)"], {encoding: "utf8"});
  if (result.error) return {ok: false, reason: `${PYTHON} not runnable (${result.error.message})`};
  if (result.status !== 0) return {ok: false, reason: `numpy not importable by ${PYTHON}: ${result.stderr.trim().split("\n").at(-1)}`};
  return {ok: true, reason: `numpy ${result.stdout.trim()}`};
}

/** Run a Python snippet with argv; returns stdout (throws with stderr on failure). */
export function python(code: string, ...args: string[]): string {
  const result = spawnSync(PYTHON, ["-c", code, ...args], {encoding: "utf8", maxBuffer: 64 * 1024 * 1024});
  if (result.status !== 0) throw new Error(`python failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Every file under `dir` with its mtime (ms), recursively. */
export function fileTimes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else out.set(path, info.mtimeMs);
    }
  };
  walk(dir);
  return out;
}

/** Files whose name ends with .tmp anywhere under `dir` (left-over temporary files). */
export function tempFiles(dir: string): string[] {
  return [...fileTimes(dir).keys()].filter((p) => p.endsWith(".tmp") || /\.tmp$|\.tmp\//.test(p));
}
