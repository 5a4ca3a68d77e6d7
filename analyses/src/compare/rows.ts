/**
 * Row shapes of the Parquet workspace as pages and loaders get them from DuckDB (node-api or WASM via
 * Arrow), and total helpers to read them. BIGINT columns arrive as `bigint`, TIMESTAMP as `Date` (or a
 * number / string / `{micros}` object, depending on the reader): every helper here accepts all of them.
 */

import {indexHistoryColumns, isHistoryColumns, skippedRowsOf, type HistoryColumns} from "./history-columns.js";

/** One row of `history.parquet`: one logged value. */
export interface HistoryRow {
  run_id: string;
  step: number | bigint;
  metric: string;
  /** NaN and ±Infinity are values; null means "no value" (never produced by the workspace writer). */
  value: number | null;
}

/** One row of `runs.parquet` (only the columns the analyses use; others are ignored). */
export interface RunRow {
  run_id: string;
  name?: string | null;
  state?: string | null;
  group?: string | null;
  created_at?: unknown;
  last_step?: number | bigint | null;
  config?: Record<string, unknown> | null;
  summary?: Record<string, unknown> | null;
  [column: string]: unknown;
}

/** One logged series of a run: ascending steps, values at those steps (NaN/±Inf kept). */
export interface Series {
  steps: SeriesArray;
  values: SeriesArray;
}

/** A series' numbers: a plain array, or a view into a columnar read (no copy). Read-only for consumers. */
export type SeriesArray = readonly number[] | Float64Array;

/** history rows grouped run → metric → series (ascending step; a duplicated step keeps its last row). */
export type HistoryIndex = Map<string, Map<string, Series>>;

/** Number from a number/bigint/numeric string; null for anything else (null, "", objects, booleans). */
export function toNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isNaN(n) && !/^\s*nan\s*$/i.test(value) ? null : n;
  }
  return null;
}

/**
 * Group history rows by run and metric; rows with a non-numeric step, or value null, are counted, not used.
 *
 * Rows in workspace order (each run's rows together, each metric's rows together and in ascending step —
 * how `history.parquet` is written) are indexed in one pass without sorting or per-row objects; any other
 * order falls back to a sort per series. Both give the same index. Columnar history (HistoryColumns, from
 * a columnar reader) is indexed the same way without row objects. An index (from historyOf on
 * columns) is returned as it is, with the skipped rows of the history it came from.
 */
export function indexHistory(history: readonly HistoryRow[] | HistoryColumns | HistoryIndex): {index: HistoryIndex; skippedRows: number} {
  if (history instanceof Map) return {index: history, skippedRows: skippedRowsOf(history)};
  if (isHistoryColumns(history)) return indexHistoryColumns(history);
  return indexOrdered(history) ?? indexAnyOrder(history);
}

/** True when the row cannot be used (counted in skippedRows). */
function unusable(row: HistoryRow, step: number | null, value: number | null): boolean {
  return row === null || typeof row !== "object" || typeof row.run_id !== "string" || typeof row.metric !== "string" || step === null || !Number.isFinite(step) || value === null;
}

function rowValue(row: HistoryRow): number | null {
  const v = row?.value;
  return typeof v === "number" ? v : v === null || v === undefined ? null : toNumber(v);
}

/** The one-pass index for rows in workspace order; null when the rows are in any other order. */
function indexOrdered(history: readonly HistoryRow[]): {index: HistoryIndex; skippedRows: number} | null {
  const index: HistoryIndex = new Map();
  let skippedRows = 0;
  let runId: string | null = null;
  let metric: string | null = null;
  let byMetric: Map<string, Series> | undefined;
  let steps: number[] = [];
  let values: number[] = [];
  let last = -Infinity;
  for (let i = 0; i < history.length; i++) {
    const row = history[i];
    const s = row?.step;
    const step = typeof s === "number" ? s : toNumber(s);
    const value = rowValue(row);
    if (unusable(row, step, value)) {
      ++skippedRows;
      continue;
    }
    if (row.run_id !== runId) {
      if (index.has(row.run_id)) return null; // the run's rows are not together
      runId = row.run_id;
      index.set(runId, (byMetric = new Map()));
      metric = null;
    }
    if (row.metric !== metric) {
      if (byMetric!.has(row.metric)) return null; // the metric's rows are not together
      metric = row.metric;
      byMetric!.set(metric, {steps: (steps = []), values: (values = [])});
      last = -Infinity;
    }
    if (step! > last) {
      steps.push(step!);
      values.push(value!);
      last = step!;
    } else if (step === last) values[values.length - 1] = value!; // a duplicated step keeps its last row
    else return null; // steps not ascending
  }
  return {index, skippedRows};
}

function indexAnyOrder(history: readonly HistoryRow[]): {index: HistoryIndex; skippedRows: number} {
  const raw = new Map<string, Map<string, {step: number; value: number}[]>>();
  let skippedRows = 0;
  for (const row of history) {
    const step = toNumber(row?.step);
    const value = rowValue(row);
    if (unusable(row, step, value)) {
      ++skippedRows;
      continue;
    }
    let byMetric = raw.get(row.run_id);
    if (byMetric === undefined) raw.set(row.run_id, (byMetric = new Map()));
    let list = byMetric.get(row.metric);
    if (list === undefined) byMetric.set(row.metric, (list = []));
    list.push({step: step!, value: value!});
  }
  const index: HistoryIndex = new Map();
  for (const [runId, byMetric] of raw) {
    const out = new Map<string, Series>();
    for (const [metric, list] of byMetric) {
      list.sort((a, b) => a.step - b.step); // stable: a duplicated step keeps its last row
      const steps: number[] = [];
      const values: number[] = [];
      for (const {step, value} of list) {
        if (steps.length > 0 && steps[steps.length - 1] === step) values[values.length - 1] = value;
        else {
          steps.push(step);
          values.push(value);
        }
      }
      out.set(metric, {steps, values});
    }
    index.set(runId, out);
  }
  return {index, skippedRows};
}

/** Largest logged step of a run over all its metrics (null when the run has no history rows). */
export function lastLoggedStep(byMetric: Map<string, Series> | undefined): number | null {
  if (byMetric === undefined) return null;
  let last: number | null = null;
  for (const series of byMetric.values()) {
    const s = series.steps[series.steps.length - 1];
    if (s !== undefined && (last === null || s > last)) last = s;
  }
  return last;
}

/** Ascending distinct steps at which the run logged anything. */
export function loggedSteps(byMetric: Map<string, Series> | undefined): number[] {
  if (byMetric === undefined) return [];
  const set = new Set<number>();
  for (const series of byMetric.values()) for (const s of series.steps) set.add(s);
  return [...set].sort((a, b) => a - b);
}

const TOP_LEVEL = new Set(["run_id", "name", "state", "group", "job_type", "source", "entity", "project", "tags", "created_at", "last_step"]);

/**
 * A run attribute by key: `config.<key>` / `summary.<key>` explicitly, a run column (`state`, `group`,
 * `name`, …) by name, else a config key. Undefined when absent; bigint turned into number.
 */
export function runAttribute(run: RunRow, key: string): unknown {
  let value: unknown;
  if (key.startsWith("config.")) value = run.config?.[key.slice(7)];
  else if (key.startsWith("summary.")) value = run.summary?.[key.slice(8)];
  else {
    // Property access only (no hasOwnProperty): config may be an Arrow StructRow proxy in the browser.
    const fromConfig = run.config?.[key];
    value = fromConfig !== undefined && fromConfig !== null ? fromConfig : TOP_LEVEL.has(key) ? run[key] : fromConfig;
  }
  if (typeof value === "bigint") return Number(value);
  return value === null ? undefined : value;
}

/** How runs are grouped: one attribute key, several (a composite group), or a function. */
export type GroupBy = string | readonly string[] | ((run: RunRow) => unknown);

export interface GroupKey {
  /** Stable key string (values joined by " / "); "(missing)" for an absent value. */
  key: string;
  /** The attribute values, by attribute key (a function grouping uses the key "group"). */
  values: Record<string, unknown>;
}

export const MISSING = "(missing)";

function label(value: unknown): string {
  if (value === undefined || value === null) return MISSING;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function groupKeyOf(run: RunRow, by: GroupBy): GroupKey {
  if (typeof by === "function") {
    let value: unknown;
    try {
      value = by(run);
    } catch {
      value = undefined;
    }
    if (typeof value === "bigint") value = Number(value);
    return {key: label(value), values: {group: value ?? null}};
  }
  if (typeof by === "string") {
    // One attribute (the common case, called once per run): no arrays, no join.
    const v = runAttribute(run, by);
    return {key: label(v), values: {[by]: v ?? null}};
  }
  const keys = by;
  const values: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const k of keys) {
    const v = runAttribute(run, k);
    values[k] = v ?? null;
    parts.push(label(v));
  }
  return {key: parts.join(" / "), values};
}

/** Milliseconds since the epoch from a Date, ISO string (no zone = UTC), epoch-ms number or {micros}. */
export function toEpochMs(value: unknown): number | null {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value) / 1000; // a raw TIMESTAMP (microseconds)
  if (typeof value === "string" && value.trim() !== "") {
    const s = value.trim();
    const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(s) ? s : s.replace(" ", "T") + "Z";
    const t = Date.parse(zoned);
    return Number.isFinite(t) ? t : null;
  }
  if (value !== null && typeof value === "object" && "micros" in value) {
    const m = toNumber((value as {micros: unknown}).micros);
    return m === null ? null : m / 1000;
  }
  return null;
}

/** Format a number for evidence text: 4 significant digits, integers as is. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return "n/a";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}
