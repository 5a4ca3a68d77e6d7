import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {SAMPLE_RUNS_DIR, SAMPLE_SOURCE} from "../../data-loaders/sources/resolve-source.js";
import {ensureWorkspace, type Workspace} from "../../data-loaders/workspace/ensure-workspace.js";
import {queryParquet} from "../helpers/duckdb.js";
import {tempDir} from "../helpers/run-dir.js";

// Expected numbers are transcribed from sample/altgrad-fp8/README.md ("80 runs, 6609 history rows",
// "Outcome counts", "Runs" and "Failure modes" tables), written by the dataset's authors independently of
// this code. The value count 258,467 was computed with Python over the JSONL files:
//   sum(1 for line in history.jsonl for k, v in json.loads(line).items()
//       if not k.startswith('_') and isinstance(v, (int, float)) and not isinstance(v, bool))
let workspace: Workspace;
let runs: string;
let history: string;
let metrics: string;

beforeAll(async () => {
  workspace = await ensureWorkspace(SAMPLE_SOURCE, {root: tempDir()});
  runs = `'${workspace.file("runs")}'`;
  history = `'${workspace.file("history")}'`;
  metrics = `'${workspace.file("metrics")}'`;
});

describe("sample workspace: runs", () => {
  it("holds the 80 runs with the README's states and failure reasons", async () => {
    const rows = await queryParquet<{state: string; reason: string | null; n: bigint}>(
      `SELECT state, summary.failure_reason AS reason, count(*) AS n FROM ${runs} GROUP BY ALL ORDER BY state`
    );
    expect(rows.map((row) => [row.state, row.reason, Number(row.n)])).toEqual([
      ["failed", "bit_stall", 51],
      ["finished", null, 29]
    ]);
  });

  it("gives the README's outcome counts per learning rate", async () => {
    const rows = await queryParquet<{lr: number; state: string; n: bigint}>(
      `SELECT config.lr AS lr, state, count(*) AS n FROM ${runs} GROUP BY ALL ORDER BY lr, state`
    );
    expect(rows.map((row) => [row.lr, row.state, Number(row.n)])).toEqual([
      [0.003, "failed", 39],
      [0.003, "finished", 9],
      [0.03, "failed", 8],
      [0.03, "finished", 8],
      [0.1, "failed", 4],
      [0.1, "finished", 12]
    ]);
  });

  it("decodes config, summary, tags, times and ids of a single run (e5m2-adamw-s0)", async () => {
    const [row] = await queryParquet<Record<string, any>>(
      `SELECT * FROM ${runs} WHERE name = 'e5m2-adamw-s0'`
    );
    expect(row.run_id).toBe("1qxlkm02");
    expect(row.source).toBe("sample");
    expect(row.entity).toBe("fp8-lab");
    expect(row.project).toBe("altgrad");
    expect(row.group).toBe("e5m2");
    expect(row.tags).toEqual(["fp8", "e5m2", "adamw"]);
    expect(row.config.fp8_format).toBe("e5m2");
    expect(row.config.optimizer).toBe("adamw");
    expect(row.config.use_manifold_aware).toBe(false);
    expect(row.config.lr).toBe(0.003);
    expect(row.config.betas).toEqual([0.9, 0.95]);
    expect(row.summary.failure_step).toBe(325n);
    expect(row.summary.loss).toBeCloseTo(2.6527, 4);
    expect(row.summary.val_loss).toBeCloseTo(2.6575, 4);
    expect(row.summary["quantization/bit_stall_rate"]).toBeCloseTo(0.9795, 4);
    expect(row.last_step).toBe(325n);
    expect(row.n_history_rows).toBe(66n);
    expect(row.url).toBeNull();
    // createdAt "2026-11-23T17:47:01", heartbeatAt "2026-11-23T17:47:24" (UTC) in run.json.
    expect(new Date(row.created_at.toString() + "Z").toISOString()).toBe("2026-11-23T17:47:01.000Z");
    expect(row.runtime_s).toBeGreaterThanOrEqual(23);
  });

  it("matches every run's final state and stop step from the README's run table", async () => {
    const readme = readFileSync(join(SAMPLE_RUNS_DIR, "README.md"), "utf8");
    const table = [...readme.matchAll(/^\| ([0-9a-z]{8}) \| (\S+) \| (\S+) \| (\w+) \| (\w*) \| (\d*) \| (\d+) \| ([\d.]+) \|/gm)];
    expect(table).toHaveLength(80);
    const rows = await queryParquet<{run_id: string; name: string; state: string; last_step: bigint; loss: number}>(
      `SELECT run_id, name, state, last_step, history_last.value AS loss FROM ${runs}
       JOIN (SELECT run_id, arg_max(value, step) AS value FROM ${history} WHERE metric = 'loss' GROUP BY run_id) history_last USING (run_id)`
    );
    const byId = new Map(rows.map((row) => [row.run_id, row]));
    for (const [, runId, displayName, , state, , , lastStep, lastLoss] of table) {
      const row = byId.get(runId)!;
      expect(row, runId).toBeDefined();
      expect(row.name).toBe(displayName);
      expect(row.state).toBe(state);
      expect(Number(row.last_step)).toBe(Number(lastStep));
      expect(row.loss).toBeCloseTo(Number(lastLoss), 4);
    }
  });
});

describe("sample workspace: history", () => {
  it("keeps every history line: 6609 rows, the sum of the runs' history lines", async () => {
    const lines = readdirSync(join(SAMPLE_RUNS_DIR, "runs")).reduce(
      (sum, id) => sum + readFileSync(join(SAMPLE_RUNS_DIR, "runs", id, "history.jsonl"), "utf8").split("\n").filter((l) => l.trim()).length,
      0
    );
    expect(lines).toBe(6609);
    const [row] = await queryParquet<{rows: bigint; distinct_steps: bigint}>(
      `SELECT (SELECT sum(n_history_rows) FROM ${runs}) AS rows,
              (SELECT count(*) FROM (SELECT DISTINCT run_id, step FROM ${history})) AS distinct_steps`
    );
    expect(Number(row.rows)).toBe(6609);
    expect(Number(row.distinct_steps)).toBe(6609);
  });

  it("is stored sorted by run_id, metric, step (readers can rely on the order)", async () => {
    const [row] = await queryParquet<{unsorted: bigint}>(`
      SELECT count(*) AS unsorted FROM (
        SELECT run_id, metric, step,
               lag(run_id) OVER w AS prev_run, lag(metric) OVER w AS prev_metric, lag(step) OVER w AS prev_step
        FROM (SELECT *, row_number() OVER () AS position FROM ${history})
        WINDOW w AS (ORDER BY position))
      WHERE prev_run IS NOT NULL AND (run_id, metric, step) < (prev_run, prev_metric, prev_step)`);
    expect(Number(row.unsorted)).toBe(0);
  });

  it("stores each numeric value once, long and exact (258,467 values)", async () => {
    const [row] = await queryParquet<{n: bigint; dups: bigint}>(
      `SELECT count(*) AS n, count(*) - count(DISTINCT (run_id, step, metric)) AS dups FROM ${history}`
    );
    expect(Number(row.n)).toBe(258467);
    expect(Number(row.dups)).toBe(0);
    // history.jsonl of 1qxlkm02, last line: {"_step": 325, ..., "loss": 2.6526684761047363, ...}
    const [last] = await queryParquet<{value: number}>(
      `SELECT value FROM ${history} WHERE run_id = '1qxlkm02' AND metric = 'loss' AND step = 325`
    );
    expect(last.value).toBe(2.6526684761047363);
    const [val] = await queryParquet<{n: bigint}>(`SELECT count(*) AS n FROM ${history} WHERE run_id = '1qxlkm02' AND metric = 'val_loss'`);
    expect(Number(val.n)).toBe(7);
  });
});

describe("sample workspace: metrics catalog", () => {
  it("lists the 40 logged metrics with layer types parsed from parameter names", async () => {
    const rows = await queryParquet<{kind: string; layer_type: string | null; n: bigint}>(
      `SELECT kind, layer_type, count(*) AS n FROM ${metrics} GROUP BY ALL ORDER BY kind, layer_type`
    );
    // 16 parameter tensors (README "Model"): wte, wpe (embedding); 2 x (c_attn, c_proj) attention;
    // 2 x (c_fc, c_proj) mlp; ln_1, ln_2 per block + ln_f (norm); lm_head (classifier).
    const perLayer = {attention: 4, classifier: 1, embedding: 2, mlp: 4, norm: 5};
    const expected = [
      ...Object.entries(perLayer).map(([type, n]) => ["bit_stall", type, n]),
      ...Object.entries(perLayer).map(([type, n]) => ["grad_norm_l2", type, n]),
      ["quantization", null, 3],
      ["scalar", null, 5]
    ];
    expect(rows.map((row) => [row.kind, row.layer_type, Number(row.n)])).toEqual(expected);
  });
});
