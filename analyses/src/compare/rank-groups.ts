import {bootstrapCI, type BootstrapMethod} from "../stats/index.js";
import {FAILURE_MODES, type FailureClassification, type FailureMode} from "../failures/classify.js";
import {groupKeyOf, type GroupBy, type RunRow} from "./rows.js";
import type {RunValue, RunValueStatus} from "./common-step.js";
import {competitionRanks, probabilityBest, probabilityBestOf, statisticFn, type GroupStatistic} from "./_summary.js";

export interface CompareBootstrapOptions {
  /** Resamples (default 10 000). */
  resamples?: number;
  /** Default 0.95. */
  confidence?: number;
  /** "percentile" (default: with 2–3 seeds per group BCa's jackknife is degenerate) or "bca". */
  method?: BootstrapMethod;
  seed?: number;
}

export function resolveBootstrap(o: CompareBootstrapOptions = {}): Required<CompareBootstrapOptions> {
  const resamples = o.resamples !== undefined && Number.isInteger(o.resamples) && o.resamples >= 1 ? o.resamples : 10_000;
  const confidence = o.confidence !== undefined && o.confidence > 0 && o.confidence < 1 ? o.confidence : 0.95;
  const method: BootstrapMethod = o.method === "bca" ? "bca" : "percentile";
  const seed = o.seed !== undefined && Number.isFinite(o.seed) ? o.seed : 0;
  return {resamples, confidence, method, seed};
}

export interface ExcludedRun {
  run_id: string;
  name: string | null;
  status: RunValueStatus | "not_in_runs";
  reason: string;
}

export interface RankedGroup {
  key: string;
  values: Record<string, unknown>;
  /** 1 = best; equal estimates share a rank; null when the group has no value. */
  rank: number | null;
  /** The statistic over the group's values (null without values). */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  /** Values used (runs with status "ok"). */
  n: number;
  /** Runs in the group (with or without a value). */
  nRuns: number;
  /** The values used, per run. */
  runs: {run_id: string; name: string | null; value: number; mode?: FailureMode}[];
  /** Runs of the group without a value, and why (stopped before the step, metric not logged, non-finite). */
  excluded: ExcludedRun[];
  /** Failure modes of the group's runs (when classifications were given). */
  modes?: Record<FailureMode, number>;
  /** Runs of the group whose mode is not "none" (failed, stopped or crashed). */
  failed?: number;
  /** Probability this group is the best over bootstrap resamples of every group with n ≥ 2 (null otherwise). */
  probabilityBest: number | null;
  /** Why there is no CI (n < 2) or no probability, and any caveat about small n. */
  reason?: string;
  note?: string;
}

export interface RankGroupsOptions {
  groupBy: GroupBy;
  /** Which direction is better (default "lower", e.g. a loss). */
  direction?: "lower" | "higher";
  /** The per-group statistic (default "mean"). */
  statistic?: GroupStatistic;
  bootstrap?: CompareBootstrapOptions;
  classifications?: readonly FailureClassification[];
}

export interface RankGroupsResult {
  groups: RankedGroup[];
  direction: "lower" | "higher";
  statistic: GroupStatistic;
  bootstrap: Required<CompareBootstrapOptions>;
  /** Groups the probability of being best was computed over (those with n ≥ 2). */
  probabilityBestOver: string[];
  /** Values whose run is not in `runs` (not grouped). */
  unmatched: string[];
}

/** Group run values (from runValues) by a run attribute. Internal helper shared by the compare modules. */
export function groupRunValues(values: readonly RunValue[], runs: readonly RunRow[], groupBy: GroupBy) {
  const runById = new Map<string, RunRow>();
  for (const r of runs) runById.set(r.run_id, r);
  const groups = new Map<string, {values: Record<string, unknown>; ok: RunValue[]; excluded: ExcludedRun[]; runIds: string[]}>();
  const unmatched: string[] = [];
  for (const v of values) {
    const run = runById.get(v.run_id);
    if (run === undefined) {
      unmatched.push(v.run_id);
      continue;
    }
    const g = groupKeyOf(run, groupBy);
    let entry = groups.get(g.key);
    if (entry === undefined) groups.set(g.key, (entry = {values: g.values, ok: [], excluded: [], runIds: []}));
    entry.runIds.push(v.run_id);
    if (v.status === "ok" && v.value !== null && Number.isFinite(v.value)) entry.ok.push(v);
    else entry.excluded.push({run_id: v.run_id, name: v.name, status: v.status, reason: v.reason ?? v.status});
  }
  return {groups, unmatched};
}

/**
 * Rank groups (e.g. formats) by a per-run value (final / best / at a common step: see runValues), with
 * a bootstrap CI of the group statistic over its runs (seeds). Every run is visible: runs without a
 * value are listed in `excluded` with the reason; with classifications, each group also counts its
 * failure modes. Groups with n < 2 values get no CI (reason "n < 2"); n < 5 gets a note that a
 * bootstrap over so few seeds understates the uncertainty. `probabilityBest`: share of joint bootstrap
 * resamples (each group resampled independently) in which the group has the best statistic; the joint
 * resamples are the groups' CI resamples (independent streams, seed + i), so no extra draws are made.
 */
export function rankGroups(values: readonly RunValue[], runs: readonly RunRow[], options: RankGroupsOptions): RankGroupsResult {
  const direction = options.direction === "higher" ? "higher" : "lower";
  const statistic: GroupStatistic = options.statistic ?? "mean";
  const stat = statisticFn(statistic);
  const boot = resolveBootstrap(options.bootstrap);
  const {groups, unmatched} = groupRunValues(values, runs, options.groupBy);
  const modeById = new Map<string, FailureMode>();
  for (const c of options.classifications ?? []) modeById.set(c.run_id, c.mode);
  const list: RankedGroup[] = [];
  const replicatesOf = new Map<RankedGroup, Float64Array>();
  let i = 0;
  for (const [key, g] of groups) {
    const xs = g.ok.map((v) => v.value as number);
    const n = xs.length;
    const group: RankedGroup = {
      key, values: g.values, rank: null, estimate: null, lower: null, upper: null, n, nRuns: g.runIds.length,
      runs: g.ok.map((v) => {
        const m = modeById.get(v.run_id);
        return m === undefined ? {run_id: v.run_id, name: v.name, value: v.value as number} : {run_id: v.run_id, name: v.name, value: v.value as number, mode: m};
      }),
      excluded: g.excluded, probabilityBest: null
    };
    if (options.classifications !== undefined) {
      const modes = Object.fromEntries(FAILURE_MODES.map((m) => [m, 0])) as Record<FailureMode, number>;
      let unclassified = 0;
      for (const id of g.runIds) {
        const m = modeById.get(id);
        if (m === undefined) ++unclassified;
        else modes[m]++;
      }
      group.modes = modes;
      group.failed = g.runIds.length - unclassified - modes.none;
      if (unclassified > 0) group.note = `${unclassified} run(s) without a classification`;
    }
    if (n === 0) group.reason = "no run with a value";
    else {
      const ci = bootstrapCI(xs, stat, {resamples: boot.resamples, confidence: boot.confidence, method: boot.method, seed: boot.seed + i, keepReplicates: true});
      if (ci.replicates !== undefined && ci.replicates.length === boot.resamples && Number.isFinite(ci.standardError)) replicatesOf.set(group, ci.replicates);
      group.estimate = ci.estimate;
      if (n < 2) group.reason = `n = ${n} < 2: no confidence interval`;
      else if (Number.isFinite(ci.lower) && Number.isFinite(ci.upper)) {
        group.lower = ci.lower;
        group.upper = ci.upper;
        if (n < 5) group.note = [group.note, `n = ${n}: a bootstrap over so few seeds understates the uncertainty`].filter(Boolean).join("; ");
      } else group.reason = ci.reason ?? "no interval";
    }
    list.push(group);
    ++i;
  }
  const ranks = competitionRanks(list.map((g) => g.estimate), direction);
  list.forEach((g, j) => (g.rank = ranks[j]));
  const eligible = list.filter((g) => g.n >= 2);
  if (eligible.length >= 2) {
    // The groups' CI replicates are independent joint resamples (one stream per group): reuse them.
    const drawn = eligible.map((g) => replicatesOf.get(g));
    const p = drawn.every((r) => r !== undefined)
      ? probabilityBestOf(drawn as Float64Array[], direction)
      : probabilityBest(eligible.map((g) => g.runs.map((r) => r.value)), stat, direction, boot.resamples, boot.seed + 7919);
    eligible.forEach((g, j) => (g.probabilityBest = p[j]));
  }
  for (const g of list) {
    if (g.probabilityBest === null && g.n > 0) {
      const why = g.n < 2 ? "n < 2: not resampled for the probability of being best" : "fewer than 2 groups with n ≥ 2";
      g.reason = g.reason ? `${g.reason}; ${why}` : why;
    }
  }
  list.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  return {groups: list, direction, statistic, bootstrap: boot, probabilityBestOver: eligible.length >= 2 ? eligible.map((g) => g.key) : [], unmatched};
}
