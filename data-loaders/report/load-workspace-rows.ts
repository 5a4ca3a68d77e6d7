// Read the workspace's `runs` and `history` tables into the row shapes the research functions take
// (analyses/src/research: ResearchData). The pages get the same rows through DuckDB-WASM and Arrow,
// converted by src/components/arrow-rows.ts; this file is the Node counterpart, and converts the same
// way (BIGINT → number, TIMESTAMP → Date, STRUCT → plain object), so both call the research
// functions with equal inputs and print equal numbers.
import {DuckDBInstance, DuckDBStructType, type DuckDBConnection, type DuckDBVector} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {join} from "node:path";
import type {HistoryColumns} from "@runlens/analyses/compare/history-columns";
import type {HistoryRow, RunRow} from "@runlens/analyses/compare/rows";

export interface WorkspaceTables {
  runs: string;
  history: string;
}

export interface WorkspaceRows {
  runs: RunRow[];
  history: HistoryRow[];
}

/** The Parquet files of a workspace folder (as written by ensureWorkspace). */
export function workspaceTables(dir: string): WorkspaceTables {
  return {runs: join(dir, "runs.parquet"), history: join(dir, "history.parquet")};
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** BigInt → number, recursively through arrays and plain objects (config/summary structs, tag lists). */
export function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainValue(v);
    return out;
  }
  return value;
}

/** What to read of the runs table; everything when not given. */
export interface RunFields {
  /** Top-level columns to keep (run_id always; absent ones skipped); all when not given. */
  columns?: readonly string[];
  /** config keys to keep (absent keys skipped); all when not given. */
  config?: readonly string[];
  /** summary keys to keep (absent keys skipped); all when not given. */
  summary?: readonly string[];
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The select list for `fields`: the kept columns, config/summary as a struct_pack of the kept keys. */
async function projection(connection: DuckDBConnection, file: string, fields: RunFields): Promise<string> {
  const types = await connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)}) LIMIT 0`);
  const names = types.columnNames();
  const kept = fields.columns === undefined ? names : names.filter((n) => n === "run_id" || n === "config" || n === "summary" || fields.columns!.includes(n));
  const select = kept.map((name) => {
    const wanted = name === "config" || name === "summary" ? fields[name] : undefined;
    if (wanted === undefined) return quoted(name);
    const type = types.columnTypes()[names.indexOf(name)];
    const have = new Set(type instanceof DuckDBStructType ? type.entryNames : []);
    const keys = wanted.filter((k) => have.has(k));
    return keys.length === 0 ? `NULL AS ${name}` : `struct_pack(${keys.map((k) => `${quoted(k)} := ${name}.${quoted(k)}`).join(", ")}) AS ${name}`;
  });
  return select.join(", ");
}

async function readRuns(connection: DuckDBConnection, file: string, fields?: RunFields): Promise<RunRow[]> {
  const select = fields === undefined ? "*" : await projection(connection, file, fields);
  const reader = await connection.runAndReadAll(`SELECT ${select} FROM read_parquet(${sqlString(file)}) ORDER BY run_id`);
  return reader.getRowObjectsJS().map((row) => {
    const run = plainValue(row) as RunRow;
    // A struct with no fields is not an object the analyses can read: treat as absent.
    if (run.config !== null && typeof run.config !== "object") run.config = null;
    if (run.summary !== null && typeof run.summary !== "object") run.summary = null;
    return run;
  });
}

/** history.parquet as a source with the file's row number `r` (to read rows in file order). */
function historySource(file: string, where = "TRUE"): string {
  return `(SELECT run_id, metric, step, value, file_row_number AS r FROM read_parquet(${sqlString(file)}, file_row_number = true) WHERE ${where})`;
}

/**
 * History rows, read chunk by chunk in the file's order. run_id and metric come back as small integer
 * codes joined to their distinct values, so each distinct string is allocated once however many rows
 * repeat it (the history of a large project holds millions of rows but only thousands of distinct strings).
 */
async function readHistory(connection: DuckDBConnection, file: string): Promise<HistoryRow[]> {
  const rows: HistoryRow[] = [];
  await scanCoded(connection, historySource(file), (runIds, metrics, run, step, metric, value) => {
    rows.push({run_id: (run === null ? null : runIds[run]) as string, step: step as number, metric: (metric === null ? null : metrics[metric]) as string, value});
  });
  return rows;
}

/**
 * Every row of `source` in file order (ORDER BY r), run_id and metric as ENUM codes into the distinct
 * values (sorted); `row` gets each row, nulls as null. Returns the distinct run ids and metrics.
 */
async function scanCoded(
  connection: DuckDBConnection,
  source: string,
  row: (runIds: string[], metrics: string[], run: number | null, step: number | null, metric: number | null, value: number | null) => void
): Promise<{runIds: string[]; metrics: string[]}> {
  await connection.run(`CREATE OR REPLACE TEMP VIEW h AS SELECT * FROM ${source}`);
  try {
    const runIds = (await connection.runAndReadAll("SELECT DISTINCT run_id FROM h WHERE run_id IS NOT NULL ORDER BY run_id")).getRowsJS().map((r) => String(r[0]));
    const metrics = (await connection.runAndReadAll("SELECT DISTINCT metric FROM h WHERE metric IS NOT NULL ORDER BY metric")).getRowsJS().map((r) => String(r[0]));
    await connection.run("CREATE TYPE run_code AS ENUM (SELECT DISTINCT run_id FROM h WHERE run_id IS NOT NULL ORDER BY run_id)");
    await connection.run("CREATE TYPE metric_code AS ENUM (SELECT DISTINCT metric FROM h WHERE metric IS NOT NULL ORDER BY metric)");
    const result = await connection.stream(
      "SELECT enum_code(run_id::run_code)::INTEGER, step::DOUBLE, enum_code(metric::metric_code)::INTEGER, value FROM h ORDER BY r"
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const ri = chunk.getColumnVector(0);
      const st = chunk.getColumnVector(1);
      const mi = chunk.getColumnVector(2);
      const va = chunk.getColumnVector(3);
      for (let i = 0, n = chunk.rowCount; i < n; ++i) {
        row(runIds, metrics, ri.getItem(i) as number | null, st.getItem(i) as number | null, mi.getItem(i) as number | null, va.getItem(i) as number | null);
      }
    }
    return {runIds, metrics};
  } finally {
    await connection.run("DROP VIEW IF EXISTS h; DROP TYPE IF EXISTS run_code; DROP TYPE IF EXISTS metric_code");
  }
}

/** Growable typed columns for the chunk-by-chunk history read. */
class Columns {
  run = new Int32Array(1 << 16);
  metric = new Int32Array(1 << 16);
  step = new Float64Array(1 << 16);
  value = new Float64Array(1 << 16);
  length = 0;

  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.step.length) return;
    let size = this.step.length;
    while (size < need) size *= 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.run = grow(this.run, (n) => new Int32Array(n));
    this.metric = grow(this.metric, (n) => new Int32Array(n));
    this.step = grow(this.step, (n) => new Float64Array(n));
    this.value = grow(this.value, (n) => new Float64Array(n));
  }
}

/**
 * Copy a chunk's DOUBLE column into `out` at `at`. Uses the vector's backing Float64Array when the
 * installed @duckdb/node-api exposes it and its validity mask says "no nulls"; otherwise reads item by
 * item (a null becomes NaN: callers only copy columns they know to be free of nulls).
 */
function copyDoubles(vector: DuckDBVector, count: number, out: Float64Array, at: number): void {
  const raw = vector as unknown as {items?: unknown; validity?: {data?: unknown}};
  if (raw.items instanceof Float64Array && raw.items.length === count && raw.validity?.data === null) {
    out.set(raw.items, at);
    return;
  }
  for (let i = 0; i < count; ++i) out[at + i] = (vector.getItem(i) as number | null) ?? NaN;
}

/**
 * History as columns (HistoryColumns), rows in the file's order; rows with a null run_id, metric, step
 * or value are dropped and counted in `skippedRows`. `metrics` limits the read to those metrics.
 *
 * Files written by the workspace writer keep each (run, metric) series in consecutive rows. For them,
 * one GROUP BY over the file's row numbers gives each series' run, metric and row count, and only the
 * step and value columns are streamed, copied chunk by chunk into typed arrays: no string is decoded
 * per row. Any other file is read with run and metric as ENUM codes, row by row.
 */
async function readHistoryColumns(connection: DuckDBConnection, file: string, metrics?: readonly string[]): Promise<HistoryColumns> {
  const keep = metrics === undefined ? "TRUE" : metrics.length === 0 ? "FALSE" : `metric IN (${metrics.map(sqlString).join(", ")})`;
  const source = historySource(file, keep);
  // Series in file order; `ok` when a series' rows are consecutive in the file and none is null.
  const groups = await connection.runAndReadAll(
    `WITH g AS (SELECT run_id, metric, count(*) AS n, count(*) FILTER (WHERE step IS NULL OR value IS NULL) AS missing,
       max(r) - min(r) + 1 AS span, min(r) AS first FROM ${source} GROUP BY run_id, metric)
     SELECT run_id, metric, n::INTEGER, (n = span AND missing = 0 AND run_id IS NOT NULL AND metric IS NOT NULL) FROM g ORDER BY first`
  );
  const rows = groups.getRowsJS() as [string, string, number, boolean][];
  // (A metric filter drops whole series, so the kept series stay consecutive in the file.)
  if (rows.every((g) => g[3])) return readContiguous(connection, source, rows);
  return readWithCodes(connection, source);
}

async function readContiguous(connection: DuckDBConnection, source: string, groups: [string, string, number, boolean][]): Promise<HistoryColumns> {
  const runIds: string[] = [];
  const metricNames: string[] = [];
  const runCode = new Map<string, number>();
  const metricCode = new Map<string, number>();
  let total = 0;
  for (const g of groups) total += g[2];
  const run = new Int32Array(total);
  const metric = new Int32Array(total);
  let at = 0;
  for (const [id, name, count] of groups) {
    let r = runCode.get(id);
    if (r === undefined) runCode.set(id, (r = runIds.push(id) - 1));
    let m = metricCode.get(name);
    if (m === undefined) metricCode.set(name, (m = metricNames.push(name) - 1));
    const n = count;
    run.fill(r, at, at + n);
    metric.fill(m, at, at + n);
    at += n;
  }
  const step = new Float64Array(total);
  const value = new Float64Array(total);
  const result = await connection.stream(`SELECT step::DOUBLE, value FROM ${source}`);
  let k = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    if (k + n > total) throw new Error("history changed while it was read: more rows than counted");
    copyDoubles(chunk.getColumnVector(0), n, step, k);
    copyDoubles(chunk.getColumnVector(1), n, value, k);
    k += n;
  }
  if (k !== total) throw new Error(`history changed while it was read: ${k} rows, ${total} counted`);
  return {runIds, metrics: metricNames, run, metric, step, value, skippedRows: 0};
}

async function readWithCodes(connection: DuckDBConnection, source: string): Promise<HistoryColumns> {
  const columns = new Columns();
  let skippedRows = 0;
  const {runIds, metrics} = await scanCoded(connection, source, (_runIds, _metrics, r, s, m, v) => {
    if (r === null || m === null || s === null || v === null) {
      ++skippedRows;
      return;
    }
    columns.reserve(1);
    const k = columns.length++;
    columns.run[k] = r;
    columns.metric[k] = m;
    columns.step[k] = s;
    columns.value[k] = v;
  });
  const n = columns.length;
  return {
    runIds, metrics, skippedRows,
    run: columns.run.slice(0, n), metric: columns.metric.slice(0, n), step: columns.step.slice(0, n), value: columns.value.slice(0, n)
  };
}

export interface WorkspaceColumns {
  runs: RunRow[];
  history: HistoryColumns;
}

/** Open an in-memory DuckDB for the workspace's two tables (refused when one is missing), run `read`, close. */
async function withWorkspace<T>(tables: WorkspaceTables | string, read: (connection: DuckDBConnection, files: WorkspaceTables) => Promise<T>): Promise<T> {
  const files = typeof tables === "string" ? workspaceTables(tables) : tables;
  for (const file of [files.runs, files.history]) {
    if (!existsSync(file)) throw new Error(`workspace table not found: ${file}`);
  }
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return await read(connection, files);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Read `runs` (rows) and `history` (columns) of a workspace: the fast path for large histories, for
 * the research functions and indexHistory (both accept HistoryColumns). `metrics` limits the history
 * read, `runFields` the run columns and config/summary keys read (a run table can hold hundreds of keys).
 */
export async function loadWorkspaceColumns(tables: WorkspaceTables | string, options: {metrics?: readonly string[]; runFields?: RunFields} = {}): Promise<WorkspaceColumns> {
  return withWorkspace(tables, async (connection, files) => ({
    runs: await readRuns(connection, files.runs, options.runFields),
    history: await readHistoryColumns(connection, files.history, options.metrics)
  }));
}

/** Read `runs` and `history` of a workspace (its folder, or the two Parquet files). */
export async function loadWorkspaceRows(tables: WorkspaceTables | string): Promise<WorkspaceRows> {
  return withWorkspace(tables, async (connection, files) => ({
    runs: await readRuns(connection, files.runs),
    history: await readHistory(connection, files.history)
  }));
}
