import {DuckDBInstance, DuckDBTableFunction, DOUBLE, ENUM, INTEGER, LIST, VARCHAR, listValue, type DuckDBAppender, type DuckDBConnection} from "@duckdb/node-api";
import {parseMetricName} from "@runlens/analyses";
import type {FieldValue, HistoryPoint, HistoryStats, RunRecord} from "../model/run-record.js";
import type {HistoryColumns} from "../sources/wandb-offline/index.js";
import {HistoryBuffer, type HistorySeries} from "./history-buffer.js";
import {CHUNK_ROWS, TypedChunkAppender, TypedRows} from "./typed-chunk-appender.js";
import {structFieldNames, textOf, unifyFieldType, type FieldType} from "./field-types.js";
import {quoteIdentifier, quoteLiteral} from "./sql-names.js";

/** The tables of a workspace, written as `<name>.parquet`. */
export const WORKSPACE_TABLES = ["runs", "history", "metrics"] as const;
export type WorkspaceTable = (typeof WORKSPACE_TABLES)[number];

/** A run source as the writer sees it: the runs, and a way to stream each run's history. */
export interface RunsInput {
  runs: RunRecord[];
  readHistory(run: RunRecord, emit: (point: HistoryPoint) => void): HistoryStats;
  /** The same history as columns where the source has it (offline logs); null or absent: readHistory. */
  readHistoryColumns?(run: RunRecord): {columns: HistoryColumns; stats: HistoryStats} | null;
}

export interface WriteProgress {
  (message: string): void;
}

export interface WorkspaceCounts {
  runs: number;
  historyRows: number;
  historyValues: number;
  skippedValues: number;
  metrics: number;
}

const FIELD_COLUMN: Record<FieldType, string> = {
  BOOLEAN: "v_bool",
  BIGINT: "v_int",
  DOUBLE: "v_double",
  "DOUBLE[]": "v_list",
  VARCHAR: "v_text"
};

function appendNullable(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function appendNumber(appender: DuckDBAppender, value: number | null): void {
  if (value === null) appender.appendNull();
  else appender.appendDouble(value);
}

async function createTables(connection: DuckDBConnection): Promise<void> {
  await connection.run(`
    CREATE TABLE history_raw (run_index INTEGER, step DOUBLE, metric_index INTEGER, value DOUBLE, runtime_s DOUBLE, wall_time_s DOUBLE);

    CREATE TABLE runs_base (
      run_id VARCHAR, source VARCHAR, entity VARCHAR, project VARCHAR, name VARCHAR, state VARCHAR,
      "group" VARCHAR, job_type VARCHAR, tags VARCHAR[], created_at VARCHAR, heartbeat_at VARCHAR,
      url VARCHAR, notes VARCHAR, last_step DOUBLE, n_history_rows DOUBLE, n_skipped_values DOUBLE, summary_runtime_s DOUBLE
    );
    CREATE TABLE fields (run_id VARCHAR, target VARCHAR, key VARCHAR, v_bool BOOLEAN, v_int DOUBLE, v_double DOUBLE, v_list DOUBLE[], v_text VARCHAR);
    CREATE TABLE metric_names (metric VARCHAR, kind VARCHAR, layer VARCHAR, layer_type VARCHAR, layer_index INTEGER, n_runs BIGINT, n_values BIGINT, n_nonfinite BIGINT);
  `);
}

const HISTORY_RAW_TYPES = [INTEGER, DOUBLE, INTEGER, DOUBLE, DOUBLE, DOUBLE];

/**
 * The history rows of `series` (in table order) as the table function `runlens_history()`: DuckDB pulls one
 * data chunk at a time while it writes the Parquet file, so the rows are never stored in a table first. The
 * columns are those of `history_raw`, except that run and metric come as ENUMs of `runIds` / `metrics`
 * (value index = the code), named `run_id` and `metric`: the Parquet writer then takes each column's
 * dictionary from the ENUM instead of hashing millions of strings (the file holds the same strings).
 */
function historyTableFunction(series: HistorySeries[], runIds: string[], metrics: string[]): DuckDBTableFunction {
  const types = [ENUM(runIds), DOUBLE, ENUM(metrics), DOUBLE, DOUBLE, DOUBLE];
  const names = ["run_id", "step", "metric", "value", "runtime_s", "wall_time_s"];
  const rows = new TypedRows(types, true);
  let total = 0;
  for (const one of series) total += one.length;
  let next = 0; // series index
  let k = 0; // row within that series
  return DuckDBTableFunction.create({
    name: "runlens_history",
    bindFunction: (bind) => {
      names.forEach((name, i) => bind.addResultColumn(name, types[i]));
      bind.setCardinality(total, true);
    },
    initFunction: () => {
      next = 0;
      k = 0;
      rows.rows = 0;
    },
    mainFunction: (_info, out) => {
      while (rows.rows < CHUNK_ROWS && next < series.length) {
        const current = series[next];
        const n = Math.min(current.length - k, CHUNK_ROWS - rows.rows);
        for (let j = 0; j < n; j++) current.append(k + j, rows);
        k += n;
        if (k === current.length) {
          next++;
          k = 0;
        }
      }
      rows.writeInto(out); // zero rows ends the scan
    }
  });
}

/** Every key of config (or summary) with its unified type, in sorted order. */
function fieldTypes(runs: RunRecord[], target: "config" | "summary"): Map<string, FieldType> {
  const values = new Map<string, FieldValue[]>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(run[target])) {
      let list = values.get(key);
      if (!list) values.set(key, (list = []));
      list.push(value);
    }
  }
  const types = new Map<string, FieldType>();
  for (const key of [...values.keys()].sort()) types.set(key, unifyFieldType(values.get(key)!));
  return types;
}

function appendFields(appender: DuckDBAppender, run: RunRecord, target: "config" | "summary", types: Map<string, FieldType>): void {
  for (const [key, value] of Object.entries(run[target])) {
    if (value === null || value === undefined) continue;
    const type = types.get(key)!;
    appender.appendVarchar(run.runId);
    appender.appendVarchar(target);
    appender.appendVarchar(key);
    if (type === "BOOLEAN") appender.appendBoolean(value as boolean);
    else appender.appendNull();
    if (type === "BIGINT") appender.appendDouble(value as number);
    else appender.appendNull();
    if (type === "DOUBLE") appender.appendDouble(value as number);
    else appender.appendNull();
    if (type === "DOUBLE[]") appender.appendList(listValue(value as number[]), LIST(DOUBLE));
    else appender.appendNull();
    if (type === "VARCHAR") appender.appendVarchar(textOf(value));
    else appender.appendNull();
    appender.endRow();
  }
}

/**
 * A constant list literal of codes (run ids, metric names) indexed by their integer code. A projection
 * keeps the appended (already sorted) row order, which a join would not promise.
 */
function codeList(names: string[]): string {
  return names.length === 0 ? "(CAST([] AS VARCHAR[]))" : `[${names.map(quoteLiteral).join(", ")}]`;
}

/** `struct_pack(...)` over the long `fields` table, one typed field per key. */
function structSelect(target: "config" | "summary", types: Map<string, FieldType>): string {
  const names = structFieldNames([...types.keys()]);
  const parts = [...types].map(([key, type]) => {
    const column = FIELD_COLUMN[type];
    const cast = type === "BIGINT" ? "BIGINT" : type;
    return `${quoteIdentifier(names.get(key)!)} := CAST(first(${column}) FILTER (WHERE key = ${quoteLiteral(key)}) AS ${cast})`;
  });
  if (parts.length === 0) parts.push(`"(none)" := CAST(NULL AS BOOLEAN)`);
  return `SELECT run_id, struct_pack(${parts.join(", ")}) AS ${target} FROM fields WHERE target = ${quoteLiteral(target)} GROUP BY run_id`;
}

/**
 * Build the workspace tables in an in-memory DuckDB and write them as Parquet files into `outDir`
 * (which the caller creates and later renames into place, so a failure leaves nothing half-written).
 */
export async function writeWorkspace(input: RunsInput, outDir: string, progress: WriteProgress = () => {}): Promise<WorkspaceCounts> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await createTables(connection);
    // Run order = run_index order: the history is sorted on it.
    const runs = [...input.runs].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
    const configTypes = fieldTypes(runs, "config");
    const summaryTypes = fieldTypes(runs, "summary");
    const history = new TypedChunkAppender(await connection.createAppender("history_raw"), HISTORY_RAW_TYPES);
    const base = await connection.createAppender("runs_base");
    const fields = await connection.createAppender("fields");
    let historyRows = 0;
    let historyValues = 0;
    let skippedValues = 0;
    // History is appended with integer codes for run and metric (strings cost far more per call), one
    // run at a time in table order, and decoded by a projection when the Parquet file is written.
    const buffer = new HistoryBuffer(history);
    const metricNames: string[] = [];
    const metricName = (code: number): string => {
      if (metricNames.length < buffer.metricCodes.size) metricNames.splice(0, metricNames.length, ...buffer.metricCodes.keys());
      return metricNames[code];
    };
    // When every run's history comes as columns (offline logs), the Parquet writer reads it straight from them
    // through a table function; otherwise it is appended to history_raw first (columns included).
    const columnar = runs.map((run) => input.readHistoryColumns?.(run) ?? null);
    const planned: HistorySeries[] | null = runs.length > 0 && columnar.every((c) => c !== null) ? [] : null;
    const started = Date.now();
    let lastReport = started;
    for (const [index, run] of runs.entries()) {
      const columns = columnar[index];
      let stats: HistoryStats;
      if (columns) {
        stats = columns.stats;
        for (const column of columns.columns.metrics.values()) historyValues += column.length;
        if (planned) planned.push(...buffer.planRunColumns(index, columns.columns, metricName));
        else buffer.addRunColumns(index, columns.columns, metricName);
      } else {
        stats = input.readHistory(run, (point) => {
          buffer.add(point);
          historyValues++;
        });
        buffer.flushRun(index, metricName);
      }
      historyRows += stats.rows;
      skippedValues += stats.skippedValues;
      base.appendVarchar(run.runId);
      base.appendVarchar(run.source);
      for (const value of [run.entity, run.project, run.name, run.state, run.group, run.jobType]) appendNullable(base, value);
      base.appendList(listValue(run.tags), LIST(VARCHAR));
      for (const value of [run.createdAt, run.heartbeatAt, run.url, run.notes]) appendNullable(base, value);
      appendNumber(base, stats.lastStep);
      base.appendDouble(stats.rows);
      base.appendDouble(stats.skippedValues);
      const runtime = run.runtimeSeconds ?? run.summary._runtime;
      appendNumber(base, typeof runtime === "number" ? runtime : null);
      base.endRow();
      appendFields(fields, run, "config", configTypes);
      appendFields(fields, run, "summary", summaryTypes);
      const now = Date.now();
      if (now - lastReport > 1000 || index === runs.length - 1) {
        lastReport = now;
        progress(`read ${index + 1}/${runs.length} runs, ${historyValues.toLocaleString("en-US")} history values`);
      }
    }
    history.close();
    base.closeSync();
    fields.closeSync();
    const names = await connection.createAppender("metric_names");
    const catalog = [...buffer.metricCodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [metric, code] of catalog) {
      const parsed = parseMetricName(metric);
      const totals = buffer.totals[code];
      names.appendVarchar(metric);
      names.appendVarchar(parsed.kind);
      appendNullable(names, parsed.layer);
      appendNullable(names, parsed.layerType);
      if (parsed.layerIndex === null) names.appendNull();
      else names.appendInteger(parsed.layerIndex);
      names.appendBigInt(BigInt(totals.runs));
      names.appendBigInt(BigInt(totals.values));
      names.appendBigInt(BigInt(totals.nonFinite));
      names.endRow();
    }
    names.closeSync();

    const runIds = runs.map((run) => run.runId);
    const metrics = [...buffer.metricCodes.keys()];
    // (An ENUM needs at least one value: with no numeric history at all, the empty history_raw is written.)
    const streamed = planned !== null && metrics.length > 0;
    if (streamed) connection.registerTableFunction(historyTableFunction(planned, runIds, metrics));
    const target = (table: string) => quoteLiteral(`${outDir}/${table}.parquet`);
    await connection.run(`
      COPY (
        SELECT b.run_id, b.source, b.entity, b.project, b.name, b.state, b."group", b.job_type, b.tags,
          CAST(b.created_at AS TIMESTAMP) AS created_at, CAST(b.heartbeat_at AS TIMESTAMP) AS heartbeat_at,
          greatest(date_diff('millisecond', CAST(b.created_at AS TIMESTAMP), CAST(b.heartbeat_at AS TIMESTAMP)) / 1000.0, b.summary_runtime_s) AS runtime_s,
          b.url, b.notes, CAST(b.last_step AS BIGINT) AS last_step, CAST(b.n_history_rows AS BIGINT) AS n_history_rows,
          CAST(b.n_skipped_values AS BIGINT) AS n_skipped_values, c.config, s.summary
        FROM runs_base b
        LEFT JOIN (${structSelect("config", configTypes)}) c USING (run_id)
        LEFT JOIN (${structSelect("summary", summaryTypes)}) s USING (run_id)
        ORDER BY b.run_id
      ) TO ${target("runs")} (FORMAT parquet);
      COPY (
        SELECT ${streamed ? "run_id" : `${codeList(runIds)}[run_index + 1] AS run_id`}, CAST(step AS BIGINT) AS step,
          ${streamed ? "metric" : `${codeList(metrics)}[metric_index + 1] AS metric`}, value, runtime_s,
          make_timestamp(CAST(round(wall_time_s * 1e6) AS BIGINT)) AS wall_time
        FROM ${streamed ? "runlens_history()" : "history_raw"}
      ) TO ${target("history")} (FORMAT parquet, ROW_GROUP_SIZE 122880);
      COPY (SELECT * FROM metric_names) TO ${target("metrics")} (FORMAT parquet);
    `);
    progress(`wrote ${runs.length} runs, ${historyValues.toLocaleString("en-US")} history values, ${buffer.metricCodes.size} metrics in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return {runs: runs.length, historyRows, historyValues, skippedValues, metrics: buffer.metricCodes.size};
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
