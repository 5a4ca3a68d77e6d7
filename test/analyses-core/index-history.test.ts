import {beforeAll, describe, expect, it} from "vitest";
import {indexHistory, type HistoryRow} from "../../analyses/src/compare/index.js";
import {classifyFailures} from "../../analyses/src/failures/index.js";
import {randomSfc32} from "../../analyses/src/stats/index.js";
import {plain} from "../helpers/history-index.js";
import {loadSample, type SampleData} from "./sample.js";

/** JSON with NaN and ±Infinity kept apart; includes the classifications' lazily written evidence and streak values. */
const exact = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? `number:${v}` : v));

function shuffled<T>(rows: readonly T[], seed: number): T[] {
  const out = rows.slice();
  const random = randomSfc32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Sorted by run, metric, step (stable: a duplicated step's rows keep their order). */
function workspaceOrder(rows: readonly HistoryRow[]): HistoryRow[] {
  return rows
    .map((row, i) => ({row, i}))
    .sort((a, b) => (a.row.run_id < b.row.run_id ? -1 : a.row.run_id > b.row.run_id ? 1 : a.row.metric < b.row.metric ? -1 : a.row.metric > b.row.metric ? 1 : Number(a.row.step) - Number(b.row.step) || a.i - b.i))
    .map((x) => x.row);
}

describe("indexHistory: the one-pass path for rows in workspace order equals the sorting path", () => {
  let sample: SampleData;
  beforeAll(async () => {
    sample = await loadSample();
  }, 120_000);

  it("hand-made rows: duplicated steps keep their last row, unusable rows are counted, bigint steps read", () => {
    const rows: HistoryRow[] = [
      {run_id: "a", metric: "loss", step: 0n, value: 3},
      {run_id: "a", metric: "loss", step: 1n, value: 2},
      {run_id: "a", metric: "loss", step: 1n, value: NaN}, // duplicated step: the last row wins
      {run_id: "a", metric: "loss", step: 2, value: null}, // no value: skipped
      {run_id: "a", metric: "val", step: 5, value: Infinity},
      {run_id: "b", metric: "loss", step: "x" as unknown as number, value: 1}, // bad step: skipped
      {run_id: "b", metric: "loss", step: 7, value: -1}
    ];
    const ordered = indexHistory(rows);
    expect(ordered.skippedRows).toBe(2);
    expect(plain(ordered.index)).toEqual([
      ["a", [["loss", [0, 1], [3, NaN]], ["val", [5], [Infinity]]]],
      ["b", [["loss", [7], [-1]]]]
    ]);
    // The same rows reversed take the sorting path; a duplicated step then keeps the later row of the input.
    const reversed = indexHistory(rows.slice().reverse());
    expect(reversed.skippedRows).toBe(2);
    expect(plain(reversed.index).map(([run, m]) => [run, (m as unknown[]).length])).toEqual([["b", 1], ["a", 2]]);
    expect(reversed.index.get("a")!.get("loss")).toEqual({steps: [0, 1], values: [3, 2]});
  });

  it("a run whose rows come back later, or a step going back, falls back to the sorting path", () => {
    const rows: HistoryRow[] = [
      {run_id: "a", metric: "loss", step: 0, value: 1},
      {run_id: "b", metric: "loss", step: 0, value: 2},
      {run_id: "a", metric: "loss", step: 1, value: 3},
      {run_id: "b", metric: "loss", step: 2, value: 4},
      {run_id: "b", metric: "loss", step: 1, value: 5}
    ];
    const {index} = indexHistory(rows);
    expect(index.get("a")!.get("loss")).toEqual({steps: [0, 1], values: [1, 3]});
    expect(index.get("b")!.get("loss")).toEqual({steps: [0, 1, 2], values: [2, 5, 4]});
  });

  it("the real sample: workspace order and a shuffled copy give the same index and the same classifications", () => {
    const sorted = workspaceOrder(sample.history);
    const a = indexHistory(sorted);
    const b = indexHistory(shuffled(sorted, 7));
    expect(a.skippedRows).toBe(0);
    expect(b.skippedRows).toBe(0);
    const byRun = (x: ReturnType<typeof plain>) => x.sort((p, q) => ((p[0] as string) < (q[0] as string) ? -1 : 1)).map(([run, m]) => [run, (m as unknown[][]).sort((p, q) => ((p[0] as string) < (q[0] as string) ? -1 : 1))]);
    expect(byRun(plain(a.index))).toEqual(byRun(plain(b.index)));
    let series = 0;
    for (const m of a.index.values()) series += m.size;
    expect(series).toBeGreaterThan(sample.runs.length * 10);
    // classifyFailures on rows and on the pre-built index agree run by run.
    expect(exact(classifyFailures(sample.runs, a.index))).toBe(exact(classifyFailures(sample.runs, sample.history)));
  });
});
