import {SourceError} from "../errors.js";
import type {HistoryPoint, HistoryStats, RunRecord} from "../model/run-record.js";
import {listRunDirs, readHistory, readRunJson, runDirFiles} from "./run-dir/read-run-dir.js";
import type {ResolvedSource} from "./resolve-source.js";

/** What the workspace writer needs from any source. */
export interface SourceReader {
  /** Input files with size and mtime: the workspace fingerprint. */
  files(): {path: string; size: number; mtimeMs: number}[];
  runs(): RunRecord[];
  readHistory(run: RunRecord, emit: (point: HistoryPoint) => void): HistoryStats;
}

export function runDirReader(source: Extract<ResolvedSource, {kind: "run-dir"}>): SourceReader {
  const dirs = new Map(listRunDirs(source.root).map((run) => [run.runId, run]));
  return {
    files: () => runDirFiles(source.root),
    runs: () => [...dirs.values()].map((run) => readRunJson(run, source.source)),
    readHistory: (run, emit) => readHistory(dirs.get(run.runId)!, emit)
  };
}

export type OfflineReaderFactory = (source: Extract<ResolvedSource, {kind: "offline"}>) => SourceReader;

let offlineReaderFactory: OfflineReaderFactory | null = null;

/** The offline `.wandb` reader registers itself here (kept separate so run-dir users don't load it). */
export function registerOfflineReader(factory: OfflineReaderFactory): void {
  offlineReaderFactory = factory;
}

export function openSource(source: ResolvedSource): SourceReader {
  if (source.kind === "run-dir") return runDirReader(source);
  if (!offlineReaderFactory) throw new SourceError(source.path, "offline .wandb sources are not available in this build");
  return offlineReaderFactory(source);
}

/** Several sources as one: run ids must be unique across them. */
export function combineSources(sources: ResolvedSource[]): SourceReader {
  const readers = sources.map(openSource);
  const owner = new Map<RunRecord, SourceReader>();
  return {
    files: () => readers.flatMap((reader, index) => reader.files().map((file) => ({...file, path: `${index}:${file.path}`}))),
    runs() {
      const seen = new Map<string, RunRecord>();
      const all: RunRecord[] = [];
      readers.forEach((reader) => {
        for (const run of reader.runs()) {
          const other = seen.get(run.runId);
          if (other) throw new SourceError(run.origin, `run id "${run.runId}" also comes from ${other.origin}; each run id must be unique in a workspace`);
          seen.set(run.runId, run);
          owner.set(run, reader);
          all.push(run);
        }
      });
      return all.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
    },
    readHistory: (run, emit) => owner.get(run)!.readHistory(run, emit)
  };
}
