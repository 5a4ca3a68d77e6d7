import {existsSync, readdirSync, realpathSync, statSync} from "node:fs";
import {basename, join} from "node:path";
import {SourceError} from "../../errors.js";
import {emitHistoryRow} from "../../model/history-row.js";
import type {FieldValue, HistoryPoint, HistoryStats, RunRecord} from "../../model/run-record.js";
import type {HistoryColumns, WandbOfflineRun} from "../wandb-offline/index.js";
import {decodeOfflineRuns, decodeWorkerCount, logBytesOf} from "./parallel-decode.js";
import type {SourceReader} from "../source-reader.js";

const LOG_FILE = /^run-.+\.wandb$/;
const RUN_FOLDER = /^(offline-)?run-/;

/**
 * Offline W&B runs: a `wandb/` folder of `offline-run-*` / `run-*` folders, one such run folder, or one
 * `run-<id>.wandb` file. `latest-run` links are followed once (a run reached twice is read once).
 */
export function findOfflineRuns(path: string): string[] {
  if (!existsSync(path)) throw new SourceError(path, "offline run folder does not exist");
  if (statSync(path).isFile()) {
    if (!basename(path).endsWith(".wandb")) throw new SourceError(path, "is not a .wandb transaction log");
    return [path];
  }
  if (readdirSync(path).some((name) => LOG_FILE.test(name))) return [path];
  const seen = new Set<string>();
  const runs: string[] = [];
  for (const name of readdirSync(path).sort()) {
    const dir = join(path, name);
    if (!RUN_FOLDER.test(name) || !statSync(dir).isDirectory()) continue;
    if (!readdirSync(dir).some((file) => LOG_FILE.test(file))) continue;
    const real = realpathSync(dir);
    if (seen.has(real)) continue;
    seen.add(real);
    runs.push(dir);
  }
  if (runs.length === 0) throw new SourceError(path, "contains no offline runs (expected offline-run-*/run-<id>.wandb)");
  return runs;
}

function toRunRecord(run: WandbOfflineRun, origin: string): RunRecord {
  return {
    runId: run.runId,
    source: "offline",
    entity: run.entity,
    project: run.project,
    name: run.name,
    state: run.state,
    group: run.group,
    jobType: run.jobType,
    tags: run.tags,
    notes: run.notes,
    createdAt: run.createdAt,
    heartbeatAt: run.heartbeatAt,
    url: null,
    config: run.config as Record<string, FieldValue>,
    summary: run.summary as Record<string, FieldValue>,
    runtimeSeconds: run.runtimeSeconds,
    warnings: run.warnings,
    origin
  };
}

/** Reads every offline run once (the log is decoded in memory) and streams its history to the writer. */
export function offlineDirReader(path: string, warn: (message: string) => void = () => {}): SourceReader {
  const folders = findOfflineRuns(path);
  const decoded = new Map<RunRecord, WandbOfflineRun>();
  const files = () =>
    folders.flatMap((folder) => {
      const files = statSync(folder).isFile() ? [folder] : readdirSync(folder).filter((name) => LOG_FILE.test(name)).map((name) => join(folder, name));
      return files.map((file) => {
        const stat = statSync(file);
        return {path: file, size: stat.size, mtimeMs: stat.mtimeMs};
      });
    });
  return {
    files,
    async runs() {
      const logs = files();
      // Columns: the writer takes them without a row object per record (rows where they do not fit).
      const {outcomes} = await decodeOfflineRuns(folders, {workers: decodeWorkerCount(logBytesOf(logs), folders.length)});
      const records: RunRecord[] = [];
      folders.forEach((folder, index) => {
        const outcome = outcomes[index];
        if (!outcome.ok) throw new SourceError(folder, outcome.message.replace(`${folder}: `, ""));
        const run = outcome.run;
        for (const warning of run.warnings) warn(`${folder}: ${warning}`);
        const record = toRunRecord(run, folder);
        decoded.set(record, run);
        records.push(record);
      });
      return records;
    },
    readHistoryColumns(run) {
      const columns = decoded.get(run)!.historyColumns;
      return columns ? {columns, stats: columnStats(columns)} : null;
    },
    readHistory(run, emit) {
      const offline = decoded.get(run)!;
      if (offline.historyColumns) return emitColumns(offline.historyColumns, emit);
      const stats: HistoryStats = {rows: 0, lastStep: null, skippedValues: 0};
      for (const row of offline.history) {
        const step = row._step;
        if (typeof step !== "number") {
          // Shared-mode rows have no step axis: their values cannot be placed on a curve; count them.
          stats.skippedValues += Object.keys(row).filter((key) => !key.startsWith("_")).length;
          continue;
        }
        emitHistoryRow(row, step, stats, emit);
      }
      return stats;
    }
  };
}

/** What readHistory counts, from columns: every row has a step (columns are never shared-mode). */
function columnStats(columns: HistoryColumns): HistoryStats {
  let lastStep: number | null = null;
  for (let row = 0; row < columns.rowCount; row++) if (lastStep === null || columns.steps[row] > lastStep) lastStep = columns.steps[row];
  return {rows: columns.rowCount, lastStep, skippedValues: columns.skippedValues};
}

/** The points emitHistoryRow would give for the same rows (metric by metric instead of row by row). */
function emitColumns(columns: HistoryColumns, emit: (point: HistoryPoint) => void): HistoryStats {
  const point: HistoryPoint = {step: 0, metric: "", value: 0, runtimeSeconds: null, wallTimeSeconds: null};
  for (const [metric, column] of columns.metrics) {
    point.metric = metric;
    for (let i = 0; i < column.length; i++) {
      const row = column.rows[i];
      point.step = columns.steps[row];
      point.value = column.values[i];
      point.runtimeSeconds = columns.hasRuntime[row] ? columns.runtimes[row] : null;
      point.wallTimeSeconds = columns.hasTimestamp[row] ? columns.timestamps[row] : null;
      emit(point);
    }
  }
  return columnStats(columns);
}
