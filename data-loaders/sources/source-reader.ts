import {SourceError} from "../errors.js";
import {offlineDirReader} from "./offline-dir/read-offline-dir.js";
import type {HistoryPoint, HistoryStats, RunRecord} from "../model/run-record.js";
import type {HistoryColumns} from "./wandb-offline/index.js";
import {listRunDirs, readHistory, readRunJson, runDirFiles} from "./run-dir/read-run-dir.js";
import type {ResolvedSource} from "./resolve-source.js";

/** What the workspace writer needs from any source. */
export interface SourceReader {
  /** Input files with size and mtime: the workspace fingerprint. */
  files(): {path: string; size: number; mtimeMs: number}[];
  runs(): Promise<RunRecord[]>;
  readHistory(run: RunRecord, emit: (point: HistoryPoint) => void): HistoryStats;
  /** The same history as columns, where the source has it that way (else null or absent: use readHistory). */
  readHistoryColumns?(run: RunRecord): {columns: HistoryColumns; stats: HistoryStats} | null;
}

export function runDirReader(source: Extract<ResolvedSource, {kind: "run-dir"}>): SourceReader {
  const dirs = new Map(listRunDirs(source.root).map((run) => [run.runId, run]));
  return {
    files: () => runDirFiles(source.root),
    runs: async () => [...dirs.values()].map((run) => readRunJson(run, source.source)),
    readHistory: (run, emit) => readHistory(dirs.get(run.runId)!, emit)
  };
}

export function openSource(source: ResolvedSource, warn?: (message: string) => void): SourceReader {
  return source.kind === "run-dir" ? runDirReader(source) : offlineDirReader(source.path, warn);
}

/** Several sources as one: run ids must be unique across them. */
export function combineSources(sources: ResolvedSource[], warn?: (message: string) => void): SourceReader {
  const readers = sources.map((source) => openSource(source, warn));
  const owner = new Map<RunRecord, SourceReader>();
  return {
    files: () => readers.flatMap((reader, index) => reader.files().map((file) => ({...file, path: `${index}:${file.path}`}))),
    async runs() {
      const seen = new Map<string, RunRecord>();
      const all: RunRecord[] = [];
      for (const reader of readers) {
        for (const run of await reader.runs()) {
          const other = seen.get(run.runId);
          if (other) throw new SourceError(run.origin, `run id "${run.runId}" also comes from ${other.origin}; each run id must be unique in a workspace`);
          seen.set(run.runId, run);
          owner.set(run, reader);
          all.push(run);
        }
      }
      return all.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
    },
    readHistory: (run, emit) => owner.get(run)!.readHistory(run, emit),
    readHistoryColumns: (run) => owner.get(run)!.readHistoryColumns?.(run) ?? null
  };
}
