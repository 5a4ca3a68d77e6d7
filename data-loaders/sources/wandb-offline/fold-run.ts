/**
 * Record stream → normalized run (spec §4): identity from the first run record, display fields from
 * the last that sets them, config/summary folded in order, history rows with resolved steps, last
 * exit record wins. `files/` fills in only what the log does not have (crashed or old runs), since
 * the log is the source of truth and the files can be stale.
 */
import {HistoryBuilder} from "./history.js";
import {HistoryColumnsBuilder} from "./history-columns.js";
import {flattenInto, isPlainObject, put, removePath, setPath, type Tree} from "./item-tree.js";
import type {LogReadResult} from "./log-blocks.js";
import {decodeRecord, type DecodedRecord, type Item, type ItemChanges, type RunInfo, type Timestamp} from "./records.js";
import type {RunFolderFiles, WandbOfflineRun} from "./types.js";

/** Keys that describe the SDK, not the experiment (runlens drops them for every source). */
const INTERNAL_KEYS = ["_wandb", "wandb_version"];

export interface FoldOptions {
  /** Log file path, for the log summary. */
  file?: string | null;
  /** Log file size in bytes, for the log summary. */
  bytes?: number;
  /** Run id to use when no run record survived (from the file name). */
  fallbackRunId?: string;
}

/** Thrown inside foldRun when the columnar history cannot represent a record; the caller folds again with rows. */
class NotColumnar extends Error {}

/**
 * foldRun with the history as columns (history-columns.ts) instead of rows: `history` is empty and
 * `historyColumns` holds it. Null when the log has history the columns do not represent (the caller then
 * uses foldRun); everything else is exactly what foldRun gives.
 */
export function foldRunColumnar(log: LogReadResult, files: RunFolderFiles = {}, options: FoldOptions = {}): WandbOfflineRun | null {
  try {
    return fold(log, files, options, true);
  } catch (error) {
    if (error instanceof NotColumnar) return null;
    throw error;
  }
}

export function foldRun(log: LogReadResult, files: RunFolderFiles = {}, options: FoldOptions = {}): WandbOfflineRun {
  return fold(log, files, options, false);
}

/** One history sink for both shapes: rows (HistoryBuilder) or columns (HistoryColumnsBuilder). */
type HistorySink = {rows: HistoryBuilder; columns: null} | {rows: null; columns: HistoryColumnsBuilder};

function fold(log: LogReadResult, files: RunFolderFiles, options: FoldOptions, columnar: boolean): WandbOfflineRun {
  const warnings: string[] = [];
  const counts: Record<string, number> = {};
  const runs: RunInfo[] = [];
  const configRecords: ItemChanges[] = [];
  const summaryRecords: ItemChanges[] = [];
  let exit: Extract<DecodedRecord, {type: "exit"}> | null = null;
  let sdkVersion: string | null = null;
  let producer: string | null = null;
  let envStart: Timestamp | null = null;
  let envHost: string | null = null;
  let lastSignOfLifeMs = -Infinity;
  let undecodable = 0;
  let firstUndecodable = "";
  let sink: HistorySink | null = null;
  const makeSink = (startingStep: number, sharedMode: boolean): HistorySink => {
    if (!columnar) return {rows: new HistoryBuilder(startingStep, sharedMode), columns: null};
    if (sharedMode) throw new NotColumnar();
    return {rows: null, columns: new HistoryColumnsBuilder(startingStep)};
  };
  const addRow = (into: HistorySink, items: Item[], step: number | null) => {
    if (into.rows) into.rows.add(items, step);
    else if (!into.columns.add(items, step)) throw new NotColumnar();
  };
  const pendingHistory: Array<Extract<DecodedRecord, {type: "history"}>> = [];

  for (const {offset, payload} of log.records) {
    let record: DecodedRecord;
    try {
      record = decodeRecord(payload);
    } catch (error) {
      undecodable++;
      firstUndecodable ||= `offset ${offset}: ${(error as Error).message}`;
      continue;
    }
    counts[record.type] = (counts[record.type] ?? 0) + 1;
    switch (record.type) {
      case "history":
        // Steps depend on the run record (starting_step, shared_mode), which precedes history in
        // every writer; rows seen before any run record wait for it.
        if (sink) addRow(sink, record.items, record.step);
        else pendingHistory.push(record);
        break;
      case "run":
        runs.push(record.run);
        if (record.run.telemetry?.cliVersion) sdkVersion = record.run.telemetry.cliVersion;
        if (!sink) {
          sink = makeSink(record.run.startingStep, record.run.sharedMode);
          for (const row of pendingHistory.splice(0)) addRow(sink, row.items, row.step);
        }
        break;
      case "config":
        configRecords.push(record);
        break;
      case "summary":
        summaryRecords.push(record);
        break;
      case "exit":
        exit = record;
        break;
      case "telemetry":
        if (record.telemetry.cliVersion) sdkVersion = record.telemetry.cliVersion;
        break;
      case "header":
        producer ||= record.producer;
        break;
      case "environment":
        envStart ??= record.startedAt;
        envHost ||= record.host;
        break;
      case "stats":
      case "output":
      case "output_raw":
        if (record.timestamp) lastSignOfLifeMs = Math.max(lastSignOfLifeMs, timestampMs(record.timestamp));
        break;
    }
  }
  if (!sink) sink = makeSink(0, false);
  for (const row of pendingHistory) addRow(sink, row.items, row.step);
  const history = sink;
  const historyRowCount = history.rows ? history.rows.rows.length : history.columns.rows;

  warnings.push(...logWarnings(log));
  if (undecodable > 0) warnings.push(`log: ${undecodable} record(s) could not be decoded and were skipped (first at ${firstUndecodable})`);

  const first = runs[0];
  const lastSet = (pick: (run: RunInfo) => string): string | null => {
    for (let i = runs.length - 1; i >= 0; i--) if (pick(runs[i])) return pick(runs[i]);
    return null;
  };
  const tags = [...runs].reverse().find((run) => run.tags.length > 0)?.tags ?? [];
  if (!first) warnings.push("log: no run record was found; run identity comes from the file name only");
  if (first?.resume) warnings.push("run: offline resume-mode run; its steps are relative to the server's last step, which the log does not know");

  // Config: run records' initial config, then config records, in order (§4.3).
  const configTree: Tree = {};
  const valueIssues = {count: 0, first: ""};
  let configItems = 0;
  for (const changes of [...runs.map((run) => run.config), ...configRecords]) {
    if (changes) configItems += applyChanges(configTree, changes, valueIssues);
  }
  let config = dropInternal(flattenInto({}, configTree));
  let configOrigin: "log" | "files" | "none" = configItems > 0 ? "log" : "none";
  if (configItems === 0 && files.configYaml !== undefined) {
    config = configFromYaml(files.configYaml);
    configOrigin = "files";
    warnings.push("config: the log has no config; taken from files/config.yaml");
  }

  // Summary: fold every summary record (§4.4); a log without any falls back to files, then history.
  const summaryTree: Tree = {};
  const summarySources = [...runs.map((run) => run.summary), ...summaryRecords].filter((s): s is ItemChanges => s !== null);
  for (const changes of summarySources) applyChanges(summaryTree, changes, valueIssues);
  const fullSummary = flattenInto({}, summaryTree);
  let summary = dropInternal(fullSummary);
  let summaryOrigin: WandbOfflineRun["sources"]["summary"] = "log";
  if (summarySources.length === 0) {
    if (isPlainObject(files.summaryJson)) {
      summary = dropInternal(flattenInto({}, files.summaryJson));
      summaryOrigin = "files";
      warnings.push("summary: the log has no summary record; taken from files/wandb-summary.json");
    } else if (historyRowCount > 0) {
      if (history.rows) {
        summary = {};
        for (const row of history.rows.rows) for (const key in row) put(summary, key, row[key]);
      } else summary = history.columns.lastValues();
      summaryOrigin = "history-last-values";
      warnings.push("summary: the log has no summary record; using the last logged value of each history key (wandb's default summary)");
    } else summaryOrigin = "none";
  }
  if (valueIssues.count > 0) warnings.push(`config/summary: ${valueIssues.count} value(s) were not valid JSON and were kept as raw text (first: ${valueIssues.first})`);
  warnings.push(...(history.rows ?? history.columns).warnings());

  // Times.
  const metadata = isPlainObject(files.metadataJson) ? files.metadataJson : {};
  const startTime = runs.find((run) => run.startTime)?.startTime ?? envStart;
  let createdMs = startTime ? timestampMs(startTime) : parseUtc(metadata.startedAt);
  if (!Number.isFinite(createdMs)) createdMs = NaN;
  let maxRuntime = -Infinity;
  if (history.rows) {
    for (const row of history.rows.rows) {
      if (typeof row._runtime === "number" && row._runtime > maxRuntime) maxRuntime = row._runtime;
      if (typeof row._timestamp === "number") lastSignOfLifeMs = Math.max(lastSignOfLifeMs, row._timestamp * 1000);
    }
  } else ({maxRuntime, lastSignOfLifeMs} = history.columns.times(lastSignOfLifeMs));
  for (const key of ["_runtime", "_wandb.runtime"]) {
    const value = fullSummary[key];
    if (typeof value === "number" && value > maxRuntime) maxRuntime = value;
  }
  if (typeof fullSummary._timestamp === "number") lastSignOfLifeMs = Math.max(lastSignOfLifeMs, fullSummary._timestamp * 1000);
  const runtimeCandidates = [exit ? exit.runtime : -Infinity, maxRuntime].filter(Number.isFinite);
  const runtimeSeconds = runtimeCandidates.length > 0 ? Math.max(...runtimeCandidates) : null;
  if (!Number.isNaN(createdMs)) {
    if (exit) lastSignOfLifeMs = Math.max(lastSignOfLifeMs, createdMs + exit.runtime * 1000);
    if (Number.isFinite(maxRuntime)) lastSignOfLifeMs = Math.max(lastSignOfLifeMs, createdMs + maxRuntime * 1000);
  }
  const metaHeartbeat = parseUtc(metadata.heartbeatAt);
  if (!Number.isNaN(metaHeartbeat)) lastSignOfLifeMs = Math.max(lastSignOfLifeMs, metaHeartbeat);

  let state: WandbOfflineRun["state"];
  if (!exit) {
    state = "crashed";
    warnings.push("run: no exit record; the run crashed or its log is still being written (wandb sync would report exit code 1)");
  } else state = exit.notComplete ? "running" : exit.exitCode === 0 ? "finished" : "failed";

  const fileRunId = options.fallbackRunId ?? "";
  const run: WandbOfflineRun = {
    runId: first?.runId || fileRunId,
    entity: first?.entity || null,
    project: first?.project || null,
    name: lastSet((run) => run.displayName),
    state,
    group: lastSet((run) => run.group),
    jobType: lastSet((run) => run.jobType),
    tags: [...tags],
    notes: lastSet((run) => run.notes),
    createdAt: isoOrNull(createdMs),
    heartbeatAt: isoOrNull(lastSignOfLifeMs),
    config,
    summary,
    history: history.rows ? history.rows.rows : [],
    exitCode: exit ? exit.exitCode : null,
    warnings,
    runtimeSeconds,
    host: lastSet((run) => run.host) ?? (envHost || (typeof metadata.host === "string" ? metadata.host : null)),
    sdkVersion: sdkVersion ?? (producer || null),
    startingStep: first?.startingStep ?? 0,
    resumed: runs.some((run) => run.resumed),
    sharedMode: first?.sharedMode ?? false,
    sources: {config: configOrigin, summary: summaryOrigin},
    log: {
      file: options.file ?? null,
      bytes: options.bytes ?? 0,
      status: log.status,
      headerVersion: log.headerVersion,
      blockOrigin: log.blockOrigin,
      recordsRead: log.recordsRead,
      recordsUndecodable: undecodable,
      chunksSkipped: log.chunksSkipped,
      bytesSkipped: log.bytesSkipped,
      endOffset: log.endOffset,
      recordCounts: counts,
      issues: log.issues
    }
  };
  if (history.columns) run.historyColumns = history.columns.columns();
  return run;
}

/** Apply update/remove items to a tree; returns how many items were applied. */
function applyChanges(tree: Tree, changes: ItemChanges, issues: {count: number; first: string}): number {
  for (const item of changes.update) {
    let value: unknown;
    try {
      value = item.value();
    } catch {
      issues.count++;
      issues.first ||= JSON.stringify(item.valueJson.slice(0, 80));
      value = item.valueJson;
    }
    setPath(tree, item.path, value);
  }
  for (const item of changes.remove) removePath(tree, item.path);
  return changes.update.length + changes.remove.length;
}

/** A copy without the internal keys (the input is still needed, e.g. for `_wandb.runtime`). */
function dropInternal(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(flat)) {
    if (!INTERNAL_KEYS.some((internal) => key === internal || key.startsWith(`${internal}.`))) put(out, key, flat[key]);
  }
  return out;
}

/** config.yaml wraps each key as `{desc, value}`; unwrap, then flatten like the log's config. */
function configFromYaml(yaml: unknown): Record<string, unknown> {
  if (!isPlainObject(yaml)) return {};
  const unwrapped: Tree = {};
  for (const [key, entry] of Object.entries(yaml)) {
    if (INTERNAL_KEYS.includes(key)) continue;
    setPath(unwrapped, [key], isPlainObject(entry) && "value" in entry ? entry.value : entry);
  }
  return flattenInto({}, unwrapped);
}

function logWarnings(log: LogReadResult): string[] {
  if (log.status === "clean" && log.issueCount === 0) return [];
  const first = log.issues[0];
  const where = first ? ` first problem at byte ${first.offset}: ${first.reason}` : "";
  const base = `log ${log.status}: read ${log.recordsRead} record(s); skipped ${log.chunksSkipped} chunk(s) and ${log.bytesSkipped} byte(s); ${log.issueCount} problem(s);${where}`;
  const out = [base];
  if (log.blockOrigin === 7) out.push("log: blocks start after the header (opt-in wandb-core before 0.17.6)");
  if (log.legacyChecksumChunks > 0) out.push(`log: ${log.legacyChecksumChunks} chunk(s) use LevelDB's masked CRC-32C (pre-release wandb-core)`);
  return out;
}

function timestampMs(ts: Timestamp): number {
  return ts.seconds * 1000 + ts.nanos / 1e6;
}

/** wandb-metadata.json times are naive UTC (`2021-02-16T23:44:10.058524`). */
function parseUtc(value: unknown): number {
  if (typeof value !== "string" || value === "") return NaN;
  const hasZone = /(?:Z|[+-]\d\d:?\d\d)$/.test(value);
  return Date.parse(hasZone ? value : `${value.replace(/(\.\d{3})\d+/, "$1")}Z`);
}

function isoOrNull(ms: number): string | null {
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
