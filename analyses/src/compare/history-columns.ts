import type {HistoryIndex, Series} from "./rows.js";

/**
 * The history table as columns: one entry per logged value, run and metric as integer codes into
 * `runIds` / `metrics`. This is how a columnar reader (DuckDB chunks, Arrow) hands history over without
 * one JS object per row — millions of row objects cost seconds of allocation and garbage collection.
 */
export interface HistoryColumns {
  /** Distinct run ids; `run[i]` indexes into it. */
  runIds: readonly string[];
  /** Distinct metric names; `metric[i]` indexes into it. */
  metrics: readonly string[];
  run: Int32Array;
  metric: Int32Array;
  step: Float64Array;
  /** NaN and ±Infinity are values. */
  value: Float64Array;
  /** Rows the reader dropped (null step or value), counted into indexHistory's skippedRows. */
  skippedRows?: number;
}

export function isHistoryColumns(history: unknown): history is HistoryColumns {
  return history !== null && typeof history === "object" && !Array.isArray(history) && (history as HistoryColumns).step instanceof Float64Array;
}

/** Why the columns cannot be read (lengths differ, a code out of range); null when they are sound. */
export function historyColumnsProblem(c: HistoryColumns): string | null {
  const n = c.step.length;
  if (c.run.length !== n || c.metric.length !== n || c.value.length !== n) {
    return `history columns of different lengths (run ${c.run.length}, metric ${c.metric.length}, step ${c.step.length}, value ${c.value.length})`;
  }
  for (let i = 0; i < n; ++i) {
    const r = c.run[i];
    const m = c.metric[i];
    if (r < 0 || r >= c.runIds.length || m < 0 || m >= c.metrics.length) return `history row ${i}: run or metric code out of range`;
  }
  return null;
}

/** Positions [from, to) of a column: a view when the rows are in order (no copy), else a gathered copy. */
function slice(column: Float64Array, order: Uint32Array | null, from: number, to: number): Float64Array {
  if (order === null) return column.subarray(from, to);
  const out = new Float64Array(to - from);
  for (let i = from; i < to; ++i) out[i - from] = column[order[i]];
  return out;
}

/**
 * The index (run → metric → series) of columnar history, with the same rules as for rows: rows with a
 * non-finite step are skipped and counted; a duplicated step keeps its last row. Rows in workspace order
 * (runs together, a run's metrics together, steps ascending) take one pass; any other order is sorted
 * first (stable, so "last row" still means the later row of the input). Series of ordered columns are
 * views into them (Float64Array.subarray): indexing millions of rows copies nothing.
 */
export function indexHistoryColumns(c: HistoryColumns): {index: HistoryIndex; skippedRows: number} {
  const problem = historyColumnsProblem(c);
  if (problem !== null) throw new Error(problem);
  let skippedRows = c.skippedRows ?? 0;
  const n = c.step.length;
  let usable = 0;
  for (let i = 0; i < n; ++i) if (Number.isFinite(c.step[i])) ++usable;
  skippedRows += n - usable;
  const order = inWorkspaceOrder(c) ? null : sortedOrder(c, usable);
  const len = order === null ? n : order.length;
  const at = (i: number) => (order === null ? i : order[i]);
  const index: HistoryIndex = new Map();
  let i = 0;
  while (i < len) {
    // Skip unusable rows (only possible in the unsorted pass: the sort drops them).
    if (!Number.isFinite(c.step[at(i)])) {
      ++i;
      continue;
    }
    const run = c.run[at(i)];
    const metric = c.metric[at(i)];
    let j = i + 1;
    let distinct = 1;
    let duplicated = false;
    for (; j < len; ++j) {
      const k = at(j);
      if (c.run[k] !== run || c.metric[k] !== metric) break;
      const s = c.step[k];
      if (!Number.isFinite(s)) continue;
      if (s === c.step[at(j - 1)]) duplicated = true;
      else ++distinct;
    }
    const series: Series = duplicated || (order === null && j - i !== distinct) ? dedupe(c, order, i, j) : {steps: slice(c.step, order, i, j), values: slice(c.value, order, i, j)};
    const runId = c.runIds[run];
    let byMetric = index.get(runId);
    if (byMetric === undefined) index.set(runId, (byMetric = new Map()));
    byMetric.set(c.metrics[metric], series);
    i = j;
  }
  return {index, skippedRows};
}

/** A series with duplicated steps (or unusable rows inside it): keep each step's last finite-step row. */
function dedupe(c: HistoryColumns, order: Uint32Array | null, from: number, to: number): Series {
  const steps: number[] = [];
  const values: number[] = [];
  for (let i = from; i < to; ++i) {
    const k = order === null ? i : order[i];
    const s = c.step[k];
    if (!Number.isFinite(s)) continue;
    if (steps.length > 0 && steps[steps.length - 1] === s) values[values.length - 1] = c.value[k];
    else {
      steps.push(s);
      values.push(c.value[k]);
    }
  }
  return {steps, values};
}

/**
 * True when each run's rows are together, each metric's rows within a run are together, and steps
 * ascend (non-strictly) within each series. Rows with a non-finite step are ignored for the test.
 */
function inWorkspaceOrder(c: HistoryColumns): boolean {
  const seenRun = new Uint8Array(c.runIds.length);
  const metricSeenInRun = new Int32Array(c.metrics.length).fill(-1);
  let run = -1;
  let metric = -1;
  let last = -Infinity;
  for (let i = 0, n = c.step.length; i < n; ++i) {
    const s = c.step[i];
    if (!Number.isFinite(s)) continue;
    const r = c.run[i];
    const m = c.metric[i];
    if (r !== run) {
      if (seenRun[r] === 1) return false;
      seenRun[r] = 1;
      run = r;
      metric = -1;
    }
    if (m !== metric) {
      if (metricSeenInRun[m] === r) return false;
      metricSeenInRun[m] = r;
      metric = m;
      last = -Infinity;
    }
    if (s < last) return false;
    last = s;
  }
  return true;
}

/**
 * Positions of the usable rows sorted by (run, metric, step), ties in input order; runs, and a run's
 * metrics, ordered by first appearance — the order the index of unordered rows has.
 */
function sortedOrder(c: HistoryColumns, usable: number): Uint32Array {
  const order = new Uint32Array(usable);
  const runRank = new Int32Array(c.runIds.length).fill(-1);
  const pairRank = new Map<number, number>(); // run · |metrics| + metric → first appearance
  const width = c.metrics.length;
  const rank = new Int32Array(c.step.length);
  let runs = 0;
  let k = 0;
  for (let i = 0, n = c.step.length; i < n; ++i) {
    if (!Number.isFinite(c.step[i])) continue;
    order[k++] = i;
    if (runRank[c.run[i]] < 0) runRank[c.run[i]] = runs++;
    const pair = c.run[i] * width + c.metric[i];
    let r = pairRank.get(pair);
    if (r === undefined) pairRank.set(pair, (r = pairRank.size));
    rank[i] = r;
  }
  const sorted = Array.from(order).sort((a, b) => runRank[c.run[a]] - runRank[c.run[b]] || rank[a] - rank[b] || c.step[a] - c.step[b] || a - b);
  order.set(sorted);
  return order;
}
