import {join, resolve} from "node:path";
import {describe, expect, it} from "vitest";
import {ensureWorkspace} from "../../data-loaders/workspace/ensure-workspace.js";
import {SourceError} from "../../data-loaders/errors.js";
import {queryParquet} from "../helpers/duckdb.js";
import {tempDir} from "../helpers/run-dir.js";

const FIXTURES = resolve(import.meta.dirname, "../../../shared/fixtures/wandb-offline");

// Expected counts and keys come from shared/fixtures/wandb-offline/README.md (record counts per file).
describe("offline .wandb runs in the workspace", () => {
  it("reads every run folder of a wandb/ directory into runs, history and metrics", async () => {
    const messages: string[] = [];
    const workspace = await ensureWorkspace({kind: "offline", path: FIXTURES, label: "fixtures"}, {root: tempDir(), progress: (m) => messages.push(m)});
    const runs = await queryParquet<{run_id: string; source: string; n_history_rows: bigint; last_step: bigint | null; state: string; n_skipped_values: bigint}>(
      `SELECT run_id, source, n_history_rows, last_step, state, n_skipped_values FROM '${workspace.file("runs")}' ORDER BY run_id`
    );
    expect(runs.map((r) => [r.run_id, Number(r.n_history_rows)])).toEqual([
      ["g9dvvkua", 0], // legacy 2021 run: no history
      ["nanedge1", 20],
      ["new_auto_steps", 3],
      ["new_shared_mode", 0], // 2 rows without a step axis: counted as skipped values
      ["old_auto_steps", 3],
      ["old_auto_steps_flat_keys", 3],
      ["old_resumed_run", 3],
      ["tiny0001", 50]
    ]);
    expect(runs.every((r) => r.source === "offline" && r.state === "finished")).toBe(true);
    expect(Number(runs.find((r) => r.run_id === "new_shared_mode")!.n_skipped_values)).toBe(2);
    // A resumed run continues from its starting step instead of restarting at 0.
    const resumed = runs.find((r) => r.run_id === "old_resumed_run")!;
    expect(Number(resumed.last_step)).toBeGreaterThan(2);
    const metrics = await queryParquet<{metric: string; n_runs: bigint; n_values: bigint; n_nonfinite: bigint}>(
      `SELECT metric, n_runs, n_values, n_nonfinite FROM '${workspace.file("metrics")}' ORDER BY metric`
    );
    expect(metrics.map((m) => m.metric)).toEqual(["edge/flat", "edge/nan_inf", "edge/single_point", "eval/step_fn", "train/loss", "train/sine", "x"]);
    expect(Number(metrics.find((m) => m.metric === "edge/single_point")!.n_values)).toBe(1);
    expect(Number(metrics.find((m) => m.metric === "edge/nan_inf")!.n_nonfinite)).toBeGreaterThan(0);
    const [nonfinite] = await queryParquet<{nan: bigint; pos: bigint; neg: bigint}>(
      `SELECT count(*) FILTER (WHERE isnan(value)) AS nan, count(*) FILTER (WHERE value = 'Infinity'::DOUBLE) AS pos,
              count(*) FILTER (WHERE value = '-Infinity'::DOUBLE) AS neg
       FROM '${workspace.file("history")}' WHERE metric = 'edge/nan_inf'`
    );
    expect([Number(nonfinite.nan), Number(nonfinite.pos), Number(nonfinite.neg)].every((n) => n > 0)).toBe(true);
    expect(messages.some((m) => m.includes("new_shared_mode") && m.startsWith("warning:"))).toBe(true);
  });

  it("a truncated log still gives its intact records, with a warning", async () => {
    const messages: string[] = [];
    const workspace = await ensureWorkspace(
      {kind: "offline", path: join(FIXTURES, "wire", "truncated-tail.wandb"), label: "truncated"},
      {root: tempDir(), progress: (m) => messages.push(m)}
    );
    const [run] = await queryParquet<{n_history_rows: bigint; state: string}>(`SELECT n_history_rows, state FROM '${workspace.file("runs")}'`);
    expect(Number(run.n_history_rows)).toBe(3); // README: 4 readable records = run 1, history 3
    expect(run.state).toBe("crashed"); // no exit record
    expect(messages.some((m) => m.startsWith("warning:"))).toBe(true);
  });

  it("a folder without offline runs is a clear error", async () => {
    await expect(ensureWorkspace({kind: "offline", path: tempDir(), label: "empty"}, {root: tempDir()})).rejects.toThrow(SourceError);
    await expect(ensureWorkspace({kind: "offline", path: tempDir(), label: "empty"}, {root: tempDir()})).rejects.toThrow(/contains no offline runs/);
  });
});
