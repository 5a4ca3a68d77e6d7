// `npm run bench -- analyses`: the ANAL computations on the sample replicated ×100 (8,000 runs), runlens
// against an equivalent pandas script (bench/analyses_pandas.py) in the same run, on the same rows.
//
// What is compared (both sides, same work, same resample counts):
//   1. failure classification of every run by the runner's rules (+ reported reason and state),
//   2. failure rates by format, optimizer and format × optimizer with Wilson intervals,
//   3. the formats ranking at the most common lr: 2 metrics × 3 selectors × 8 formats, mean with a
//      percentile bootstrap CI (B resamples) and P(best) over B joint resamples,
//   4. the optimizer effect per format (paired by seed: bootstrap CI over B resamples, g_z, t-test, Holm).
// runlens computes them with the functions the research pages call (analyses/src/compare, failures);
// pandas with group-bys and numpy. Both read the same history rows: the 4 metrics these steps use.
// Loading (Parquet → rows with DuckDB for runlens; CSV → DataFrame for pandas, which has no Parquet
// reader here: pyarrow is not installed) is timed apart from computing. Compute times are the best of
// `repeats` (5) on each side — the first runlens run, with V8's JIT still cold, is printed too; the
// Python interpreter's start and imports are not counted.
// Separately, the full research functions (formatsReport + failuresReport + optimizersReport: every
// ANAL table, including those pandas does not compute) are timed on the full history (43 keys/step).
import {execFileSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";
import {DuckDBInstance} from "@duckdb/node-api";
import {classifyFailures, failureRates, indexHistory, lastLoggedStep, optimizerEffect, rankGroups, runValuesIndexed, type FailureClassification, type HistoryColumns, type HistoryRow, type RunRow} from "@runlens/analyses";
import {failuresReport, formatsReport, optimizersReport, resolveDesign, resolveStatistics, selectSubset, type ResearchData} from "@runlens/analyses/research/index";
import {loadWorkspaceColumns, type RunFields} from "../data-loaders/report/load-workspace-rows.js";
import {SAMPLE_SOURCE} from "../data-loaders/sources/resolve-source.js";
import {ensureWorkspace} from "../data-loaders/workspace/ensure-workspace.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const METRICS = ["loss", "val_loss", "quantization/bit_stall_rate", "quantization/overflow_rate"];

export interface AnalysesBench {
  replicas: number;
  runs: number;
  historyRows: number;
  resamples: number;
  runlens: {loadSeconds: number; computeSeconds: number; firstComputeSeconds: number; phases: Record<string, number>};
  pandas: {loadSeconds: number; computeSeconds: number; phases: Record<string, number>};
  /** pandas compute / runlens compute. */
  ratioCompute: number;
  /** (pandas load + compute) / (runlens load + compute). */
  ratioWithLoad: number;
  /** The full research functions on the full history (every ANAL table). */
  research: {historyRows: number; loadSeconds: number; seconds: Record<string, number>; totalSeconds: number} | null;
  /** Do both sides give the same tables? (exact for counts and closed forms, tolerance for bootstrap bounds) */
  agreement: {checks: number; failures: string[]};
}

/** Write the replicated workspace: run ids and names suffixed -rNN, seed + 1000·k, histories copied. */
export async function replicate(sampleDir: string, dir: string, replicas: number): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  const q = (path: string) => `'${path.replaceAll("'", "''")}'`;
  const suffix = "'-r' || lpad(k::VARCHAR, 2, '0')";
  try {
    await c.run(`CREATE TABLE runs AS SELECT r.* REPLACE (r.run_id || ${suffix} AS run_id, r.name || ${suffix} AS name,
      struct_update(r.config, seed := r.config.seed + 1000 * k) AS config) FROM read_parquet(${q(join(sampleDir, "runs.parquet"))}) r, range(${replicas}) t(k)`);
    await c.run(`COPY (SELECT * FROM runs ORDER BY run_id) TO ${q(join(dir, "runs.parquet"))} (FORMAT parquet)`);
    await c.run(`COPY (SELECT run_id, name, state, config.fp8_format AS fp8_format, config.optimizer AS optimizer, config.seed AS seed, config.lr AS lr,
      summary.failure_reason AS failure_reason, summary.failure_step AS failure_step FROM runs ORDER BY run_id) TO ${q(join(dir, "runs.csv"))} (HEADER)`);
    await c.run(`COPY (SELECT h.* REPLACE (h.run_id || ${suffix} AS run_id) FROM read_parquet(${q(join(sampleDir, "history.parquet"))}) h, range(${replicas}) t(k)
      ORDER BY run_id, metric, step) TO ${q(join(dir, "history.parquet"))} (FORMAT parquet)`);
    const four = `SELECT run_id, step, metric, value FROM read_parquet(${q(join(dir, "history.parquet"))}) WHERE metric IN (${METRICS.map((m) => `'${m}'`).join(", ")})`;
    await c.run(`COPY (${four}) TO ${q(join(dir, "history4.parquet"))} (FORMAT parquet)`);
    await c.run(`COPY (${four}) TO ${q(join(dir, "history4.csv"))} (HEADER)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/**
 * The run keys the matched computations read: the design's (format, optimizer, seed, the keys held
 * fixed) and the reported failure — the columns pandas reads from runs.csv.
 */
const RUN_FIELDS: RunFields = (() => {
  const d = resolveDesign({});
  const bare = (k: string) => k.replace(/^config\./, "");
  return {
    columns: ["name", "state"],
    config: [d.formatKey, d.armKey, ...(d.seedKey === null ? [] : [d.seedKey]), ...d.autoFixKeys].map(bare),
    summary: ["failure_reason", "failure_step"]
  };
})();

/** The matched computations, with the functions and options the research functions use. */
export function runlensCompute(data: {runs: readonly RunRow[]; history: readonly HistoryRow[] | HistoryColumns}, resamples: number) {
  const phases: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    phases[name] = (performance.now() - t) / 1000;
    t = performance.now();
  };
  const design = resolveDesign({});
  const stats = resolveStatistics({resamples});
  const boot = (offset: number) => ({resamples: stats.resamples, confidence: stats.confidence, method: stats.ciMethod, seed: stats.seed + offset});
  const runs = data.runs as RunRow[];
  const {index} = indexHistory(data.history);
  lap("index");
  const classes = classifyFailures(runs, index);
  lap("classify");
  const rates = {
    fp8_format: failureRates(classes, runs, "fp8_format"),
    optimizer: failureRates(classes, runs, "optimizer"),
    "fp8_format x optimizer": failureRates(classes, runs, ["fp8_format", "optimizer"])
  };
  lap("rates");
  const subset = selectSubset(runs, design);
  let common = Infinity;
  for (const r of subset.runs) common = Math.min(common, lastLoggedStep(index.get(r.run_id)) ?? Infinity);
  const byId = new Map(classes.map((c) => [c.run_id, c]));
  const subClasses = subset.runs.map((r) => byId.get(r.run_id)!) as FailureClassification[];
  const ranking = ["val_loss", "loss"].flatMap((metric, mi) =>
    (["final", "best", "step"] as const).map((sel, si) => {
      const selector = sel === "final" ? {kind: "final" as const} : sel === "best" ? {kind: "best" as const, direction: "min" as const} : {kind: "step" as const, step: common};
      const values = runValuesIndexed(subset.runs, index, metric, selector);
      return {metric, selector: sel, result: rankGroups(values, subset.runs, {groupBy: design.formatKey, direction: "lower", statistic: "mean", bootstrap: boot(100 * mi + 10 * si), classifications: subClasses})};
    })
  );
  lap("ranking");
  const values = runValuesIndexed(subset.runs, index, "val_loss", {kind: "best", direction: "min"});
  const effect = optimizerEffect(values, subset.runs, {arm: design.armKey, baseline: design.baseline, treatment: design.treatment, by: design.formatKey, pairBy: design.seedKey, direction: "lower", adjust: stats.adjust, bootstrap: boot(0)});
  lap("optimizer_effect");
  return {classes, rates, ranking, effect, lr: subset.fixed.lr, common, phases};
}

type Runlens = ReturnType<typeof runlensCompute>;

/** Compare the two sides' tables; returns the disagreements (empty = same tables). */
function agreement(r: Runlens, p: any): {checks: number; failures: string[]} {
  const failures: string[] = [];
  let checks = 0;
  const same = (what: string, a: unknown, b: unknown) => {
    ++checks;
    if (a !== b) failures.push(`${what}: runlens ${a} vs pandas ${b}`);
  };
  const close = (what: string, a: number | null, b: number | null, tol: number) => {
    ++checks;
    if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) {
      if ((a === null || !Number.isFinite(a)) !== (b === null || !Number.isFinite(b))) failures.push(`${what}: runlens ${a} vs pandas ${b}`);
      return;
    }
    if (Math.abs(a - b) > tol) failures.push(`${what}: runlens ${a} vs pandas ${b} (tolerance ${tol})`);
  };
  same("lr held fixed", r.lr, p.lr);
  same("common step", r.common, p.common_step);
  // 1. classification: mode counts per format × optimizer, and every collapse step.
  const counts = new Map<string, number>();
  const runById = new Map<string, FailureClassification>(r.classes.map((c) => [c.run_id, c]));
  for (const row of p.mode_counts as {fp8_format: string; optimizer: string; mode: string; n: number}[]) counts.set(`${row.fp8_format}/${row.optimizer}/${row.mode}`, row.n);
  const mine = new Map<string, number>();
  for (const g of r.rates["fp8_format x optimizer"].groups) {
    const [f, o] = g.key.split(" / ");
    for (const [mode, n] of Object.entries(g.byMode)) if (n > 0) mine.set(`${f}/${o}/${mode}`, n);
  }
  same("mode count cells", mine.size, counts.size);
  for (const [k, n] of mine) same(`runs ${k}`, n, counts.get(k));
  for (const [id, step] of Object.entries(p.collapse_steps as Record<string, number>)) same(`collapse step ${id}`, runById.get(id)?.collapseStep, step);
  same("runs with a collapse step", r.classes.filter((c) => c.collapseStep !== null).length, Object.keys(p.collapse_steps).length);
  // 2. rates: counts exact, Wilson bounds to 1e-12.
  for (const [by, result] of Object.entries(r.rates)) {
    const theirs = new Map<string, any>((p.rates[by] as any[]).map((x) => [x.group, x]));
    same(`rate groups by ${by}`, result.groups.length, theirs.size);
    for (const g of result.groups) {
      const t = theirs.get(g.key);
      same(`rate ${by}=${g.key} n`, g.n, t?.n);
      same(`rate ${by}=${g.key} failures`, g.failures, t?.failures);
      close(`rate ${by}=${g.key} lower`, g.lower, t?.ci_lower, 1e-12);
      close(`rate ${by}=${g.key} upper`, g.upper, t?.ci_upper, 1e-12);
    }
  }
  // 3. ranking: n, failed, estimate and rank exact (to rounding); bootstrap bounds and P(best) within Monte-Carlo error.
  const theirRanking = new Map<string, any>((p.ranking as any[]).map((x) => [`${x.metric}/${x.selector}/${x.format}`, x]));
  for (const {metric, selector, result} of r.ranking) {
    for (const g of result.groups) {
      const t = theirRanking.get(`${metric}/${selector}/${g.key}`);
      const w = `ranking ${metric}/${selector}/${g.key}`;
      same(`${w} n`, g.n, t?.n);
      same(`${w} failed`, g.failed, t?.n_failed);
      same(`${w} rank`, g.rank, t?.rank);
      close(`${w} estimate`, g.estimate, t?.estimate, 1e-12);
      const width = g.upper !== null && g.lower !== null ? g.upper - g.lower : 0;
      close(`${w} CI lower`, g.lower, t?.ci_lower, 0.2 * width + 1e-12);
      close(`${w} CI upper`, g.upper, t?.ci_upper, 0.2 * width + 1e-12);
      close(`${w} P(best)`, g.probabilityBest, t?.prob_best ?? null, 0.05);
    }
  }
  // 4. optimizer effect: closed forms to 1e-9, bootstrap bounds within 20% of the interval's width (two random streams).
  const theirEffect = new Map<string, any>((p.effect as any[]).map((x) => [x.format, x]));
  for (const s of r.effect.strata) {
    const t = theirEffect.get(s.key);
    const w = `effect ${s.key}`;
    same(`${w} pairing`, s.pairing, t?.pairing);
    close(`${w} improvement %`, s.improvementPercent, t?.improvement_pct, 1e-9);
    close(`${w} effect size`, s.effectSize.g, t?.effect_size, 1e-9 * Math.max(1, Math.abs(s.effectSize.g)));
    close(`${w} t`, s.test.statistic, t?.statistic, 1e-9 * Math.max(1, Math.abs(s.test.statistic)));
    close(`${w} p`, s.test.pValue, t?.p, 1e-9);
    close(`${w} p adjusted`, s.test.pAdjusted, t?.p_adj, 1e-9);
    const width = s.upper !== null && s.lower !== null ? s.upper - s.lower : 0;
    close(`${w} CI lower`, s.lower, t?.ci_lower, 0.2 * width + 1e-9);
    close(`${w} CI upper`, s.upper, t?.ci_upper, 0.2 * width + 1e-9);
  }
  return {checks, failures};
}

export async function benchAnalyses(options: {replicas?: number; resamples?: number; repeats?: number; python?: string; full?: boolean} = {}): Promise<AnalysesBench> {
  const log = (m: string) => process.stderr.write(`  [analyses] ${m}\n`);
  const replicas = options.replicas ?? 100;
  const resamples = options.resamples ?? 2000;
  const repeats = options.repeats ?? 5;
  const python = options.python ?? process.env.RUNLENS_PYTHON ?? "/usr/bin/python3";
  const root = mkdtempSync(join(tmpdir(), "runlens-bench-analyses-"));
  try {
    const sample = await ensureWorkspace(SAMPLE_SOURCE, {root: join(root, "workspace")});
    await replicate(sample.dir, root, replicas);
    log(`replicated the sample ×${replicas}`);

    // runlens: Parquet → runs (the keys used) and history columns, then the matched computations (best of `repeats`).
    let started = performance.now();
    const data = await loadWorkspaceColumns({runs: join(root, "runs.parquet"), history: join(root, "history4.parquet")}, {runFields: RUN_FIELDS});
    const loadSeconds = (performance.now() - started) / 1000;
    let best = Infinity;
    let first = NaN;
    let result: Runlens | null = null;
    for (let i = 0; i < repeats; i++) {
      started = performance.now();
      const r = runlensCompute(data, resamples);
      const s = (performance.now() - started) / 1000;
      if (i === 0) first = s;
      log(`runlens compute ${s.toFixed(2)} s (${Object.entries(r.phases).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")})`);
      if (s < best) {
        best = s;
        result = r;
      }
    }

    // pandas: the same rows from CSV, the same computations (its own timings, best of `repeats`).
    const out = join(root, "pandas.json");
    execFileSync(python, [join(HERE, "analyses_pandas.py"), join(root, "runs.csv"), join(root, "history4.csv"), out, "--resamples", String(resamples), "--repeats", String(repeats)], {stdio: ["ignore", "inherit", "inherit"]});
    const p = JSON.parse(readFileSync(out, "utf8"));
    log(`pandas compute ${p.compute_seconds.toFixed(2)} s`);
    const check = agreement(result!, p);

    // The full research functions on the full history (every ANAL table).
    const historyRows = data.history.step.length;
    let research: AnalysesBench["research"] = null;
    if (options.full !== false) {
      // In a child process (a fresh heap): 25.8 million history rows, read as columns (~620 MB of typed
      // arrays); each research function indexes its share of them.
      log("full research functions on the full history (a child process; minutes)");
      const stdout = execFileSync(process.execPath, ["--max-old-space-size=8192", "--import", "tsx", fileURLToPath(import.meta.url), "--research-child", root, String(resamples)], {
        cwd: join(HERE, ".."), stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 20
      });
      research = JSON.parse(stdout.toString().trim().split("\n").at(-1)!);
    }
    return {
      replicas, runs: data.runs.length, historyRows, resamples,
      runlens: {loadSeconds, computeSeconds: best, firstComputeSeconds: first, phases: result!.phases},
      pandas: {loadSeconds: p.load_seconds, computeSeconds: p.compute_seconds, phases: p.phases},
      ratioCompute: p.compute_seconds / best,
      ratioWithLoad: (p.load_seconds + p.compute_seconds) / (loadSeconds + best),
      research,
      agreement: check
    };
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
}

/** The three research functions (every ANAL table) on the replicated workspace in `root`, timed one by one. */
async function researchTimings(root: string, resamples: number): Promise<NonNullable<AnalysesBench["research"]>> {
  let started = performance.now();
  const full = await loadWorkspaceColumns({runs: join(root, "runs.parquet"), history: join(root, "history.parquet")});
  const loadSeconds = (performance.now() - started) / 1000;
  process.stderr.write(`  [analyses] read the full history: ${full.history.step.length} rows in ${loadSeconds.toFixed(2)} s\n`);
  const seconds: Record<string, number> = {};
  for (const [name, fn] of [["formatsReport", formatsReport], ["failuresReport", failuresReport], ["optimizersReport", optimizersReport]] as const) {
    started = performance.now();
    (fn as (d: ResearchData, o: object) => unknown)(full, {resamples});
    seconds[name] = (performance.now() - started) / 1000;
    process.stderr.write(`  [analyses] ${name} ${seconds[name].toFixed(2)} s\n`);
  }
  return {historyRows: full.history.step.length, loadSeconds, seconds, totalSeconds: Object.values(seconds).reduce((a, b) => a + b, 0)};
}

/** The lines `npm run bench` prints for this benchmark. */
export function printAnalysesBench(r: AnalysesBench, row: (label: string, value: string, note?: string) => void): void {
  const phases = (x: Record<string, number>) => Object.entries(x).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ");
  console.log(`  ${r.runs.toLocaleString("en-US")} runs (sample ×${r.replicas}), ${r.historyRows.toLocaleString("en-US")} history rows of the 4 metrics used; ${r.resamples} bootstrap resamples on both sides`);
  row("runlens compute (best of 5)", `${r.runlens.computeSeconds.toFixed(2)} s`, phases(r.runlens.phases));
  row("runlens compute (first run, cold JIT)", `${r.runlens.firstComputeSeconds.toFixed(2)} s`);
  row("pandas compute (best of 5)", `${r.pandas.computeSeconds.toFixed(2)} s`, phases(r.pandas.phases));
  row("ratio pandas / runlens (compute)", `${r.ratioCompute.toFixed(2)}×`, `target ≥ 5×; first run ${(r.pandas.computeSeconds / r.runlens.firstComputeSeconds).toFixed(2)}×`);
  row("runlens load (Parquet → runs + history columns, DuckDB)", `${r.runlens.loadSeconds.toFixed(2)} s`);
  row("pandas load (CSV → DataFrame)", `${r.pandas.loadSeconds.toFixed(2)} s`, "no pyarrow: CSV");
  row("ratio pandas / runlens (load + compute)", `${r.ratioWithLoad.toFixed(2)}×`);
  row("same tables on both sides", r.agreement.failures.length === 0 ? `yes (${r.agreement.checks} checks)` : `NO: ${r.agreement.failures.length} of ${r.agreement.checks}`);
  for (const f of r.agreement.failures.slice(0, 10)) console.log(`    ${f}`);
  if (r.research) row("runlens full ANAL tables (3 research functions)", `${r.research.totalSeconds.toFixed(2)} s`, `${r.research.historyRows.toLocaleString("en-US")} history rows; ${phases(r.research.seconds)}; load ${r.research.loadSeconds.toFixed(2)} s`);
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === "--research-child") {
  process.stdout.write(JSON.stringify(await researchTimings(process.argv[3], Number(process.argv[4]))) + "\n");
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const replicas = Number(process.argv[2] ?? 100);
  const r = await benchAnalyses({replicas, full: process.argv[3] !== "--no-full"});
  printAnalysesBench(r, (label, value, note = "") => console.log(`${label.padEnd(44)} ${value.padStart(14)}  ${note}`));
}
