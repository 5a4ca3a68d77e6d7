import {DuckDBInstance} from "@duckdb/node-api";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {filterHistoryColumns, historyLength, indexHistory, indexHistoryColumns, type HistoryColumns, type HistoryRow} from "../../analyses/src/compare/index.js";
import {historyOf} from "../../analyses/src/research/common.js";
import {classifyFailures} from "../../analyses/src/failures/index.js";
import {loadWorkspaceColumns, loadWorkspaceRows} from "../../data-loaders/report/load-workspace-rows.js";
import {SAMPLE_SOURCE} from "../../data-loaders/sources/resolve-source.js";
import {ensureWorkspace} from "../../data-loaders/workspace/ensure-workspace.js";
import {plain} from "../helpers/history-index.js";
import {tempDir} from "../helpers/run-dir.js";

/** JSON with NaN and ±Infinity kept apart; includes the classifications' lazily written evidence and streak values. */
const exact = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? `number:${v}` : v));

/** Columns holding the same rows (codes in first-appearance order). */
function columnsOf(rows: readonly {run_id: string; metric: string; step: number; value: number}[]): HistoryColumns {
  const runIds: string[] = [];
  const metrics: string[] = [];
  const code = (list: string[], x: string) => (list.includes(x) ? list.indexOf(x) : list.push(x) - 1);
  return {
    run: Int32Array.from(rows, (r) => code(runIds, r.run_id)),
    metric: Int32Array.from(rows, (r) => code(metrics, r.metric)),
    step: Float64Array.from(rows, (r) => r.step),
    value: Float64Array.from(rows, (r) => r.value),
    runIds, metrics
  };
}

describe("indexHistoryColumns: columnar history gives the index rows give", () => {
  const rows = [
    {run_id: "a", metric: "loss", step: 0, value: 3},
    {run_id: "a", metric: "loss", step: 1, value: 2},
    {run_id: "a", metric: "loss", step: 1, value: NaN}, // duplicated step: the last row wins
    {run_id: "a", metric: "loss", step: NaN, value: 1}, // no usable step: skipped
    {run_id: "a", metric: "val", step: 5, value: Infinity},
    {run_id: "b", metric: "loss", step: 7, value: -1}
  ];

  it("hand-made columns in workspace order: duplicated steps keep their last row, unusable steps are counted", () => {
    const {index, skippedRows} = indexHistoryColumns(columnsOf(rows));
    expect(skippedRows).toBe(1);
    expect(plain(index)).toEqual([
      ["a", [["loss", [0, 1], [3, NaN]], ["val", [5], [Infinity]]]],
      ["b", [["loss", [7], [-1]]]]
    ]);
    // indexHistory recognises columns; the reader's own skipped rows are added.
    expect(indexHistory({...columnsOf(rows), skippedRows: 4}).skippedRows).toBe(5);
  });

  it("series of ordered columns are views (nothing copied); unordered columns are sorted like rows", () => {
    const clean = rows.filter((r) => Number.isFinite(r.step) && !(r.step === 1 && Number.isNaN(r.value)));
    const c = columnsOf(clean);
    const s = indexHistoryColumns(c).index.get("a")!.get("loss")!;
    expect(s.steps).toBeInstanceOf(Float64Array);
    expect((s.steps as Float64Array).buffer).toBe(c.step.buffer);
    // Reversed: the sorting path; runs and metrics in first-appearance order, a duplicated step keeps
    // the later row of the input — exactly what indexHistory does with the same rows.
    const reversed = rows.slice().reverse();
    const fromColumns = indexHistoryColumns(columnsOf(reversed));
    const fromRows = indexHistory(reversed.map((r) => ({...r}) as HistoryRow));
    expect(plain(fromColumns.index)).toEqual(plain(fromRows.index));
    expect(fromColumns.skippedRows).toBe(fromRows.skippedRows);
    expect(Array.from(fromColumns.index.get("a")!.get("loss")!.values)).toEqual([3, 2]);
  });

  it("a skipped row of another run inside a series neither splits nor drops it", () => {
    const withGap = [
      {run_id: "a", metric: "loss", step: 0, value: 1},
      {run_id: "b", metric: "loss", step: NaN, value: 9}, // unusable: ignored, wherever it sits
      {run_id: "a", metric: "loss", step: 1, value: 2},
      {run_id: "a", metric: "loss", step: 2, value: 3},
      {run_id: "b", metric: "loss", step: 0, value: 4}
    ];
    const {index, skippedRows} = indexHistoryColumns(columnsOf(withGap));
    expect(skippedRows).toBe(1);
    expect(plain(index)).toEqual([
      ["a", [["loss", [0, 1, 2], [1, 2, 3]]]],
      ["b", [["loss", [0], [4]]]]
    ]);
    expect(plain(index)).toEqual(plain(indexHistory(withGap.map((r) => ({...r}) as HistoryRow)).index));
  });

  it("interleaved runs and a step going back take the sorting path", () => {
    const mixed = [
      {run_id: "a", metric: "loss", step: 0, value: 1},
      {run_id: "b", metric: "loss", step: 0, value: 2},
      {run_id: "a", metric: "loss", step: 1, value: 3},
      {run_id: "b", metric: "loss", step: 2, value: 4},
      {run_id: "b", metric: "loss", step: 1, value: 5}
    ];
    expect(plain(indexHistoryColumns(columnsOf(mixed)).index)).toEqual([
      ["a", [["loss", [0, 1], [1, 3]]]],
      ["b", [["loss", [0, 1, 2], [2, 5, 4]]]]
    ]);
  });

  it("historyOf subsets columns as it filters rows (runs, metrics), sharing the series, keeping the reader's skipped count", () => {
    const clean = rows.filter((r) => Number.isFinite(r.step));
    const c = {...columnsOf(clean), skippedRows: 3};
    const asRows = clean.map((r) => ({...r}) as HistoryRow);
    for (const [ids, keep] of [[["a"], undefined], [null, (m: string) => m === "loss"], [["b"], (m: string) => m === "val"], [[], undefined]] as const) {
      const fromColumns = historyOf(c, ids, keep);
      const fromRows = historyOf(asRows, ids, keep) as HistoryRow[];
      expect(fromColumns).toBeInstanceOf(Map); // an index, whose series are views of the columns
      // An index counts logged values (a duplicated step's rows are one value).
      expect(historyLength(fromColumns)).toBe(historyLength(indexHistory(fromRows).index));
      expect(historyLength(fromColumns) === 0).toBe(fromRows.length === 0);
      expect(indexHistory(fromColumns).skippedRows).toBe(3);
      expect(plain(indexHistory(fromColumns).index)).toEqual(plain(indexHistory(fromRows).index));
      // A subset of a subset is the subset of the rows.
      const again = historyOf(fromColumns, ["a"]);
      expect(plain(indexHistory(again).index)).toEqual(plain(indexHistory(historyOf(fromRows, ["a"])).index));
      expect(indexHistory(again).skippedRows).toBe(3);
    }
    // The filtered copy (filterHistoryColumns) holds the same rows.
    const copy = filterHistoryColumns(c, (id) => id === "a");
    expect(plain(indexHistory(copy).index)).toEqual(plain(indexHistory(historyOf(asRows, ["a"])).index));
    expect(filterHistoryColumns(c)).toBe(c); // nothing dropped: the same columns
    expect(historyOf(undefined, null)).toEqual([]);
  });

  it("columns of different lengths or codes out of range are refused with the reason", () => {
    const c = columnsOf(rows);
    expect(() => indexHistoryColumns({...c, value: c.value.subarray(1)})).toThrow(/different lengths/);
    expect(() => indexHistoryColumns({...c, run: Int32Array.from(c.run, () => 9)})).toThrow(/out of range/);
  });
});

describe("loadWorkspaceColumns: the real sample read as columns equals the rows read", () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    root = tempDir("runlens-history-columns-");
    dir = (await ensureWorkspace(SAMPLE_SOURCE, {root: join(root, "ws")})).dir;
  }, 120_000);

  it("history.parquet as written (consecutive series): same index, same classifications", async () => {
    const rows = await loadWorkspaceRows(dir);
    const cols = await loadWorkspaceColumns(dir);
    expect(cols.history.step.length).toBe(rows.history.length);
    expect(cols.history.skippedRows).toBe(0);
    const a = indexHistory(rows.history);
    const b = indexHistory(cols.history);
    expect(plain(b.index)).toEqual(plain(a.index));
    expect(exact(classifyFailures(cols.runs, b.index))).toBe(exact(classifyFailures(rows.runs, a.index)));
    // Only some metrics: the series of those metrics, nothing else.
    const some = await loadWorkspaceColumns(dir, {metrics: ["loss", "val_loss", "no such metric"]});
    expect([...new Set(some.history.metrics)].sort()).toEqual(["loss", "val_loss"]);
    const c = indexHistory(some.history).index;
    for (const [run, byMetric] of a.index) {
      expect([...(c.get(run)?.keys() ?? [])].sort()).toEqual([...byMetric.keys()].filter((m) => m === "loss" || m === "val_loss").sort());
      expect(Array.from(c.get(run)!.get("loss")!.values)).toEqual(Array.from(byMetric.get("loss")!.values));
    }
  }, 120_000);

  it("a history file in another order, with nulls: the row-by-row path, nulls skipped and counted", async () => {
    const file = join(root, "shuffled.parquet");
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    try {
      // Every 50th row loses its value; rows in a hash order (not by run/metric/step).
      await c.run(`COPY (SELECT run_id, step, metric, CASE WHEN (row_number() OVER ()) % 50 = 0 THEN NULL ELSE value END AS value
        FROM read_parquet('${join(dir, "history.parquet")}') ORDER BY hash(run_id || metric || step::VARCHAR)) TO '${file}' (FORMAT parquet)`);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    const rows = await loadWorkspaceRows({runs: join(dir, "runs.parquet"), history: file});
    const cols = await loadWorkspaceColumns({runs: join(dir, "runs.parquet"), history: file});
    const nulls = rows.history.filter((r) => r.value === null).length;
    expect(nulls).toBeGreaterThan(100);
    expect(cols.history.skippedRows).toBe(nulls);
    expect(cols.history.step.length).toBe(rows.history.length - nulls);
    const a = indexHistory(rows.history);
    const b = indexHistory(cols.history);
    expect(b.skippedRows).toBe(a.skippedRows);
    // Same series (the order of runs in the map may differ: compare run by run).
    const byRun = (x: ReturnType<typeof plain>) => x.sort((p, q) => ((p[0] as string) < (q[0] as string) ? -1 : 1)).map(([run, m]) => [run, (m as unknown[][]).sort((p, q) => ((p[0] as string) < (q[0] as string) ? -1 : 1))]);
    expect(byRun(plain(b.index))).toEqual(byRun(plain(a.index)));
  }, 120_000);

  it("runFields reads only the named columns and config/summary keys (absent ones skipped)", async () => {
    const full = await loadWorkspaceColumns(dir);
    const some = await loadWorkspaceColumns(dir, {runFields: {config: ["fp8_format", "seed", "no_such_key"], summary: ["failure_reason"]}});
    expect(some.runs.length).toBe(full.runs.length);
    for (let i = 0; i < full.runs.length; i++) {
      const a = full.runs[i];
      const b = some.runs[i];
      expect(b.run_id).toBe(a.run_id);
      expect(b.state).toBe(a.state);
      expect(b.config).toEqual({fp8_format: a.config!.fp8_format, seed: a.config!.seed});
      expect(b.summary).toEqual({failure_reason: a.summary!.failure_reason ?? null});
    }
    const none = await loadWorkspaceColumns(dir, {runFields: {config: ["no_such_key"]}});
    expect(none.runs.every((r) => r.config === null)).toBe(true);
    // Top-level columns: run_id always, the named ones that exist, config/summary as asked.
    const few = await loadWorkspaceColumns(dir, {runFields: {columns: ["name", "state", "no_such_column"], config: ["optimizer"], summary: []}});
    expect(Object.keys(few.runs[0]).sort()).toEqual(["config", "name", "run_id", "state", "summary"]);
    expect(few.runs.map((r) => [r.run_id, r.name, r.state, r.config])).toEqual(full.runs.map((r) => [r.run_id, r.name, r.state, {optimizer: r.config!.optimizer}]));
    expect(few.runs.every((r) => r.summary === null)).toBe(true);
  }, 120_000);
});
