/**
 * History records → columns, for the workspace writer: what `HistoryBuilder` rows would give once they are
 * streamed as numeric points (model/history-row.ts), without building a row object per record. Every value is
 * decoded straight into a per-key typed array (row index + double), and each row's step, `_runtime` and
 * `_timestamp` into per-row arrays, so millions of values cost no objects and almost no garbage.
 *
 * Only the common shape is handled: every item a one-component key holding a leaf value, each key at most
 * once per record, no shared mode. Anything else (nested paths, dict values, a key logged twice in one
 * record, shared-mode runs) makes `add` return false, and the caller reads that run as rows instead: same
 * result, slower path.
 */
import {isNamespace, put} from "./item-tree.js";
import type {Item} from "./records.js";
import {historyWarnings, StepResolver, type HistoryIssues} from "./history.js";

/** Numbers the W&B backend may spell as strings (model/decode-fields.ts `numericValue`). */
const NUMERIC_STRINGS: Record<string, number> = {NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity};

/** The numeric values one key logged in one run: `rows[i]` is the row index of `values[i]`, ascending. */
export interface MetricColumn {
  length: number;
  rows: Int32Array;
  values: Float64Array;
}

/** A run's history as columns (see the module comment). Arrays are `rowCount` (or `length`) long. */
export interface HistoryColumns {
  rowCount: number;
  /** Resolved `_step` of each row. */
  steps: Float64Array;
  /** `_runtime` of each row where it is a number (`hasRuntime[row]` = 1), as `typeof row._runtime === "number"`. */
  runtimes: Float64Array;
  hasRuntime: Uint8Array;
  timestamps: Float64Array;
  hasTimestamp: Uint8Array;
  /** Numeric values of the keys not starting with `_`, by key, in first-seen order. */
  metrics: Map<string, MetricColumn>;
  /** Values of those keys that are neither null nor numeric (text, lists, media…): counted, not written. */
  skippedValues: number;
}

interface KeyState {
  /** Row index that last logged this key (duplicates within a record are refused). */
  lastRow: number;
  column: MetricColumn | null;
  /** The last value logged (any type), for the summary fallback. */
  last: unknown;
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(size, array.length * 2));
  bigger.set(array);
  return bigger;
}

export class HistoryColumnsBuilder {
  readonly issues: HistoryIssues = {badValues: 0, firstBadValue: null, nonIntegerSteps: 0, backwardSteps: 0};
  private rowCount = 0;
  private steps = new Float64Array(1024);
  private runtimes = new Float64Array(1024);
  private hasRuntime = new Uint8Array(1024);
  private timestamps = new Float64Array(1024);
  private hasTimestamp = new Uint8Array(1024);
  private readonly keys = new Map<string, KeyState>();
  private readonly metrics = new Map<string, MetricColumn>();
  private skippedValues = 0;
  private readonly stepOf: StepResolver;
  /** The previous record's key states by item position: rows usually repeat their key order. */
  private byPosition: KeyState[] = [];
  private byPositionKeys: string[] = [];

  constructor(startingStep: number) {
    this.stepOf = new StepResolver(this.issues, startingStep);
  }

  get rows(): number {
    return this.rowCount;
  }

  /**
   * Add one history record; false when it is not of the shape handled here. A false leaves the builder
   * unusable: the caller reads the whole run as rows instead.
   */
  add(items: Item[], stepField: number | null): boolean {
    const row = this.rowCount;
    if (row === this.steps.length) this.growRows(row + 1);
    const n = items.length;
    let stepText: string | null = null;
    let runtime: unknown = undefined;
    let timestamp: unknown = undefined;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (item.nestedKey !== null) return false;
      const key = item.key;
      const value = this.parse(item);
      if (typeof value === "object" && value !== null && isNamespace(value)) return false;
      let state = this.byPositionKeys[i] === key ? this.byPosition[i] : undefined;
      if (state === undefined) {
        state = this.keys.get(key);
        if (state === undefined) this.keys.set(key, (state = {lastRow: -1, column: null, last: undefined}));
        this.byPosition[i] = state;
        this.byPositionKeys[i] = key;
      }
      state.last = value;
      if (key.charCodeAt(0) === 95 /* _ */) {
        if (key === "_step") stepText = item.valueJson;
        else if (key === "_runtime") runtime = value;
        else if (key === "_timestamp") timestamp = value;
        continue;
      }
      if (state.lastRow === row) return false; // the same key twice in one record
      state.lastRow = row;
      if (value === null) continue;
      let numeric: number;
      if (typeof value === "number") numeric = value;
      else if (typeof value === "boolean") numeric = value ? 1 : 0;
      else if (typeof value === "string" && value in NUMERIC_STRINGS) numeric = NUMERIC_STRINGS[value];
      else {
        this.skippedValues++;
        continue;
      }
      let column = state.column;
      if (column === null) {
        column = state.column = {length: 0, rows: new Int32Array(256), values: new Float64Array(256)};
        this.metrics.set(key, column);
      }
      const at = column.length;
      if (at === column.rows.length) {
        column.rows = grow(column.rows, at + 1);
        column.values = grow(column.values, at + 1);
      }
      column.rows[at] = row;
      column.values[at] = numeric;
      column.length = at + 1;
    }

    const step = this.stepOf.resolve(stepText, stepField);
    this.steps[row] = step;
    // The row's `_step` is the resolved step, set after its items (a new key goes last, as in a row object).
    let stepState = this.keys.get("_step");
    if (stepState === undefined) this.keys.set("_step", (stepState = {lastRow: -1, column: null, last: undefined}));
    stepState.last = step;
    if (typeof runtime === "number") {
      this.runtimes[row] = runtime;
      this.hasRuntime[row] = 1;
    }
    if (typeof timestamp === "number") {
      this.timestamps[row] = timestamp;
      this.hasTimestamp[row] = 1;
    }
    this.rowCount = row + 1;
    return true;
  }

  /** The last value logged for each key (`_step`, `_runtime`… included), as foldRun's summary fallback reads rows. */
  lastValues(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, state] of this.keys) put(out, key, state.last);
    return out;
  }

  private growRows(size: number): void {
    this.steps = grow(this.steps, size);
    this.runtimes = grow(this.runtimes, size);
    this.hasRuntime = grow(this.hasRuntime, size);
    this.timestamps = grow(this.timestamps, size);
    this.hasTimestamp = grow(this.hasTimestamp, size);
  }

  /** Extended JSON; text that is not JSON at all is kept as the raw string and counted, as HistoryBuilder does. */
  private parse(item: Item): unknown {
    try {
      return item.value();
    } catch {
      const text = item.valueJson;
      this.issues.badValues++;
      this.issues.firstBadValue ??= text.slice(0, 80);
      return text;
    }
  }

  /**
   * The largest `_runtime` and the latest sign of life (`_timestamp` × 1000, folded into `lastSignOfLifeMs`),
   * computed exactly as foldRun does over rows.
   */
  times(lastSignOfLifeMs: number): {maxRuntime: number; lastSignOfLifeMs: number} {
    let maxRuntime = -Infinity;
    for (let row = 0; row < this.rowCount; row++) {
      if (this.hasRuntime[row] && this.runtimes[row] > maxRuntime) maxRuntime = this.runtimes[row];
      if (this.hasTimestamp[row]) lastSignOfLifeMs = Math.max(lastSignOfLifeMs, this.timestamps[row] * 1000);
    }
    return {maxRuntime, lastSignOfLifeMs};
  }

  warnings(): string[] {
    return historyWarnings(this.issues);
  }

  columns(): HistoryColumns {
    const n = this.rowCount;
    return {
      rowCount: n,
      steps: this.steps.subarray(0, n),
      runtimes: this.runtimes.subarray(0, n),
      hasRuntime: this.hasRuntime.subarray(0, n),
      timestamps: this.timestamps.subarray(0, n),
      hasTimestamp: this.hasTimestamp.subarray(0, n),
      metrics: this.metrics,
      skippedValues: this.skippedValues
    };
  }
}
