/**
 * Offline reader for W&B run transaction logs (`run-<id>.wandb`), with no wandb install and no network.
 * Format: shared/reference/wandb-transaction-log.md. Layers: crc32 → log-blocks (framing) → records
 * (protobuf) → fold-run (semantics) → read-offline-run (run folder).
 */
export {LogReadBuffer, readOfflineRun, readOfflineRunLog, readRunFiles} from "./read-offline-run.js";
export {readLogRecords, BLOCK_SIZE} from "./log-blocks.js";
export type {LogIssue, LogIssueKind, LogReadResult, LogRecord, LogStatus, ReadLogOptions} from "./log-blocks.js";
export {decodeRecord} from "./records.js";
export type {DecodedRecord, Item, ItemChanges, RunInfo, TelemetryInfo, Timestamp} from "./records.js";
export {foldRun, foldRunColumnar} from "./fold-run.js";
export type {HistoryColumns, MetricColumn} from "./history-columns.js";
export type {ReadRunOptions} from "./read-offline-run.js";
export {parseValueJson} from "./extended-json.js";
export {parseConfigYaml} from "./mini-yaml.js";
export {crc32, crc32c, maskCrc, unmaskCrc} from "./crc32.js";
export type {DataOrigin, HistoryRow, LogSummary, RunFolderFiles, WandbOfflineRun} from "./types.js";
