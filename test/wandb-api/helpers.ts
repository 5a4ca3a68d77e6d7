import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {parsePythonJson} from "../../data-loaders/json/python-json.js";
import {SAMPLE_DIR} from "../fake-wandb/server.js";

export const ENTITY = "fp8-lab";
export const PROJECT = "altgrad";

/** One row of the sample README's "Runs" table — the expectations come from the README, not from code. */
export interface ReadmeRun {
  runId: string;
  displayName: string;
  lr: number;
  state: string;
  failureReason: string;
  format: string;
  optimizer: "adamw" | "manifold_adamw";
  seed: number;
  lastStep: number;
}

export function readmeRuns(): ReadmeRun[] {
  const text = readFileSync(join(SAMPLE_DIR, "README.md"), "utf8");
  const section = text.slice(text.indexOf("## Runs"), text.indexOf("## Failure modes"));
  const runs: ReadmeRun[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 12 || !/^[a-z0-9]{8}$/.test(cells[1])) continue;
    const displayName = cells[2];
    const [format, optimizer] = displayName.split("-");
    runs.push({
      runId: cells[1],
      displayName,
      lr: Number(cells[3]),
      state: cells[4],
      failureReason: cells[5],
      format,
      optimizer: optimizer === "manifold" ? "manifold_adamw" : "adamw",
      seed: Number(/-s(\d+)$/.exec(displayName)![1]),
      lastStep: Number(cells[7])
    });
  }
  return runs;
}

export function sampleRunIds(): string[] {
  return readdirSync(join(SAMPLE_DIR, "runs")).sort();
}

export function sampleRunJson(runId: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SAMPLE_DIR, "runs", runId, "run.json"), "utf8"));
}

export function sampleHistoryLines(runId: string, dir = SAMPLE_DIR): string[] {
  return readFileSync(join(dir, "runs", runId, "history.jsonl"), "utf8").split("\n").filter((line) => line.trim() !== "");
}

/** Deep equality where NaN equals NaN and -0 differs from 0 (Object.is on numbers), key order ignored. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameValue(ka, kb) && ka.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
  }
  return a === b;
}

/** Every row equals the same line of the file (parsed with the NaN/Infinity-tolerant parser). */
export function firstMismatch(rows: unknown[], lines: string[]): string | null {
  if (rows.length !== lines.length) return `row count ${rows.length} != line count ${lines.length}`;
  for (let i = 0; i < lines.length; i++) {
    if (!sameValue(rows[i], parsePythonJson(lines[i]))) return `line ${i + 1} differs`;
  }
  return null;
}

/** Tiny backoff so fault tests stay fast. */
export const FAST_RETRY = {baseDelayMs: 1, maxDelayMs: 5, totalTimeoutMs: 30_000};
