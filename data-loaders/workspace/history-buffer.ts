import type {HistoryPoint} from "../model/run-record.js";
import type {ChunkAppender} from "./chunk-appender.js";

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

  constructor(private readonly appender: ChunkAppender) {}

  add(point: HistoryPoint): void {
    let code = this.metricCodes.get(point.metric);
    if (code === undefined) {
      code = this.metricCodes.size;
      this.metricCodes.set(point.metric, code);
      this.totals.push({runs: 0, values: 0, nonFinite: 0});
    }
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
}
