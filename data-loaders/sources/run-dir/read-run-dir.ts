import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join, relative} from "node:path";
import {SourceError} from "../../errors.js";
import {parsePythonJson} from "../../json/python-json.js";
import {decodeConfig, decodeSummary} from "../../model/decode-fields.js";
import {isPlainObject} from "../../model/flatten.js";
import {emitHistoryRow} from "../../model/history-row.js";
import type {HistoryPoint, HistoryStats, RunRecord, RunSource} from "../../model/run-record.js";

/**
 * A directory of runs in the W&B API's shape — the embedded sample and the pull cache:
 *   <root>/runs/<run_id>/run.json       the GraphQL run object (config, summaryMetrics as JSON strings)
 *   <root>/runs/<run_id>/history.jsonl  one logged row per line, complete (never sampled)
 */
export interface RunDir {
  runId: string;
  dir: string;
  runFile: string;
  historyFile: string;
}

export function runsFolder(root: string): string {
  const nested = join(root, "runs");
  if (existsSync(nested) && statSync(nested).isDirectory()) return nested;
  if (!existsSync(root)) throw new SourceError(root, "run directory does not exist");
  if (!statSync(root).isDirectory()) throw new SourceError(root, "is not a directory");
  return root;
}

/** Every run folder under the root, sorted by run id so the workspace is deterministic. */
export function listRunDirs(root: string): RunDir[] {
  const folder = runsFolder(root);
  const runs = readdirSync(folder, {withFileTypes: true})
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort()
    .map((runId) => {
      const dir = join(folder, runId);
      return {runId, dir, runFile: join(dir, "run.json"), historyFile: join(dir, "history.jsonl")};
    });
  if (runs.length === 0) throw new SourceError(folder, "contains no run folders (expected runs/<run_id>/run.json)");
  return runs;
}

function optionalString(object: Record<string, unknown>, key: string, file: string): string | null {
  const value = object[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new SourceError(file, `field "${key}" should be a string, got ${typeof value}`);
  return value;
}

/** W&B timestamps are UTC, with or without a trailing Z. */
function utcTimestamp(value: string | null, key: string, file: string): string | null {
  if (value === null || value === "") return null;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new SourceError(file, `field "${key}" is not an ISO 8601 time: ${JSON.stringify(value)}`);
  return new Date(time).toISOString();
}

/** `id` is base64("Run:v1:<run name>:<project>:<entity>"); returns project and entity when it decodes. */
export function decodeRunGlobalId(id: unknown): {project: string; entity: string} | null {
  if (typeof id !== "string") return null;
  const text = Buffer.from(id, "base64").toString("utf8");
  const match = /^Run:v1:[^:]*:([^:]+):(.+)$/.exec(text);
  return match ? {project: match[1], entity: match[2]} : null;
}

export function readRunJson(run: RunDir, source: RunSource): RunRecord {
  if (!existsSync(run.runFile)) throw new SourceError(run.runFile, "missing (every run folder needs run.json)");
  let parsed: unknown;
  try {
    parsed = parsePythonJson(readFileSync(run.runFile, "utf8"));
  } catch (error) {
    throw new SourceError(run.runFile, `not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(parsed)) throw new SourceError(run.runFile, "should hold a JSON object (a W&B run)");
  const file = run.runFile;
  const runId = optionalString(parsed, "name", file) ?? run.runId;
  if (runId !== run.runId) throw new SourceError(file, `run name "${runId}" does not match its folder "${run.runId}"`);
  const tags = parsed.tags ?? [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string")) {
    throw new SourceError(file, `field "tags" should be a list of strings`);
  }
  let config, summary;
  try {
    config = decodeConfig(parsed.config);
  } catch (error) {
    throw new SourceError(file, `field "config" is not a valid JSON object string (${(error as Error).message})`);
  }
  try {
    summary = decodeSummary(parsed.summaryMetrics);
  } catch (error) {
    throw new SourceError(file, `field "summaryMetrics" is not a valid JSON object string (${(error as Error).message})`);
  }
  const decoded = decodeRunGlobalId(parsed.id);
  return {
    runId,
    source,
    entity: optionalString(parsed, "entity", file) ?? decoded?.entity ?? null,
    project: optionalString(parsed, "project", file) ?? decoded?.project ?? null,
    name: optionalString(parsed, "displayName", file),
    state: optionalString(parsed, "state", file),
    group: optionalString(parsed, "group", file),
    jobType: optionalString(parsed, "jobType", file),
    tags: tags as string[],
    notes: optionalString(parsed, "notes", file),
    createdAt: utcTimestamp(optionalString(parsed, "createdAt", file), "createdAt", file),
    heartbeatAt: utcTimestamp(optionalString(parsed, "heartbeatAt", file), "heartbeatAt", file),
    url: source === "wandb" ? optionalString(parsed, "url", file) : null,
    config,
    summary,
    origin: run.dir
  };
}

/**
 * Read every history line, calling `emit` for each numeric value. Lines are validated: a line that is
 * not a JSON object or has no integer `_step` stops the read with the file and line number.
 */
export function readHistory(run: RunDir, emit: (point: HistoryPoint) => void): HistoryStats {
  if (!existsSync(run.historyFile)) throw new SourceError(run.historyFile, "missing (every run folder needs history.jsonl)");
  const text = readFileSync(run.historyFile, "utf8");
  const stats: HistoryStats = {rows: 0, lastStep: null, skippedValues: 0};
  let lineNumber = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    lineNumber++;
    if (line === "") continue;
    let row: unknown;
    try {
      row = parsePythonJson(line);
    } catch (error) {
      throw new SourceError(run.historyFile, `not valid JSON (${(error as Error).message})`, lineNumber);
    }
    if (!isPlainObject(row)) throw new SourceError(run.historyFile, "a history line should be a JSON object", lineNumber);
    const step = row._step;
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new SourceError(run.historyFile, `"_step" should be a non-negative integer, got ${JSON.stringify(step)}`, lineNumber);
    }
    emitHistoryRow(row, step, stats, emit);
  }
  return stats;
}

/** Fingerprint input: every file the workspace is built from, with size and modification time. */
export function runDirFiles(root: string): {path: string; size: number; mtimeMs: number}[] {
  const folder = runsFolder(root);
  return listRunDirs(root).flatMap((run) =>
    [run.runFile, run.historyFile]
      .filter((file) => existsSync(file))
      .map((file) => {
        const stat = statSync(file);
        return {path: relative(folder, file), size: stat.size, mtimeMs: stat.mtimeMs};
      })
  );
}
