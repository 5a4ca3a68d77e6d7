/**
 * Research pages: turning the history query result (Arrow, as duckdb-wasm returns it) into what the research
 * functions index, then indexing it. Every history value of the sample workspace (the page queries them all:
 * 258,467) replicated ×10 (800 runs, 2.58M values), read from the workspace Parquet file with parquet-wasm.
 * Baseline, in the same run: the pages' previous path, one row object per value (arrowToRows) then indexHistory.
 */
import {readFileSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {Table, Utf8, tableFromIPC, vectorFromArray} from "apache-arrow";
import {readParquet} from "parquet-wasm/node";
import {indexHistory, indexHistoryColumns} from "@runlens/analyses";
import {SAMPLE_SOURCE} from "../data-loaders/sources/resolve-source.js";
import {ensureWorkspace} from "../data-loaders/workspace/ensure-workspace.js";
import {historyColumnsFromArrow, type ArrowHistoryTableLike} from "../src/components/arrow-history.js";
import {arrowToRows} from "../src/components/arrow-rows.js";

export interface PageHistoryBench {
  rows: number;
  /** Best of 3: Arrow → HistoryColumns → index. */
  columnsSeconds: number;
  /** Best of 3: Arrow → row objects → index (the baseline). */
  rowsSeconds: number;
  speedup: number;
}

/** The sample's history ×`copies`, run ids suffixed per copy, as one Arrow table (Utf8 names). */
async function replicatedHistory(copies: number): Promise<Table> {
  const root = mkdtempSync(join(tmpdir(), "runlens-page-bench-"));
  try {
    const workspace = await ensureWorkspace(SAMPLE_SOURCE, {root});
    const sample = tableFromIPC(readParquet(readFileSync(workspace.file("history"))).intoIPCStream());
    const runIds = sample.getChild("run_id")!.toArray() as string[];
    const metrics = sample.getChild("metric")!.toArray() as string[];
    const steps = Float64Array.from(sample.getChild("step")!.toArray() as ArrayLike<bigint>, Number);
    const values = Float64Array.from(sample.getChild("value")!.toArray() as ArrayLike<number>);
    const n = runIds.length;
    const run: string[] = new Array(n * copies);
    const metric: string[] = new Array(n * copies);
    const step = new Float64Array(n * copies);
    const value = new Float64Array(n * copies);
    for (let c = 0; c < copies; c++) {
      for (let i = 0; i < n; i++) {
        run[c * n + i] = `${runIds[i]}-${c}`;
        metric[c * n + i] = metrics[i];
      }
      step.set(steps, c * n);
      value.set(values, c * n);
    }
    // Plain Utf8 strings, as duckdb-wasm returns VARCHAR (tableFromArrays would dictionary-encode them).
    return new Table({
      run_id: vectorFromArray(run, new Utf8()),
      metric: vectorFromArray(metric, new Utf8()),
      step: vectorFromArray(step),
      value: vectorFromArray(value)
    });
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
}

export async function benchPageHistory(copies = 10): Promise<PageHistoryBench> {
  const table = await replicatedHistory(copies);
  let columns = Infinity;
  let rows = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    let started = performance.now();
    indexHistoryColumns(historyColumnsFromArrow(table as unknown as ArrowHistoryTableLike));
    columns = Math.min(columns, (performance.now() - started) / 1000);
    started = performance.now();
    indexHistory(arrowToRows(table as never) as never);
    rows = Math.min(rows, (performance.now() - started) / 1000);
  }
  return {rows: table.numRows, columnsSeconds: columns, rowsSeconds: rows, speedup: rows / columns};
}
