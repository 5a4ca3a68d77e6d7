/**
 * Every shared fixture decodes to what an independent decoder (expected/derive_expected.py) and the
 * fixtures README say: record counts, run identity, config, summary, every history row, exit code.
 */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {decodeRecord, readLogRecords, readOfflineRun, type WandbOfflineRun} from "../../data-loaders/sources/wandb-offline/index.js";
import {expectedFor, FIXTURES, fixtureBytes, fixtureLogs} from "./fixtures.js";

/** Steps per fixture, from the fixtures README (null: shared mode, rows carry no step). */
const STEPS: Record<string, number[] | null> = {
  "offline-run-20210216_154407-g9dvvkua/run-g9dvvkua.wandb": [],
  "offline-run-new_auto_steps/run-new_auto_steps.wandb": [0, 1, 2],
  "offline-run-new_shared_mode/run-new_shared_mode.wandb": null,
  "offline-run-old_auto_steps/run-old_auto_steps.wandb": [0, 1, 2],
  "offline-run-old_auto_steps_flat_keys/run-old_auto_steps_flat_keys.wandb": [0, 1, 2],
  "offline-run-old_resumed_run/run-old_resumed_run.wandb": [5, 6, 7],
  "run-20260102_030405-nanedge1/run-nanedge1.wandb": Array.from({length: 20}, (_, i) => i),
  "run-20260102_030405-tiny0001/run-tiny0001.wandb": Array.from({length: 50}, (_, i) => i),
  "wire/truncated-tail.wandb": [0, 1, 2]
};

const withoutInternal = (object: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(object).filter(([key]) => key !== "_wandb" && !key.startsWith("_wandb.")));

const runs = new Map<string, WandbOfflineRun>();
async function read(rel: string): Promise<WandbOfflineRun> {
  if (!runs.has(rel)) {
    // Run folders are read as folders (files/ included); the loose wire/ file by its path.
    const path = rel.startsWith("wire/") ? join(FIXTURES, rel) : join(FIXTURES, rel.split("/")[0]);
    runs.set(rel, await readOfflineRun(path));
  }
  return runs.get(rel)!;
}

describe("shared wandb-offline fixtures", () => {
  it("covers every fixture in the shared folder", () => {
    expect(fixtureLogs().sort()).toEqual(Object.keys(STEPS).sort());
  });

  for (const rel of Object.keys(STEPS)) {
    describe(rel, () => {
      const expected = expectedFor(rel);

      it("has the independent decoder's record counts and run identity", async () => {
        const run = await read(rel);
        expect(run.log.recordCounts).toEqual(expected.recordCounts);
        expect(run.log.recordsUndecodable).toBe(0);
        expect(run.runId).toBe(expected.run.runId);
        expect(run.entity).toBe(expected.run.entity ?? null);
        expect(run.project).toBe(expected.run.project ?? null);
        expect(run.name).toBe(expected.run.displayName ?? null);
        expect(run.startingStep).toBe(expected.run.startingStep ?? 0);
        expect(run.createdAt).toBe(expected.run.startSeconds ? new Date(expected.run.startSeconds * 1000).toISOString() : null);
        expect(run.log.headerVersion).toBe(0);
      });

      it("decodes every history row, with steps resolved", async () => {
        const run = await read(rel);
        const steps = STEPS[rel];
        const rows = expected.history.map((row, i) => {
          if (steps === null) return row;
          // Where the log itself carries `_step`, it must agree with the README's steps.
          if ("_step" in row) expect(row._step).toBe(steps[i]);
          return {...row, _step: steps[i]};
        });
        expect(run.history).toHaveLength(rows.length);
        expect(run.history).toEqual(rows);
        if (steps === null) for (const row of run.history) expect(row).not.toHaveProperty("_step");
      });

      it("folds config and summary, and reports the exit code", async () => {
        const run = await read(rel);
        expect(run.config).toEqual(withoutInternal(expected.config));
        if (expected.summary !== null) {
          expect(run.summary).toEqual(withoutInternal(expected.summary));
          expect(run.sources.summary).toBe("log");
        } else {
          // No summary record and no files/: wandb's default summary, the last value of each key.
          expect(run.sources.summary).toBe("history-last-values");
          expect(run.summary).toEqual(Object.assign({}, ...run.history));
        }
        expect(run.exitCode).toBe(expected.exitCode);
        expect(run.state).toBe(expected.exitCode === null ? "crashed" : expected.exitCode === 0 ? "finished" : "failed");
      });

      it("reports the log status the fixture calls for", async () => {
        const run = await read(rel);
        if (expected.incompleteAt === null) {
          expect(run.log.status).toBe("clean");
          expect(run.log.bytesSkipped).toBe(0);
          expect(run.warnings.filter((w) => w.startsWith("log"))).toEqual([]);
        } else {
          expect(run.log.status).toBe("incomplete");
          expect(run.log.endOffset).toBe(expected.incompleteAt);
        }
      });
    });
  }

  it("README facts: keys, NaN/Infinity edge values, console and environment records", async () => {
    const tiny = await read("run-20260102_030405-tiny0001/run-tiny0001.wandb");
    expect(Object.keys(tiny.config).sort()).toEqual(["batch_size", "epochs", "lr", "optimizer", "seed"]);
    expect(Object.keys(tiny.summary).sort()).toEqual(["best_step", "eval/step_fn", "note", "train/loss", "train/sine"]);
    expect(new Set(tiny.history.flatMap((row) => Object.keys(row)))).toEqual(
      new Set(["_step", "_timestamp", "eval/step_fn", "train/loss", "train/sine"])
    );
    expect(tiny.log.recordCounts).toMatchObject({output_raw: 20, environment: 1});

    const nan = await read("run-20260102_030405-nanedge1/run-nanedge1.wandb");
    const values = nan.history.map((row) => row["edge/nan_inf"]);
    expect(values.filter((v) => Number.isNaN(v))).toHaveLength(4);
    expect(values.filter((v) => v === Infinity)).toHaveLength(4);
    expect(values.filter((v) => v === -Infinity)).toHaveLength(4);
    expect(nan.history.filter((row) => "edge/single_point" in row)).toHaveLength(1);
    expect(new Set(nan.history.map((row) => row["edge/flat"]))).toEqual(new Set([1.5]));

    const resumed = await read("offline-run-old_resumed_run/run-old_resumed_run.wandb");
    expect(resumed.resumed).toBe(true);
    const shared = await read("offline-run-new_shared_mode/run-new_shared_mode.wandb");
    expect(shared.sharedMode).toBe(true);
  });

  it("README facts at record level: 2021 stats items, tiny0001 console output and environment", () => {
    const decoded = (rel: string) => readLogRecords(fixtureBytes(rel)).records.map((r) => decodeRecord(r.payload));
    const stats = decoded("offline-run-20210216_154407-g9dvvkua/run-g9dvvkua.wandb").find((r) => r.type === "stats");
    if (stats?.type !== "stats") throw new Error("no stats record");
    expect(stats.items).toHaveLength(8);
    const network = stats.items.find((item) => item.key === "network");
    expect(typeof network?.value()).toBe("object");

    const tiny = decoded("run-20260102_030405-tiny0001/run-tiny0001.wandb");
    const lines = tiny.flatMap((r) => (r.type === "output_raw" ? [r.line] : []));
    expect(lines).toHaveLength(20);
    expect(lines.some((line) => line.endsWith("\n"))).toBe(true);
    expect(lines.some((line) => line.includes("\r"))).toBe(true);
    expect(lines.some((line) => line.includes("\u001b["))).toBe(true);
    const env = tiny.find((r) => r.type === "environment");
    expect(env?.type === "environment" && env.host).toBe("fixture-host");
  });

  it("2021 legacy run: log-derived config/summary equal files/ except _wandb; metadata fills times", async () => {
    const rel = "offline-run-20210216_154407-g9dvvkua";
    const run = await read(`${rel}/run-g9dvvkua.wandb`);
    const summaryJson = JSON.parse(readFileSync(join(FIXTURES, rel, "files", "wandb-summary.json"), "utf8"));
    expect(run.summary).toEqual(withoutInternal(summaryJson));
    // config.yaml has only wandb_version and _wandb; the log's config has only _wandb.
    expect(readFileSync(join(FIXTURES, rel, "files", "config.yaml"), "utf8")).toMatch(/^wandb_version: 1\n\n_wandb:\n/);
    expect(run.config).toEqual({});
    expect(run.sources.config).toBe("log");
    expect(run.host).toBe("cvp");
    expect(run.sdkVersion).toBe("0.10.20.dev1");
    expect(run.createdAt).toBe("2021-02-16T23:44:07.000Z");
    // The heartbeat is at least metadata's heartbeatAt (naive UTC in the file).
    expect(Date.parse(run.heartbeatAt!)).toBeGreaterThanOrEqual(Date.parse("2021-02-16T23:44:10.058Z"));
    expect(run.warnings).toEqual([]);
  });

  it("truncated-tail: 4 readable records, incomplete tail with counts, no exit", async () => {
    const run = await read("wire/truncated-tail.wandb");
    expect(run.log).toMatchObject({status: "incomplete", recordsRead: 4, chunksSkipped: 1, bytesSkipped: 290 - 234, endOffset: 234});
    expect(run.log.issues).toEqual([{kind: "incomplete", offset: 234, reason: expect.stringContaining("49 of 99 bytes")}]);
    expect(run.exitCode).toBeNull();
    expect(run.state).toBe("crashed");
    expect(run.warnings[0]).toMatch(/^log incomplete: read 4 record\(s\); skipped 1 chunk\(s\) and 56 byte\(s\)/);
    expect(run.warnings.some((w) => w.includes("no exit record"))).toBe(true);
  });
});
