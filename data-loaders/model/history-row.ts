import {numericValue} from "./decode-fields.js";
import {flattenObject} from "./flatten.js";
import type {HistoryPoint, HistoryStats} from "./run-record.js";

/**
 * Emit the numeric values of one logged history row (keys starting with `_` are bookkeeping, not
 * metrics; non-numeric values are counted, not dropped silently). The point object is reused from call
 * to call (millions of values per workspace): a consumer copies the fields it keeps.
 */
export function emitHistoryRow(row: Record<string, unknown>, step: number, stats: HistoryStats, emit: (point: HistoryPoint) => void): void {
  const runtimeSeconds = typeof row._runtime === "number" ? row._runtime : null;
  const wallTimeSeconds = typeof row._timestamp === "number" ? row._timestamp : null;
  stats.rows++;
  if (stats.lastStep === null || step > stats.lastStep) stats.lastStep = step;
  const point: HistoryPoint = {step, metric: "", value: 0, runtimeSeconds, wallTimeSeconds};
  flattenObject(row, (metric, value) => {
    if (metric.charCodeAt(0) === 95 /* _ */ || value === null || value === undefined) return;
    const numeric = typeof value === "number" ? value : numericValue(value);
    if (numeric === undefined) {
      stats.skippedValues++;
      return;
    }
    point.metric = metric;
    point.value = numeric;
    emit(point);
  });
}
