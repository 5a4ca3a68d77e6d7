import type {HistoryIndex} from "../../analyses/src/compare/index.js";

/** The index as plain arrays (series may be arrays or Float64Array views), for deep equality. */
export function plain(index: HistoryIndex) {
  return [...index].map(([run, byMetric]) => [run, [...byMetric].map(([metric, s]) => [metric, Array.from(s.steps), Array.from(s.values)])]);
}
