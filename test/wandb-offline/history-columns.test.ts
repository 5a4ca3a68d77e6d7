/**
 * Columnar history (history-columns.ts): reading a log with `columnar: true` must give exactly what the
 * row reader gives — same run fields, and the same numeric points and counts once the rows are streamed the
 * way the workspace writer streams them (model/history-row.ts) — on the real fixtures, on damaged copies of
 * them, and on synthetic logs with every shape the columns must either handle or hand back to the rows.
 */
import {describe, expect, it} from "vitest";
import {emitHistoryRow} from "../../data-loaders/model/history-row.js";
import type {HistoryStats} from "../../data-loaders/model/run-record.js";
import {readOfflineRunLog, type HistoryColumns, type WandbOfflineRun} from "../../data-loaders/sources/wandb-offline/index.js";
import {exitRecord, historyRecord, itemsRecord, runRecord, writeLog, type ItemSpec} from "../../data-loaders/sources/wandb-offline/log-writer.js";
import {fixtureBytes, fixtureLogs} from "./fixtures.js";
import {prng, syntheticRunLog} from "./synth.js";

type Point = [metric: string, step: number, value: number, runtime: number | null, wall: number | null];

/** What the workspace writer gets from rows: points (by metric, then row order) and the stats. */
function pointsFromRows(run: WandbOfflineRun): {points: Point[]; stats: HistoryStats} {
  const stats: HistoryStats = {rows: 0, lastStep: null, skippedValues: 0};
  const points: Point[] = [];
  for (const row of run.history) {
    if (typeof row._step !== "number") {
      stats.skippedValues += Object.keys(row).filter((key) => !key.startsWith("_")).length;
      continue;
    }
    emitHistoryRow(row, row._step, stats, (p) => points.push([p.metric, p.step, p.value, p.runtimeSeconds, p.wallTimeSeconds]));
  }
  return {points: byMetric(points), stats};
}

function pointsFromColumns(columns: HistoryColumns): {points: Point[]; stats: HistoryStats} {
  const points: Point[] = [];
  let lastStep: number | null = null;
  for (let row = 0; row < columns.rowCount; row++) if (lastStep === null || columns.steps[row] > lastStep) lastStep = columns.steps[row];
  for (const [metric, column] of columns.metrics) {
    for (let i = 0; i < column.length; i++) {
      const row = column.rows[i];
      if (i > 0) expect(row).toBeGreaterThan(column.rows[i - 1]);
      points.push([metric, columns.steps[row], column.values[i], columns.hasRuntime[row] ? columns.runtimes[row] : null, columns.hasTimestamp[row] ? columns.timestamps[row] : null]);
    }
  }
  return {points: byMetric(points), stats: {rows: columns.rowCount, lastStep, skippedValues: columns.skippedValues}};
}

/** Stable sort by metric name: within a metric, points stay in row order on both sides. */
function byMetric(points: Point[]): Point[] {
  return points.map((p, i) => [p, i] as const).sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j)).map(([p]) => p);
}

/** Same run either way; returns whether the columns were used. */
function compare(file: Uint8Array, label: string): boolean {
  const rows = readOfflineRunLog(file);
  const columnar = readOfflineRunLog(file, {}, {columnar: true});
  const {history: _h1, ...rowFields} = rows;
  const {history: h2, historyColumns, ...columnFields} = columnar;
  expect(columnFields, label).toEqual(rowFields);
  if (!historyColumns) {
    expect(h2, label).toEqual(rows.history);
    return false;
  }
  expect(h2, label).toEqual([]);
  const a = pointsFromRows(rows);
  const b = pointsFromColumns(historyColumns);
  expect(b.stats, label).toEqual(a.stats);
  expect(b.points.length, label).toBe(a.points.length);
  expect(b.points, label).toEqual(a.points);
  return true;
}

const flat = (key: string, valueJson: string): ItemSpec => ({nestedKey: [key], valueJson});

describe("columnar history equals the rows", () => {
  it("on every shared fixture (columns used wherever the shape allows)", () => {
    const used: string[] = [];
    for (const log of fixtureLogs()) if (compare(fixtureBytes(log), log)) used.push(log);
    // Shared mode must fall back; plain runs must not.
    expect(used.some((log) => log.includes("shared_mode"))).toBe(false);
    expect(used.filter((log) => log.includes("tiny0001") || log.includes("nanedge1") || log.includes("auto_steps"))).not.toEqual([]);
  });

  it("on truncated and bit-flipped copies of every fixture and of a multi-block log", () => {
    const rand = prng(42);
    const files = [...fixtureLogs().map((log) => fixtureBytes(log)), syntheticRunLog(120, 3).file];
    for (const [index, file] of files.entries()) {
      for (let k = 0; k < 12; k++) {
        const cut = Math.floor(rand() * file.length);
        compare(file.subarray(0, cut), `file ${index} truncated at ${cut}`);
        const flipped = Buffer.from(file);
        const at = Math.floor(rand() * flipped.length);
        flipped[at] ^= 1 << Math.floor(rand() * 8);
        compare(flipped, `file ${index} bit flipped at ${at}`);
      }
    }
  });

  it("values of every kind: numbers, bools, null, NaN/Infinity (bare and as strings), text, lists, media, bad JSON", () => {
    const values = ["1", "-2.5", "1e300", "0.30000000000000004", "true", "false", "null", "NaN", "-Infinity", '"NaN"', '"Infinity"', '"text"', "[1, 2]", "{}", '{"_type": "image-file", "path": "a.png"}', "not json", '"-Infinity"'];
    const payloads = [runRecord({runId: "kinds001", project: "p"})];
    for (let step = 0; step < 40; step++) {
      const items = [flat("_step", String(step)), flat("_runtime", step % 7 === 0 ? '"x"' : String(step * 0.25)), flat("_timestamp", step % 5 === 0 ? "NaN" : String(1.7e9 + step))];
      for (let m = 0; m < 6; m++) items.push(flat(`m${m}`, values[(step * 3 + m * 5) % values.length]));
      if (step % 3 === 0) items.push(flat("sparse", String(step)));
      if (step % 4 === 1) items.push(flat("_private", String(step)));
      payloads.push(historyRecord(items, step));
    }
    payloads.push(exitRecord(0, 3));
    expect(compare(writeLog(payloads), "kinds")).toBe(true);
    // With a summary record the summary comes from it, not from the history.
    payloads.splice(payloads.length - 1, 0, itemsRecord("summary", [flat("m0", "7")]));
    expect(compare(writeLog(payloads), "kinds + summary")).toBe(true);
  });

  it("steps: from _step, the step field, automatic, non-integer, backwards, starting step, rows before the run record", () => {
    const payloads = [historyRecord([flat("early", "1")]), runRecord({runId: "steps001", project: "p", startingStep: 10})];
    payloads.push(historyRecord([flat("a", "1")]));
    payloads.push(historyRecord([flat("a", "2")], 20));
    payloads.push(historyRecord([flat("_step", "15"), flat("a", "3")]));
    payloads.push(historyRecord([flat("_step", "2.5"), flat("a", "4")], 30));
    payloads.push(historyRecord([flat("_step", '"7"'), flat("a", "5")]));
    payloads.push(historyRecord([flat("a", "6"), flat("_step", "3")]));
    payloads.push(historyRecord([]));
    const file = writeLog(payloads);
    expect(compare(file, "steps")).toBe(true);
    const run = readOfflineRunLog(file, {}, {columnar: true});
    expect(run.warnings.join("\n")).toMatch(/non-integer _step/);
    expect(run.warnings.join("\n")).toMatch(/lower than the previous row/);
  });

  it("hands back to the rows (same result) for nested keys, dict values, a key twice in a record, shared mode", () => {
    const cases: Record<string, Uint8Array[]> = {
      nested: [runRecord({runId: "n1", project: "p"}), historyRecord([flat("a", "1")], 0), historyRecord([{nestedKey: ["train", "loss"], valueJson: "2"}], 1)],
      dict: [runRecord({runId: "n2", project: "p"}), historyRecord([flat("a", "1")], 0), historyRecord([flat("train", '{"loss": 2, "acc": {"top1": 0.5}}')], 1)],
      twice: [runRecord({runId: "n3", project: "p"}), historyRecord([flat("a", "1"), flat("b", "2"), flat("a", "3")], 0)],
      legacyKey: [runRecord({runId: "n4", project: "p"}), historyRecord([{key: "a", valueJson: "1"}, {key: "b", nestedKey: ["x", "y"], valueJson: "2"}], 0)],
      shared: [runRecord({runId: "n5", project: "p", sharedMode: true}), historyRecord([flat("_step", "4"), flat("a", "1")]), historyRecord([flat("a", "2")])]
    };
    for (const [name, payloads] of Object.entries(cases)) {
      payloads.push(exitRecord(0, 1));
      expect(compare(writeLog(payloads), name), name).toBe(false);
    }
    // A flat legacy `key` (no nested_key) is the common shape and stays columnar.
    expect(compare(writeLog([runRecord({runId: "n6", project: "p"}), historyRecord([{key: "a", valueJson: "1"}, {key: "_step", valueJson: "0"}]), exitRecord(0, 1)]), "flat legacy key")).toBe(true);
  });

  it("a key repeated in later records, keys appearing and disappearing, key order changing between records", () => {
    const rand = prng(9);
    const payloads = [runRecord({runId: "order001", project: "p"})];
    for (let step = 0; step < 200; step++) {
      const keys = ["a", "b", "c", "d", "e", "f"].filter(() => rand() < 0.7);
      for (let i = keys.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [keys[i], keys[j]] = [keys[j], keys[i]];
      }
      payloads.push(historyRecord([flat("_step", String(step)), ...keys.map((key) => flat(key, String(rand())))]));
    }
    expect(compare(writeLog(payloads), "order")).toBe(true);
  });
});
