// Read the workspace's `runs` and `history` tables into the row shapes the research functions take
// (analyses/src/research: ResearchData). The pages get the same rows through DuckDB-WASM and Arrow,
// converted by src/components/arrow-rows.ts; this file is the Node counterpart, and converts the same
// way (BIGINT → number, TIMESTAMP → Date, STRUCT → plain object), so both call the research
// functions with equal inputs and print equal numbers.
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {existsSync} from "node:fs";
import {join} from "node:path";
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

async function readRuns(connection: DuckDBConnection, file: string): Promise<RunRow[]> {
  const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)}) ORDER BY run_id`);
  return reader.getRowObjectsJS().map((row) => {
    const run = plainValue(row) as RunRow;
    // A struct with no fields is not an object the analyses can read: treat as absent.
    if (run.config !== null && typeof run.config !== "object") run.config = null;
    if (run.summary !== null && typeof run.summary !== "object") run.summary = null;
    return run;
  });
}

/**
 * History rows, read chunk by chunk. run_id and metric come back as small integer codes joined to
 * their distinct values, so each distinct string is allocated once however many rows repeat it (the
 * history of a large project holds millions of rows but only thousands of distinct strings).
 */
async function readHistory(connection: DuckDBConnection, file: string): Promise<HistoryRow[]> {
  const source = `read_parquet(${sqlString(file)})`;
  await connection.run(`CREATE OR REPLACE TEMP TABLE h AS SELECT run_id, step, metric, value FROM ${source}`);
  const runIds = (await connection.runAndReadAll("SELECT DISTINCT run_id FROM h ORDER BY run_id")).getRowsJS().map((r) => String(r[0]));
  const metrics = (await connection.runAndReadAll("SELECT DISTINCT metric FROM h ORDER BY metric")).getRowsJS().map((r) => String(r[0]));
  // ENUM codes, not a join: a scan keeps the file's row order (a duplicated step keeps its last row
  // in indexHistory, as it does in the browser).
  await connection.run("CREATE TYPE run_code AS ENUM (SELECT DISTINCT run_id FROM h ORDER BY run_id)");
  await connection.run("CREATE TYPE metric_code AS ENUM (SELECT DISTINCT metric FROM h ORDER BY metric)");
  const result = await connection.stream(
    "SELECT enum_code(run_id::run_code)::INTEGER, step::DOUBLE, enum_code(metric::metric_code)::INTEGER, value FROM h"
  );
  const rows: HistoryRow[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const ri = chunk.getColumnVector(0);
    const step = chunk.getColumnVector(1);
    const mi = chunk.getColumnVector(2);
    const value = chunk.getColumnVector(3);
    for (let i = 0, n = chunk.rowCount; i < n; ++i) {
      rows.push({run_id: runIds[ri.getItem(i) as number], step: step.getItem(i) as number, metric: metrics[mi.getItem(i) as number], value: value.getItem(i) as number | null});
    }
  }
  await connection.run("DROP TABLE h; DROP TYPE run_code; DROP TYPE metric_code");
  return rows;
}

/** Read `runs` and `history` of a workspace (its folder, or the two Parquet files). */
export async function loadWorkspaceRows(tables: WorkspaceTables | string): Promise<WorkspaceRows> {
  const files = typeof tables === "string" ? workspaceTables(tables) : tables;
  for (const file of [files.runs, files.history]) {
    if (!existsSync(file)) throw new Error(`workspace table not found: ${file}`);
  }
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const runs = await readRuns(connection, files.runs);
    const history = await readHistory(connection, files.history);
    return {runs, history};
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
