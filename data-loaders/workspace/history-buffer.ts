import type {HistoryPoint} from "../model/run-record.js";
import type {HistoryColumns} from "../sources/wandb-offline/index.js";

/** Where history rows go: (run_index, step, metric_index, value, runtime_s, wall_time_s). */
export interface HistoryRowSink {
  row6(a: number | null, b: number | null, c: number | null, d: number | null, e: number | null, f: number | null): void;
}

interface MetricSeries {
  steps: number[];
  values: number[];
  runtimes: (number | null)[];
  wallTimes: (number | null)[];
  ascending: boolean;
}

export interface MetricTotals {
  runs: number;
  values: number;
  nonFinite: number;
}

/**
 * Turns history as logged (row by row: every metric of step 0, then step 1, …) into the table's order
 * (run, metric, step) one run at a time, so the Parquet file is written already sorted with no sort over
 * the whole table, and counts the metric catalog's totals on the way.
 */
export class HistoryBuffer {
  /** Metric name → integer code used in the appended rows (first-seen order). */
  readonly metricCodes = new Map<string, number>();
  readonly totals: MetricTotals[] = [];
  /** Series of the run being buffered, indexed by metric code; `touched` lists the codes in use. */
  private series: (MetricSeries | undefined)[] = [];
  private touched: number[] = [];

  constructor(private readonly appender: HistoryRowSink) {}

  private code(metric: string): number {
    let code = this.metricCodes.get(metric);
    if (code === undefined) {
      code = this.metricCodes.size;
      this.metricCodes.set(metric, code);
      this.totals.push({runs: 0, values: 0, nonFinite: 0});
    }
    return code;
  }

  add(point: HistoryPoint): void {
    const code = this.code(point.metric);
    let series = this.series[code];
    if (!series) {
      this.series[code] = series = {steps: [], values: [], runtimes: [], wallTimes: [], ascending: true};
      this.touched.push(code);
    }
    const last = series.steps.length - 1;
    if (last >= 0 && point.step < series.steps[last]) series.ascending = false;
    series.steps.push(point.step);
    series.values.push(point.value);
    series.runtimes.push(point.runtimeSeconds);
    series.wallTimes.push(point.wallTimeSeconds);
  }

  /** Append the buffered run in metric-name, then step order (stable for repeated steps). */
  flushRun(runIndex: number, metricName: (code: number) => string): void {
    const codes = this.touched.sort((a, b) => {
      const x = metricName(a);
      const y = metricName(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const code of codes) {
      const series = this.series[code]!;
      const totals = this.totals[code];
      totals.runs++;
      totals.values += series.steps.length;
      const order = series.ascending ? null : series.steps.map((_, i) => i).sort((i, j) => series.steps[i] - series.steps[j] || i - j);
      for (let k = 0; k < series.steps.length; k++) {
        const i = order ? order[k] : k;
        const value = series.values[i];
        if (!Number.isFinite(value)) totals.nonFinite++;
        this.appender.row6(runIndex, series.steps[i], code, value, series.runtimes[i], series.wallTimes[i]);
      }
    }
    this.series = [];
    this.touched = [];
  }

  /**
   * A whole run given as columns: appends exactly the rows that `add` for each of its points, then
   * `flushRun`, would (metric-name, then step order, stable), straight from the typed arrays.
   */
  addRunColumns(runIndex: number, columns: HistoryColumns, metricName: (code: number) => string): void {
    for (const series of this.planRunColumns(runIndex, columns, metricName)) {
      for (let k = 0; k < series.length; k++) series.append(k, this.appender);
    }
  }

  /**
   * The run's series in table order, with the metric catalog counted, for a caller that writes the rows
   * later (see HistorySeriesSource); nothing is appended here.
   */
  planRunColumns(runIndex: number, columns: HistoryColumns, metricName: (code: number) => string): HistorySeries[] {
    if (this.touched.length > 0) throw new Error("HistoryBuffer: run columns while points of a run are buffered");
    const byCode: {code: number; name: string; rows: Int32Array; values: Float64Array}[] = [];
    for (const [metric, column] of columns.metrics) {
      if (column.length === 0) continue;
      byCode.push({code: this.code(metric), name: metric, rows: column.rows.subarray(0, column.length), values: column.values.subarray(0, column.length)});
    }
    for (const entry of byCode) entry.name = metricName(entry.code);
    byCode.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const {steps} = columns;
    const planned: HistorySeries[] = [];
    for (const {code, rows, values} of byCode) {
      const totals = this.totals[code];
      const n = rows.length;
      totals.runs++;
      totals.values += n;
      let nonFinite = 0;
      for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) nonFinite++;
      totals.nonFinite += nonFinite;
      let ascending = true;
      for (let k = 1; k < n; k++) {
        if (steps[rows[k]] < steps[rows[k - 1]]) {
          ascending = false;
          break;
        }
      }
      const order = ascending ? null : Int32Array.from(Array.from({length: n}, (_, i) => i).sort((i, j) => steps[rows[i]] - steps[rows[j]] || i - j));
      planned.push(new HistorySeries(runIndex, code, columns, rows, values, order));
    }
    return planned;
  }
}

/** One metric of one run, in step order: row `k` of the series is (run, step, metric, value, runtime, wall time). */
export class HistorySeries {
  readonly length: number;

  constructor(
    readonly runIndex: number,
    readonly code: number,
    private readonly columns: HistoryColumns,
    private readonly rows: Int32Array,
    private readonly values: Float64Array,
    private readonly order: Int32Array | null
  ) {
    this.length = rows.length;
  }

  append(k: number, sink: HistoryRowSink): void {
    const i = this.order ? this.order[k] : k;
    const row = this.rows[i];
    const {steps, runtimes, hasRuntime, timestamps, hasTimestamp} = this.columns;
    sink.row6(this.runIndex, steps[row], this.code, this.values[i], hasRuntime[row] ? runtimes[row] : null, hasTimestamp[row] ? timestamps[row] : null);
  }
}
