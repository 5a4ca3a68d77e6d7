/**
 * Decoding offline run folders in worker threads (parallel-decode.ts) gives exactly what the calling thread's
 * read gives — columns included, which cross threads as transferred memory — in folder order, with read
 * errors passed back per folder; a worker that cannot start leaves everything to the calling thread.
 */
import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {findOfflineRuns} from "../../data-loaders/sources/offline-dir/read-offline-dir.js";
import {decodeOfflineRuns, decodeWorkerCount} from "../../data-loaders/sources/offline-dir/parallel-decode.js";
import {exitRecord, historyRecord, runRecord, writeLog} from "../../data-loaders/sources/wandb-offline/log-writer.js";
import {FIXTURES, tempDir} from "./fixtures.js";
import {prng} from "./synth.js";

/** Real fixture runs (old and new SDKs, damaged logs, rows-only shapes) plus two wide synthetic runs. */
function folders(): string[] {
  const root = tempDir();
  const extra: string[] = [];
  for (const i of [0, 1]) {
    const dir = join(root, `offline-run-20260101_00000${i}-wide${i}`);
    mkdirSync(dir);
    const rand = prng(7 + i);
    const payloads = [runRecord({runId: `wide${i}`, project: "p"})];
    for (let step = 0; step < 3000; step++) {
      const items = [{nestedKey: ["_step"], valueJson: String(step)}];
      for (let m = 0; m < 20; m++) items.push({nestedKey: [`m/${m}`], valueJson: rand() < 0.01 ? "NaN" : String(rand())});
      payloads.push(historyRecord(items));
    }
    payloads.push(exitRecord(0, 3000));
    writeFileSync(join(dir, `run-wide${i}.wandb`), writeLog(payloads));
    extra.push(dir);
  }
  const empty = join(root, "offline-run-20260101_000009-nolog");
  mkdirSync(empty);
  return [...findOfflineRuns(FIXTURES), empty, ...extra];
}

describe("offline runs decoded in worker threads", () => {
  const list = folders();

  it("gives the same runs, columns and errors as the calling thread, in folder order", async () => {
    const here = await decodeOfflineRuns(list, {workers: 0});
    expect(here.inWorkers).toBe(0);
    const there = await decodeOfflineRuns(list, {workers: 2, callerDecodes: false});
    expect(there.inWorkers).toBe(list.length);
    expect(there.outcomes).toEqual(here.outcomes);
    // the comparison is not vacuous: columnar runs with values, rows-only runs, and the folder without a log
    const runs = here.outcomes.flatMap((o) => (o.ok ? [o.run] : []));
    expect(runs.filter((run) => run.historyColumns && run.historyColumns.metrics.size > 0).length).toBeGreaterThanOrEqual(4);
    expect(runs.find((run) => run.runId === "wide1")!.historyColumns!.metrics.get("m/3")!.length).toBe(3000);
    const failed = there.outcomes[list.length - 3];
    expect(failed).toEqual({ok: false, message: expect.stringContaining("no run-<id>.wandb transaction log in this folder")});
  });

  it("shares the queue between the calling thread and the workers", async () => {
    const here = await decodeOfflineRuns(list, {workers: 0});
    const mixed = await decodeOfflineRuns(list, {workers: 1});
    expect(mixed.outcomes).toEqual(here.outcomes);
    expect(mixed.inWorkers).toBeLessThan(list.length);
  });

  it("reads everything on the calling thread when no worker starts", async () => {
    const here = await decodeOfflineRuns(list, {workers: 0});
    const broken = await decodeOfflineRuns(list, {workers: 2, callerDecodes: false, entry: new URL("./no-such-worker.ts", import.meta.url).href});
    expect(broken.inWorkers).toBe(0);
    expect(broken.outcomes).toEqual(here.outcomes);
  });

  it("uses workers only where they pay: several folders, 16 MB of logs or more; RUNLENS_DECODE_WORKERS overrides", () => {
    expect(decodeWorkerCount(100 << 20, 1, {})).toBe(0);
    expect(decodeWorkerCount(1 << 20, 50, {})).toBe(0);
    expect(decodeWorkerCount(100 << 20, 50, {})).toBeGreaterThanOrEqual(0);
    expect(decodeWorkerCount(1 << 20, 50, {RUNLENS_DECODE_WORKERS: "3"})).toBe(3);
    expect(decodeWorkerCount(1 << 20, 2, {RUNLENS_DECODE_WORKERS: "3"})).toBe(1);
    expect(decodeWorkerCount(100 << 20, 50, {RUNLENS_DECODE_WORKERS: "0"})).toBe(0);
    expect(() => decodeWorkerCount(0, 5, {RUNLENS_DECODE_WORKERS: "two"})).toThrow(/RUNLENS_DECODE_WORKERS must be a non-negative integer/);
  });
});
