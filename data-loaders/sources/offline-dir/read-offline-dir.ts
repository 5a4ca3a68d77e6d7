import {existsSync, readdirSync, realpathSync, statSync} from "node:fs";
import {basename, join} from "node:path";
import {SourceError} from "../../errors.js";
import {emitHistoryRow} from "../../model/history-row.js";
import type {FieldValue, HistoryStats, RunRecord} from "../../model/run-record.js";
import {readOfflineRun, type WandbOfflineRun} from "../wandb-offline/index.js";
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
  return {
    files: () =>
      folders.flatMap((folder) => {
        const files = statSync(folder).isFile() ? [folder] : readdirSync(folder).filter((name) => LOG_FILE.test(name)).map((name) => join(folder, name));
        return files.map((file) => {
          const stat = statSync(file);
          return {path: file, size: stat.size, mtimeMs: stat.mtimeMs};
        });
      }),
    async runs() {
      const records: RunRecord[] = [];
      for (const folder of folders) {
        let run: WandbOfflineRun;
        try {
          run = await readOfflineRun(folder);
        } catch (error) {
          throw new SourceError(folder, (error as Error).message.replace(`${folder}: `, ""));
        }
        for (const warning of run.warnings) warn(`${folder}: ${warning}`);
        const record = toRunRecord(run, folder);
        decoded.set(record, run);
        records.push(record);
      }
      return records;
    },
    readHistory(run, emit) {
      const stats: HistoryStats = {rows: 0, lastStep: null, skippedValues: 0};
      for (const row of decoded.get(run)!.history) {
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
