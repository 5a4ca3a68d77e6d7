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

/**
 * The index (run → metric → series) of columnar history, with the same rules as for rows: rows with a
 * non-finite step are skipped and counted; a duplicated step keeps its last row. Rows in workspace order
 * (runs together, a run's metrics together, steps ascending) take one pass, and their series are views
 * into the columns (Float64Array.subarray): indexing millions of rows copies nothing. Any other order
 * is sorted first (stable, so "last row" still means the later row of the input).
 */
export function indexHistoryColumns(c: HistoryColumns): {index: HistoryIndex; skippedRows: number} {
  const problem = historyColumnsProblem(c);
  if (problem !== null) throw new Error(problem);
  const ranges = orderedRanges(c);
  if (ranges !== null) {
    const index: HistoryIndex = new Map();
    const {from, to, dirty} = ranges;
    for (let r = 0; r < from.length; ++r) {
      const i = from[r];
      const run = c.run[i];
      const metric = c.metric[i];
      const series: Series = dirty[r] ? collect(c, null, from[r], to[r], run, metric) : {steps: c.step.subarray(i, to[r]), values: c.value.subarray(i, to[r])};
      const runId = c.runIds[run];
      let byMetric = index.get(runId);
      if (byMetric === undefined) index.set(runId, (byMetric = new Map()));
      byMetric.set(c.metrics[metric], series);
    }
    return {index, skippedRows: (c.skippedRows ?? 0) + ranges.skipped};
  }
  return indexSorted(c);
}

/**
 * One pass over rows in workspace order: each series' range [from, to) of positions, and whether it
 * holds a duplicated step or a skipped row (`dirty`: built by collect, not as a view). Rows with a
 * non-finite step are skipped (counted) and ignored for the order. Null when the rows are in any
 * other order (a run or a run's metric seen again after others, a step going back).
 */
function orderedRanges(c: HistoryColumns): {from: number[]; to: number[]; dirty: boolean[]; skipped: number} | null {
  const seenRun = new Uint8Array(c.runIds.length);
  const metricSeenInRun = new Int32Array(c.metrics.length).fill(-1);
  const from: number[] = [];
  const to: number[] = [];
  const dirty: boolean[] = [];
  const {run: runs, metric: metrics, step: steps} = c;
  let run = -1;
  let metric = -1;
  let last = -Infinity;
  let skipped = 0;
  let skippedInSeries = false;
  for (let i = 0, n = steps.length; i < n; ++i) {
    const s = steps[i];
    if (!(s - s === 0)) {
      // non-finite step (NaN − NaN and ∞ − ∞ are NaN)
      ++skipped;
      skippedInSeries = true;
      continue;
    }
    const r = runs[i];
    const m = metrics[i];
    if (r !== run || m !== metric) {
      if (r !== run) {
        if (seenRun[r] === 1) return null;
        seenRun[r] = 1;
        run = r;
      }
      if (metricSeenInRun[m] === r) return null;
      metricSeenInRun[m] = r;
      metric = m;
      from.push(i);
      to.push(i + 1);
      dirty.push(false);
      skippedInSeries = false;
      last = s;
      continue;
    }
    if (s < last) return null;
    const k = to.length - 1;
    if (s === last || skippedInSeries) dirty[k] = true;
    to[k] = i + 1;
    last = s;
  }
  return {from, to, dirty, skipped};
}

/** Index of columns in any order: usable rows sorted (see sortedOrder), then grouped. */
function indexSorted(c: HistoryColumns): {index: HistoryIndex; skippedRows: number} {
  let usable = 0;
  for (let i = 0, n = c.step.length; i < n; ++i) if (Number.isFinite(c.step[i])) ++usable;
  const order = sortedOrder(c, usable);
  const index: HistoryIndex = new Map();
  let i = 0;
  while (i < order.length) {
    const run = c.run[order[i]];
    const metric = c.metric[order[i]];
    let j = i + 1;
    while (j < order.length && c.run[order[j]] === run && c.metric[order[j]] === metric) ++j;
    const runId = c.runIds[run];
    let byMetric = index.get(runId);
    if (byMetric === undefined) index.set(runId, (byMetric = new Map()));
    byMetric.set(c.metrics[metric], collect(c, order, i, j, run, metric));
    i = j;
  }
  return {index, skippedRows: (c.skippedRows ?? 0) + c.step.length - usable};
}

/**
 * The series of (run, metric) from positions [from, to) (through `order` when given): rows of other
 * series and rows with a non-finite step left out, a duplicated step keeping its last row.
 */
function collect(c: HistoryColumns, order: Uint32Array | null, from: number, to: number, run: number, metric: number): Series {
  const steps: number[] = [];
  const values: number[] = [];
  for (let i = from; i < to; ++i) {
    const k = order === null ? i : order[i];
    const s = c.step[k];
    if (!Number.isFinite(s) || c.run[k] !== run || c.metric[k] !== metric) continue;
    if (steps.length > 0 && steps[steps.length - 1] === s) values[values.length - 1] = c.value[k];
    else {
      steps.push(s);
      values.push(c.value[k]);
    }
  }
  return {steps, values};
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

/**
 * History as the research functions take it: rows; columns from a columnar reader; or an index of
 * columns (what historyOf gives for columns: subsets share the series, nothing is copied).
 */
export type HistoryInput = readonly import("./rows.js").HistoryRow[] | HistoryColumns | HistoryIndex;

/**
 * Number of history rows (rows, column entries) in `history`; for an index, its logged values (the
 * rows of a duplicated step count once).
 */
export function historyLength(history: HistoryInput): number {
  if (history instanceof Map) {
    let n = 0;
    for (const byMetric of history.values()) for (const s of byMetric.values()) n += s.steps.length;
    return n;
  }
  return isHistoryColumns(history) ? history.step.length : history.length;
}

/** Rows skipped by the reader and the index an index was made from (see indexOfColumns, subsetIndex). */
const SKIPPED = new WeakMap<HistoryIndex, number>();

export function skippedRowsOf(index: HistoryIndex): number {
  return SKIPPED.get(index) ?? 0;
}

/** The index of `columns`, built once per columns object (series are views: cheap to keep). */
const INDEX_OF = new WeakMap<HistoryColumns, HistoryIndex>();

export function indexOfColumns(columns: HistoryColumns): HistoryIndex {
  let index = INDEX_OF.get(columns);
  if (index === undefined) {
    const built = indexHistoryColumns(columns);
    index = built.index;
    SKIPPED.set(index, built.skippedRows);
    INDEX_OF.set(columns, index);
  }
  return index;
}

/**
 * The runs passing `keepRun` and metrics passing `keepMetric` of an index, as a new index sharing the
 * series (nothing copied); it keeps the skipped-row count of its source.
 */
export function subsetIndex(index: HistoryIndex, keepRun?: (runId: string) => boolean, keepMetric?: (metric: string) => boolean): HistoryIndex {
  const out: HistoryIndex = new Map();
  for (const [runId, byMetric] of index) {
    if (keepRun !== undefined && !keepRun(runId)) continue;
    if (keepMetric === undefined) out.set(runId, byMetric);
    else {
      const kept = new Map<string, Series>();
      for (const [metric, s] of byMetric) if (keepMetric(metric)) kept.set(metric, s);
      if (kept.size > 0) out.set(runId, kept);
    }
  }
  SKIPPED.set(out, skippedRowsOf(index));
  return out;
}

/**
 * The rows of `columns` whose run passes `keepRun` and metric passes `keepMetric` (either may be
 * omitted: keep all), in their order, as new columns sharing the dictionaries. `skippedRows` (rows the
 * reader dropped, which belong to no known series) is carried over whole.
 */
export function filterHistoryColumns(columns: HistoryColumns, keepRun?: (runId: string) => boolean, keepMetric?: (metric: string) => boolean): HistoryColumns {
  const runOk = Uint8Array.from(columns.runIds, (id) => (keepRun === undefined || keepRun(id) ? 1 : 0));
  const metricOk = Uint8Array.from(columns.metrics, (m) => (keepMetric === undefined || keepMetric(m) ? 1 : 0));
  if (runOk.every((x) => x === 1) && metricOk.every((x) => x === 1)) return columns;
  const n = columns.step.length;
  let kept = 0;
  for (let i = 0; i < n; ++i) if (runOk[columns.run[i]] === 1 && metricOk[columns.metric[i]] === 1) ++kept;
  const out: HistoryColumns = {
    runIds: columns.runIds, metrics: columns.metrics,
    run: new Int32Array(kept), metric: new Int32Array(kept), step: new Float64Array(kept), value: new Float64Array(kept),
    skippedRows: columns.skippedRows
  };
  for (let i = 0, k = 0; i < n; ++i) {
    if (runOk[columns.run[i]] !== 1 || metricOk[columns.metric[i]] !== 1) continue;
    out.run[k] = columns.run[i];
    out.metric[k] = columns.metric[i];
    out.step[k] = columns.step[i];
    out.value[k] = columns.value[i];
    ++k;
  }
  return out;
}
