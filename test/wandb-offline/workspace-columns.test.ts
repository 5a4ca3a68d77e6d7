/**
 * Offline runs → Parquet workspace through columns (the default for offline sources) must write exactly the
 * tables the row path writes: same runs, same history rows in the same order (NULL runtimes/wall times
 * included, across chunk boundaries), same metric catalog.
 */
import {cpSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {tableFromIPC} from "apache-arrow";
import {readParquet} from "parquet-wasm/node";
import {join} from "node:path";
import {describe, expect, it, vi} from "vitest";
import {emitHistoryRow} from "../../data-loaders/model/history-row.js";
import type {HistoryStats} from "../../data-loaders/model/run-record.js";
import {offlineDirReader} from "../../data-loaders/sources/offline-dir/read-offline-dir.js";
import {readOfflineRun} from "../../data-loaders/sources/wandb-offline/index.js";
import {exitRecord, historyRecord, runRecord, writeLog, type ItemSpec} from "../../data-loaders/sources/wandb-offline/log-writer.js";
import {TypedChunkAppender} from "../../data-loaders/workspace/typed-chunk-appender.js";
import {writeWorkspace, WORKSPACE_TABLES} from "../../data-loaders/workspace/write-workspace.js";
import {DOUBLE, DuckDBConnection, DuckDBInstance, INTEGER} from "@duckdb/node-api";
import {queryParquet} from "../helpers/duckdb.js";
import {FIXTURES, tempDir} from "./fixtures.js";
import {prng} from "./synth.js";

const flat = (key: string, valueJson: string): ItemSpec => ({nestedKey: [key], valueJson});

/** A run of `rows` rows with gaps in _runtime / _timestamp, steps going backwards now and then, odd values. */
function oddRun(runId: string, rows: number, seed: number): Buffer {
  const rand = prng(seed);
  const payloads = [runRecord({runId, project: "p", startSeconds: 1_700_000_000})];
  for (let row = 0; row < rows; row++) {
    const step = row % 97 === 50 ? row - 30 : row; // backwards now and then: metrics must be sorted by step, stably
    const items = [flat("_step", String(step))];
    if (rand() < 0.8) items.push(flat("_runtime", String(row * 0.5)));
    if (rand() < 0.7) items.push(flat("_timestamp", String(1_700_000_000 + row)));
    for (let m = 0; m < 5; m++) {
      if (rand() < 0.2) continue;
      const r = rand();
      const value = r < 0.05 ? "NaN" : r < 0.08 ? "null" : r < 0.1 ? '"text"' : r < 0.12 ? "true" : String(rand() * 10);
      items.push(flat(`metric/${m}`, value));
    }
    payloads.push(historyRecord(items));
  }
  payloads.push(exitRecord(0, rows));
  return writeLog(payloads);
}

async function tables(dir: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of WORKSPACE_TABLES) out[table] = await queryParquet(`SELECT * FROM '${join(dir, `${table}.parquet`)}'`);
  return out;
}

describe("offline workspace through columns", () => {
  it.each([
    ["fixtures + runs with gaps, backward steps, odd values (some runs as rows: appended)", true],
    ["only columnar runs (written through the table function)", false]
  ])("writes the same Parquet tables as the row path: %s", async (_name, withFixtures) => {
    const root = tempDir();
    const source = join(root, "wandb");
    if (withFixtures) cpSync(FIXTURES, source, {recursive: true});
    else mkdirSync(source);
    for (const [i, rows] of [5000, 2100, 3].entries()) {
      const dir = join(source, `offline-run-20260101_00000${i}-odd${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, `run-odd${i}.wandb`), oddRun(`odd${i}`, rows, 11 + i));
    }

    const columnar = offlineDirReader(source);
    const runs = await columnar.runs();
    const columnarRuns = runs.filter((run) => columnar.readHistoryColumns!(run) !== null).length;
    if (withFixtures) expect(columnarRuns).toBeGreaterThanOrEqual(6);
    expect(columnarRuns === runs.length).toBe(!withFixtures);
    const viaColumns = join(root, "columns");
    mkdirSync(viaColumns);
    const registered = vi.spyOn(DuckDBConnection.prototype, "registerTableFunction");
    const countsA = await writeWorkspace({runs, readHistory: columnar.readHistory, readHistoryColumns: columnar.readHistoryColumns}, viaColumns);
    expect(registered.mock.calls.length).toBe(withFixtures ? 0 : 1);
    registered.mockRestore();

    // The row path: the same runs decoded as rows, streamed point by point.
    const viaRows = join(root, "rows");
    mkdirSync(viaRows);
    const decoded = new Map(await Promise.all(runs.map(async (run) => [run, await readOfflineRun(run.origin)] as const)));
    const countsC = await writeWorkspace(
      {
        runs,
        readHistory(run, emit) {
          const stats: HistoryStats = {rows: 0, lastStep: null, skippedValues: 0};
          for (const row of decoded.get(run)!.history) {
            if (typeof row._step !== "number") {
              stats.skippedValues += Object.keys(row).filter((key) => !key.startsWith("_")).length;
              continue;
            }
            emitHistoryRow(row, row._step, stats, emit);
          }
          return stats;
        }
      },
      viaRows
    );
    expect(countsA).toEqual(countsC);
    const a = await tables(viaColumns);
    const b = await tables(viaRows);
    expect(a.history.length).toBe(countsA.historyValues);
    for (const table of WORKSPACE_TABLES) expect(a[table], table).toEqual(b[table]);
    // Same column types (run_id and metric stay strings when written from ENUMs by the table function)…
    for (const table of WORKSPACE_TABLES) {
      const schema = (dir: string) => queryParquet(`SELECT name, type, converted_type FROM parquet_schema('${join(dir, `${table}.parquet`)}')`);
      expect(await schema(viaColumns), table).toEqual(await schema(viaRows));
    }
    // …and the browser's Parquet reader (parquet-wasm → Arrow) gives the same strings from either file.
    const arrowStrings = (dir: string) => {
      const table = tableFromIPC(readParquet(readFileSync(join(dir, "history.parquet"))).intoIPCStream());
      return ["run_id", "metric"].map((name) => {
        const column = table.getChild(name)!;
        expect(String(column.type)).toBe("Utf8");
        return column.toArray() as string[];
      });
    };
    const [runIds, metrics] = arrowStrings(viaColumns);
    expect(runIds).toEqual(b.history.map((row) => (row as {run_id: string}).run_id));
    expect(metrics).toEqual(b.history.map((row) => (row as {metric: string}).metric));
    expect(arrowStrings(viaRows)).toEqual([runIds, metrics]);

    // NULLs where a row had no _runtime / _timestamp, kept across 2048-row chunks.
    const nulls = await queryParquet<{runtime: bigint; wall: bigint}>(
      `SELECT count(*) FILTER (WHERE runtime_s IS NULL) AS runtime, count(*) FILTER (WHERE wall_time IS NULL) AS wall FROM '${join(viaColumns, "history.parquet")}' WHERE run_id = 'odd0'`
    );
    expect(Number(nulls[0].runtime)).toBeGreaterThan(1000);
    expect(Number(nulls[0].wall)).toBeGreaterThan(1000);
  });
});

describe("offline workspace through columns: no history at all", () => {
  it("an empty history table has the same schema either way", async () => {
    const root = tempDir();
    const source = join(root, "wandb");
    mkdirSync(source);
    cpSync(join(FIXTURES, "offline-run-20210216_154407-g9dvvkua"), join(source, "offline-run-20210216_154407-g9dvvkua"), {recursive: true});
    const reader = offlineDirReader(source);
    const runs = await reader.runs();
    expect(runs.every((run) => reader.readHistoryColumns!(run) !== null)).toBe(true);
    const viaColumns = join(root, "columns");
    const viaRows = join(root, "rows");
    mkdirSync(viaColumns);
    mkdirSync(viaRows);
    await writeWorkspace({runs, readHistory: reader.readHistory, readHistoryColumns: reader.readHistoryColumns}, viaColumns);
    await writeWorkspace({runs, readHistory: reader.readHistory}, viaRows);
    const schema = (dir: string) => queryParquet(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${join(dir, "history.parquet")}')`);
    expect(await schema(viaColumns)).toEqual(await schema(viaRows));
    expect(await queryParquet(`SELECT count(*) AS n FROM '${join(viaColumns, "history.parquet")}'`)).toEqual([{n: 0n}]);
  });
});

describe("TypedChunkAppender", () => {
  it("appends exactly the rows given, NULLs included, across full and partial chunks (a chunk with NULLs, then one without)", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run("CREATE TABLE t (i INTEGER, a DOUBLE, b INTEGER, c DOUBLE, d DOUBLE, e DOUBLE)");
      const appender = new TypedChunkAppender(await connection.createAppender("t"), [INTEGER, DOUBLE, INTEGER, DOUBLE, DOUBLE, DOUBLE]);
      const rand = prng(5);
      const expected: (number | null)[][] = [];
      const total = 2048 * 3 + 777;
      for (let i = 0; i < total; i++) {
        // Chunk 0: NULLs here and there; chunk 1: none (stale masks must be cleared); chunk 2: every row NULL in e; tail: mixed.
        const chunk = Math.floor(i / 2048);
        const nullable = (p: number) => (chunk === 1 ? false : rand() < p);
        const row = [i, nullable(0.1) ? null : i * 0.5, nullable(0.05) ? null : 7 - i, NaN, nullable(0.3) ? null : Infinity, chunk === 2 || nullable(0.5) ? null : i / 3];
        expected.push(row);
        appender.row6(row[0], row[1], row[2], row[3], row[4], row[5]);
      }
      appender.close();
      const reader = await connection.runAndReadAll("SELECT * FROM t");
      const got = reader.getRows().map((row) => row.map((value) => (value === null ? null : Number(value))));
      expect(got.length).toBe(total);
      const firstBad = got.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(expected[i]));
      expect(firstBad === -1 ? null : [firstBad, got[firstBad], expected[firstBad]]).toBeNull();
      expect(got).toEqual(expected);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
