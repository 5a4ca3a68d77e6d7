import {describe, expect, it} from "vitest";
import {ensureWorkspace} from "../../data-loaders/workspace/ensure-workspace.js";
import {queryParquet} from "../helpers/duckdb.js";
import {tempDir, writeRun} from "../helpers/run-dir.js";

function config(values: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, {value: v, desc: null}])));
}

describe("workspace values", () => {
  it("keeps NaN and ±Inf, flattens nested keys, counts non-numeric values, unifies field types", async () => {
    const root = tempDir();
    writeRun(root, "run1", {
      displayName: "a", state: "crashed",
      config: config({lr: 1, opt: {name: "adam", beta: 0.9}, flag: true, mixed: 1, 'we"ird\'key': "x", LR: 5}),
      summaryMetrics: '{"loss": NaN, "best": Infinity, "_wandb": {"runtime": 3}}'
    }, [
      '{"_step": 0, "_runtime": 1.5, "_timestamp": 1700000000.25, "loss": NaN, "acc": 0.5, "train": {"gn": -Infinity}, "img": {"_type": "image-file", "path": "x.png"}, "text": "hello", "ok": true}',
      '{"_step": 1, "loss": "Infinity", "acc": null}'
    ]);
    writeRun(root, "run2", {
      displayName: "b", state: "finished",
      config: config({lr: 0.5, flag: "yes", mixed: [1, 2], opt: {name: "sgd"}}),
      summaryMetrics: '{"loss": 1.25}'
    }, ['{"_step": 3, "loss": 1.25}']);
    const workspace = await ensureWorkspace({kind: "run-dir", root, source: "wandb", label: "test"}, {root: tempDir()});
    const history = await queryParquet<{run_id: string; step: bigint; metric: string; value: number; runtime_s: number | null}>(
      `SELECT run_id, step, metric, value, runtime_s FROM '${workspace.file("history")}' ORDER BY run_id, metric, step`
    );
    expect(history.map((row) => [row.run_id, Number(row.step), row.metric, row.value])).toEqual([
      ["run1", 0, "acc", 0.5],
      ["run1", 0, "loss", NaN],
      ["run1", 1, "loss", Infinity],
      ["run1", 0, "ok", 1],
      ["run1", 0, "train.gn", -Infinity],
      ["run2", 3, "loss", 1.25]
    ]);
    expect(history[0].runtime_s).toBe(1.5);
    const runs = await queryParquet<Record<string, any>>(`SELECT * FROM '${workspace.file("runs")}' ORDER BY run_id`);
    expect(runs.map((row) => Number(row.n_skipped_values))).toEqual([2, 0]);
    expect(runs.map((row) => Number(row.n_history_rows))).toEqual([2, 1]);
    // `LR` and `lr` differ only by case: `LR` sorts first and keeps its name, `lr` becomes `lr~2`.
    expect(runs[0].config.LR).toBe(5n);
    expect(runs[0].config["lr~2"]).toBe(1);
    expect(runs[1].config["lr~2"]).toBe(0.5);
    expect(runs[0].config["opt.name"]).toBe("adam");
    expect(runs[0].config["opt.beta"]).toBe(0.9);
    expect(runs[1].config["opt.beta"]).toBeNull();
    // boolean in one run, string in the other: VARCHAR, booleans as JSON text
    expect(runs[0].config.flag).toBe("true");
    expect(runs[1].config.flag).toBe("yes");
    expect(runs[0].config.mixed).toBe("1");
    expect(runs[1].config.mixed).toBe("[1,2]");
    expect(runs[0].config['we"ird\'key']).toBe("x");
    expect(runs[0].summary.loss).toBeNaN();
    expect(runs[0].summary.best).toBe(Infinity);
    expect(runs[0].summary).not.toHaveProperty("_wandb");
    expect(runs[0].source).toBe("wandb");
    const metrics = await queryParquet<{metric: string; n_nonfinite: bigint; n_runs: bigint}>(
      `SELECT metric, n_nonfinite, n_runs FROM '${workspace.file("metrics")}' ORDER BY metric`
    );
    expect(metrics.map((row) => [row.metric, Number(row.n_runs), Number(row.n_nonfinite)])).toEqual([
      ["acc", 1, 0],
      ["loss", 2, 2],
      ["ok", 1, 0],
      ["train.gn", 1, 1]
    ]);
  });
});

describe("workspace without any numeric history", () => {
  it("writes empty history and metrics tables instead of failing", async () => {
    const root = tempDir();
    writeRun(root, "quiet", {displayName: "q", state: "finished", config: "{}", summaryMetrics: "{}"}, ['{"_step": 0, "note": "text only"}']);
    const workspace = await ensureWorkspace({kind: "run-dir", root, source: "wandb", label: "t"}, {root: tempDir()});
    const [counts] = await queryParquet<{h: bigint; m: bigint; skipped: bigint}>(
      `SELECT (SELECT count(*) FROM '${workspace.file("history")}') AS h, (SELECT count(*) FROM '${workspace.file("metrics")}') AS m,
              (SELECT n_skipped_values FROM '${workspace.file("runs")}') AS skipped`
    );
    expect([Number(counts.h), Number(counts.m), Number(counts.skipped)]).toEqual([0, 0, 1]);
  });
});
