/** The normalized run this reader produces from one offline (or online) W&B run folder. */
import type {HistoryColumns} from "./history-columns.js";
import type {LogIssue, LogStatus} from "./log-blocks.js";

export type HistoryRow = Record<string, unknown>;

export interface WandbOfflineRun {
  /** RunRecord.run_id; else the id in the `run-<id>.wandb` file name. */
  runId: string;
  entity: string | null;
  project: string | null;
  /** Display name (RunRecord.display_name); null when the SDK did not record one. */
  name: string | null;
  /** `finished` (exit 0), `failed` (exit ≠ 0), `running` (exit with not_complete), `crashed` (no exit record). */
  state: "finished" | "failed" | "running" | "crashed";
  group: string | null;
  jobType: string | null;
  tags: string[];
  notes: string | null;
  /** ISO 8601 UTC: RunRecord.start_time, else the environment record, else files/wandb-metadata.json. */
  createdAt: string | null;
  /** ISO 8601 UTC: the latest sign of life found (exit runtime, `_runtime`/`_timestamp`, stats, console, metadata). */
  heartbeatAt: string | null;
  /** Flat keys (nested keys joined with `.`), `{value, desc}` unwrapped, `_wandb` bookkeeping dropped. */
  config: Record<string, unknown>;
  /** Flat keys like config; NaN/±Infinity kept as numbers. */
  summary: Record<string, unknown>;
  /** One object per history record, keys as logged (flattened like config), `_step` resolved (§4.5). */
  history: HistoryRow[];
  /**
   * Only when read with `columnar: true` and the history fits columns (history-columns.ts): the history as
   * columns, and `history` is then empty. Absent otherwise (`history` holds the rows).
   */
  historyColumns?: HistoryColumns;
  /** Last exit record's exit code; null when the log has none (crashed or still running). */
  exitCode: number | null;
  /** Human-readable notes about damage, fallbacks and oddities; empty for a clean, complete log. */
  warnings: string[];

  /** Seconds: the larger of the exit record's runtime and the largest `_runtime` / `_wandb.runtime` seen. */
  runtimeSeconds: number | null;
  host: string | null;
  /** wandb SDK version (telemetry cli_version, else the header's producer). */
  sdkVersion: string | null;
  startingStep: number;
  /** Online resume happened (RunRecord.resumed). */
  resumed: boolean;
  /** Shared-mode run (unreleased RunRecord field 25): rows have no `_step`. */
  sharedMode: boolean;
  /** Where each part came from, for provenance in reports. */
  sources: {config: DataOrigin; summary: DataOrigin | "history-last-values"};
  log: LogSummary;
}

export type DataOrigin = "log" | "files" | "none";

export interface LogSummary {
  file: string | null;
  bytes: number;
  status: LogStatus;
  headerVersion: number | null;
  blockOrigin: 0 | 7;
  recordsRead: number;
  /** Records whose protobuf could not be decoded (each skipped). */
  recordsUndecodable: number;
  chunksSkipped: number;
  bytesSkipped: number;
  /** Offset just past the last intact record (where a live file's re-read can resume). */
  endOffset: number;
  /** Count of records per type (`history`, `summary`, `run`, `exit`, …). */
  recordCounts: Record<string, number>;
  issues: LogIssue[];
}

/** The parts of a run folder's `files/` used when the log lacks them. All optional. */
export interface RunFolderFiles {
  /** Parsed `files/config.yaml` (raw, still `{desc, value}`-wrapped). */
  configYaml?: unknown;
  /** Parsed `files/wandb-summary.json`. */
  summaryJson?: unknown;
  /** Parsed `files/wandb-metadata.json`. */
  metadataJson?: unknown;
  /** Problems reading those files, passed through as warnings. */
  problems?: string[];
}
