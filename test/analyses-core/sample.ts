import {existsSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {SAMPLE_RUNS_DIR, SAMPLE_SOURCE} from "../../data-loaders/sources/resolve-source.js";
import {ensureWorkspace} from "../../data-loaders/workspace/ensure-workspace.js";
import {queryParquet} from "../helpers/duckdb.js";
import {tempDir} from "../helpers/run-dir.js";
import {parseFailureReport, type FailureReport} from "../../analyses/src/failures/index.js";
import type {HistoryRow, RunRow} from "../../analyses/src/compare/index.js";

/**
 * The real sample as the pages get it: the Parquet workspace built from sample/altgrad-fp8 by the
 * project's own loader, queried with DuckDB (runs with their config/summary structs, history rows
 * as {run_id, step, metric, value}), plus the failure_report.md files parsed with parseFailureReport.
 * Not a test file (no .test.ts suffix).
 */
export interface SampleData {
  runs: RunRow[];
  history: HistoryRow[];
  reports: Record<string, FailureReport>;
  byName: Map<string, RunRow>;
  idOf(name: string): string;
}

let cached: Promise<SampleData> | undefined;

export function loadSample(): Promise<SampleData> {
  cached ??= (async () => {
    const workspace = await ensureWorkspace(SAMPLE_SOURCE, {root: tempDir("runlens-analyses-core-")});
    const runs = await queryParquet<RunRow>(
      `SELECT run_id, name, state, created_at, last_step, config, summary FROM '${workspace.file("runs")}'
       ORDER BY config.lr, name`
    );
    const history = await queryParquet<HistoryRow>(`SELECT run_id, step, metric, value FROM '${workspace.file("history")}'`);
    const reports: Record<string, FailureReport> = {};
    for (const run of runs) {
      const path = join(SAMPLE_RUNS_DIR, "runs", run.run_id, "failure_report.md");
      if (existsSync(path)) reports[run.run_id] = parseFailureReport(readFileSync(path, "utf8"));
    }
    const byName = new Map(runs.map((r) => [r.name as string, r]));
    return {
      runs, history, reports, byName,
      idOf(name: string) {
        const run = byName.get(name);
        if (!run) throw new Error(`no run named ${name}`);
        return run.run_id;
      }
    };
  })();
  return cached;
}

export const README = readFileSync(join(SAMPLE_RUNS_DIR, "README.md"), "utf8");

/** The README's "Runs" table: one row per run. */
export function readmeRuns(): {runId: string; name: string; lr: number; state: string; reason: string; failureStep: number | null; lastStep: number; lastVal: number; bestVal: number}[] {
  const rows = [...README.matchAll(/^\| ([0-9a-z]{8}) \| (\S+) \| (\S+) \| (\w+) \| (\w*) \| (\d*) \| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$/gm)];
  return rows.map((m) => ({
    runId: m[1], name: m[2], lr: Number(m[3]), state: m[4], reason: m[5], failureStep: m[6] === "" ? null : Number(m[6]),
    lastStep: Number(m[7]), lastVal: Number(m[9]), bestVal: Number(m[10])
  }));
}

/** The README's "Failure modes by lr / format / optimizer" table. */
export function readmeOutcomes(): {lr: number; format: string; optimizer: string; runs: number; finished: number; bitStall: number; stopSteps: number[]}[] {
  const rows = [...README.matchAll(/^\| (\de-\d) \| (\w+) \| (adamw|manifold_adamw) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| ([\d, -]+) \|$/gm)];
  return rows.map((m) => ({
    lr: Number(m[1]), format: m[2], optimizer: m[3], runs: Number(m[4]), finished: Number(m[5]), bitStall: Number(m[7]),
    stopSteps: m[10].trim() === "-" ? [] : m[10].split(",").map((s) => Number(s.trim()))
  }));
}

/** The README's "Per lr / format / optimizer (mean over seeds)" table. */
export function readmeCells(): {lr: number; format: string; optimizer: string; seeds: number; meanBestVal: number; meanStopStep: number}[] {
  const rows = [...README.matchAll(/^\| (\de-\d) \| (\w+) \| (adamw|manifold_adamw) \| (\d+) \| ([\w/]+) \| ([\d.]+) \| (\d+) \| ([\d.]+) \| ([\de.+-]+) \|$/gm)];
  return rows.map((m) => ({lr: Number(m[1]), format: m[2], optimizer: m[3], seeds: Number(m[4]), meanBestVal: Number(m[6]), meanStopStep: Number(m[7])}));
}
