/**
 * Shared vocabulary of the research modules (formats, failures, optimizers, answer): the input rows,
 * the design options (which run attribute is the format, which is the two-arm factor, which runs are
 * compared), the output tables, and the run subset every comparison is made on.
 *
 * Why a module of its own: the pages (in the browser) and `runlens report` (in Node) call the same
 * functions with the same options and must print the same numbers. Everything that could make two
 * callers differ is fixed here: runs are put in a canonical order (format, then run_id) before any
 * seeded bootstrap, options are resolved in one place, and tables hold only plain cells.
 */
import {groupKeyOf, runAttribute, MISSING, type HistoryRow, type RunRow, type Series} from "../compare/rows.js";
import {indexOfColumns, isHistoryColumns, subsetIndex, type HistoryInput} from "../compare/history-columns.js";
import type {FailureReport} from "../failures/classify.js";
import type {BootstrapMethod} from "../stats/index.js";

// ---------------------------------------------------------------------------------------------
// Input

/** What every research function takes: the workspace's `runs` rows and `history` rows. */
export interface ResearchData {
  /** `runs` rows (run_id, name, state, created_at, last_step, config {…}, summary {…}; other columns ignored). */
  runs: readonly RunRow[];
  /** `history` rows {run_id, step, metric, value}, or the same as columns (HistoryColumns, from a
   *  columnar reader: much less memory for large workspaces); NaN/±Infinity are values. */
  history: HistoryInput;
  /**
   * Parsed failure_report.md per run_id (optional, Node only: the browser workspace has no reports).
   * Only the failure classification uses them, and on the sample they agree with summary + history.
   */
  reports?: Readonly<Record<string, FailureReport | null | undefined>>;
}

// ---------------------------------------------------------------------------------------------
// Output tables

/** A table cell: text, a finite number, a boolean or null (not computed / not applicable). */
export type Cell = string | number | boolean | null;
export type TableRow = Record<string, Cell>;

/**
 * Column kinds, for formatting and for typed exports:
 * text; integer; number; proportion (0–1); percent (already ×100); p (a p-value); boolean.
 */
export type ColumnType = "text" | "integer" | "number" | "proportion" | "percent" | "p" | "boolean";

export interface Column {
  /** Stable snake_case name (CSV / Parquet header). */
  key: string;
  /** Short human header. */
  label: string;
  type: ColumnType;
  description?: string;
}

/** A result table: stable id and columns, plain rows (no NaN: a value that is not computed is null). */
export interface ResearchTable<R extends TableRow = TableRow> {
  id: string;
  title: string;
  description: string;
  columns: Column[];
  rows: R[];
}

export function table<R extends TableRow>(id: string, title: string, description: string, columns: Column[], rows: R[]): ResearchTable<R> {
  return {id, title, description, columns, rows};
}

export function col(key: string, label: string, type: ColumnType, description?: string): Column {
  return description === undefined ? {key, label, type} : {key, label, type, description};
}

/** A finite number, or null (NaN, ±Infinity, null, undefined, non-numbers). */
export function num(x: unknown): number | null {
  if (typeof x === "bigint") return Number(x);
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/** Text of an attribute value for tables and keys ("(missing)" for none). */
export function labelOf(value: unknown): string {
  if (value === undefined || value === null) return MISSING;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A cell for an attribute value: numbers and booleans kept, other values as text, absent → null. */
export function attrCell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" || typeof value === "boolean") return value;
  return labelOf(value);
}

// ---------------------------------------------------------------------------------------------
// Options

/** Which attributes describe the experimental design. Every key is a run attribute (config key, `config.x`, `summary.x` or a run column). */
export interface DesignOptions {
  /** The attribute naming the number format (default "fp8_format"). */
  formatKey?: string;
  /** Formats to include, in display order (default: every format present; reference formats first, then sorted). */
  formats?: readonly string[] | null;
  /** Formats that are baselines rather than candidates (default ["fp32"]): shown, never picked as sweet spot or answer. */
  referenceFormats?: readonly string[];
  /** The two-arm factor (default "optimizer"). */
  armKey?: string;
  /** Its reference value (default "adamw"). */
  baseline?: string;
  /** Its treatment value (default "manifold_adamw"). */
  treatment?: string;
  /** The attribute pairing runs across arms (default "seed"; null: never pair). */
  seedKey?: string | null;
  /**
   * Which runs are compared. An object {key: value}: only runs whose attribute equals the value (as
   * text, so 0.003 matches "0.003"). "auto": for each key of `autoFixKeys` with several values, its
   * most common value (so formats are not compared across learning rates). null: every run.
   */
  fixed?: Readonly<Record<string, Cell>> | "auto" | null;
  /** Keys that "auto" holds fixed (default ["lr"]). */
  autoFixKeys?: readonly string[];
}

/** Statistics options shared by every research function. */
export interface StatisticsOptions {
  /** Bootstrap CI method (default "percentile": with 2–3 seeds BCa's jackknife is degenerate). */
  ciMethod?: BootstrapMethod;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95), for bootstrap and Wilson intervals. */
  confidence?: number;
  /** Seed of the bootstrap generator (default 0): the same inputs and seed give the same numbers. */
  seed?: number;
  /** Multiple-comparison adjustment (default "holm"; "bh" = Benjamini-Hochberg). */
  adjust?: "holm" | "bh";
}

export interface ResolvedDesign {
  formatKey: string;
  formats: string[] | null;
  referenceFormats: string[];
  armKey: string;
  baseline: string;
  treatment: string;
  seedKey: string | null;
  fixed: Record<string, Cell> | "auto" | null;
  autoFixKeys: string[];
}

export interface ResolvedStatistics {
  ciMethod: BootstrapMethod;
  resamples: number;
  confidence: number;
  seed: number;
  adjust: "holm" | "bh";
}

export const DEFAULT_DESIGN: Readonly<ResolvedDesign> = Object.freeze({
  formatKey: "fp8_format",
  formats: null,
  referenceFormats: ["fp32"],
  armKey: "optimizer",
  baseline: "adamw",
  treatment: "manifold_adamw",
  seedKey: "seed",
  fixed: "auto",
  autoFixKeys: ["lr"]
});

export const DEFAULT_STATISTICS: Readonly<ResolvedStatistics> = Object.freeze({
  ciMethod: "percentile",
  resamples: 2000,
  confidence: 0.95,
  seed: 0,
  adjust: "holm"
});

const nonEmpty = (s: unknown): s is string => typeof s === "string" && s.trim() !== "";

export function resolveDesign(o: DesignOptions = {}, defaults: Partial<ResolvedDesign> = {}): ResolvedDesign {
  const d = {...DEFAULT_DESIGN, ...defaults};
  const fixed = o.fixed === undefined ? d.fixed : o.fixed === "auto" || o.fixed === null ? o.fixed : {...o.fixed};
  return {
    formatKey: nonEmpty(o.formatKey) ? o.formatKey : d.formatKey,
    formats: o.formats === undefined || o.formats === null ? d.formats : o.formats.map(String),
    referenceFormats: (o.referenceFormats ?? d.referenceFormats).map(String),
    armKey: nonEmpty(o.armKey) ? o.armKey : d.armKey,
    baseline: o.baseline !== undefined && o.baseline !== null ? String(o.baseline) : d.baseline,
    treatment: o.treatment !== undefined && o.treatment !== null ? String(o.treatment) : d.treatment,
    seedKey: o.seedKey === null ? null : nonEmpty(o.seedKey) ? o.seedKey : d.seedKey,
    fixed: fixed === "auto" || fixed === null ? fixed : {...fixed},
    autoFixKeys: [...(o.autoFixKeys ?? d.autoFixKeys)]
  };
}

export function resolveStatistics(o: StatisticsOptions = {}): ResolvedStatistics {
  const d = DEFAULT_STATISTICS;
  return {
    ciMethod: o.ciMethod === "bca" ? "bca" : o.ciMethod === "percentile" ? "percentile" : d.ciMethod,
    resamples: o.resamples !== undefined && Number.isInteger(o.resamples) && o.resamples >= 1 ? Math.min(o.resamples, 1_000_000) : d.resamples,
    confidence: o.confidence !== undefined && o.confidence > 0 && o.confidence < 1 ? o.confidence : d.confidence,
    seed: o.seed !== undefined && Number.isFinite(o.seed) ? o.seed : d.seed,
    adjust: o.adjust === "bh" ? "bh" : o.adjust === "holm" ? "holm" : d.adjust
  };
}

/** The bootstrap options object the compare/ functions take. */
export function bootstrapOf(s: ResolvedStatistics, seedOffset = 0) {
  return {resamples: s.resamples, confidence: s.confidence, method: s.ciMethod, seed: s.seed + seedOffset};
}

// ---------------------------------------------------------------------------------------------
// The run subset

export interface RunOutside {
  run_id: string;
  name: string | null;
  reason: string;
}

export interface Subset {
  /** The attribute values held fixed, as applied (empty: none). */
  fixed: Record<string, Cell>;
  /** Per fixed key: given by the caller, or chosen automatically (most common value). */
  fixedHow: Record<string, "given" | "auto">;
  /** The runs compared, in canonical order (format order, then run_id). */
  runs: RunRow[];
  /** Runs left out of the comparison, each with the reason (other lr, a format not selected, …). */
  outside: RunOutside[];
  /** Formats present among `runs`, in display order. */
  formats: string[];
  /** Candidate (non-reference) formats among `formats`. */
  candidates: string[];
  /** Does any run have the format attribute? */
  hasFormat: boolean;
  /** One line: "48 of 80 runs: lr = 0.003 (most common value; 32 runs at other values left out)". */
  description: string;
  notes: string[];
}

/** Natural order of format labels: reference formats first (in their given order), then text order with numbers compared numerically. */
export function orderFormats(labels: Iterable<string>, reference: readonly string[]): string[] {
  const set = [...new Set(labels)];
  const refs = reference.filter((r) => set.includes(r));
  const rest = set.filter((l) => !reference.includes(l)).sort((a, b) => a.localeCompare(b, "en", {numeric: true}));
  return [...refs, ...rest];
}

export function formatOf(run: RunRow, formatKey: string): string {
  return labelOf(runAttribute(run, formatKey));
}

function runName(run: RunRow): string | null {
  return typeof run.name === "string" ? run.name : null;
}

/** Most common value of `key` (ties: the first in natural text order); null when no run has it. */
function mostCommon(runs: readonly RunRow[], key: string): {value: unknown; label: string; count: number; distinct: number} | null {
  const counts = new Map<string, {value: unknown; count: number}>();
  for (const run of runs) {
    const v = runAttribute(run, key);
    if (v === undefined) continue;
    const l = labelOf(v);
    const e = counts.get(l);
    if (e) e.count++;
    else counts.set(l, {value: v, count: 1});
  }
  if (counts.size === 0) return null;
  const sorted = [...counts].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0], "en", {numeric: true}));
  const [label, {value, count}] = sorted[0];
  return {value, label, count, distinct: counts.size};
}

/**
 * The runs a comparison is made on: the `fixed` attribute values (or the most common value of each
 * `autoFixKeys` key), then the `formats` filter. Runs are returned in canonical order (format display
 * order, then run_id), so seeded bootstraps give the same numbers whatever order the caller's rows
 * came in. Every run left out is listed with the reason.
 */
export function selectSubset(runs: readonly RunRow[], design: ResolvedDesign): Subset {
  const notes: string[] = [];
  const outside: RunOutside[] = [];
  const fixed: Record<string, Cell> = {};
  const fixedHow: Record<string, "given" | "auto"> = {};
  const valid = runs.filter((r) => r !== null && typeof r === "object" && typeof r.run_id === "string");
  if (valid.length < runs.length) notes.push(`${runs.length - valid.length} run row(s) without a run_id were ignored`);
  const hasFormat = valid.some((r) => runAttribute(r, design.formatKey) !== undefined);
  if (valid.length > 0 && !hasFormat) {
    notes.push(`no run has the attribute "${design.formatKey}": formats cannot be told apart, so every run falls in one group "${MISSING}" (set formatKey to the config key that names the format)`);
  }

  let pool = valid;
  if (design.fixed === "auto") {
    for (const key of design.autoFixKeys) {
      const mc = mostCommon(pool, key);
      if (mc === null) {
        notes.push(`no run has "${key}": not held fixed`);
        continue;
      }
      if (mc.distinct < 2) continue;
      fixed[key] = attrCell(mc.value);
      fixedHow[key] = "auto";
    }
  } else if (design.fixed !== null) {
    for (const [key, value] of Object.entries(design.fixed)) {
      fixed[key] = value;
      fixedHow[key] = "given";
    }
  }
  const fixedEntries = Object.entries(fixed);
  if (fixedEntries.length > 0) {
    pool = pool.filter((run) => {
      for (const [key, value] of fixedEntries) {
        const v = runAttribute(run, key);
        if (labelOf(v) !== labelOf(value)) {
          outside.push({run_id: run.run_id, name: runName(run), reason: v === undefined ? `no ${key}` : `${key} = ${labelOf(v)}`});
          return false;
        }
      }
      return true;
    });
  }
  const present = orderFormats(pool.map((r) => formatOf(r, design.formatKey)), design.referenceFormats);
  let formats = present;
  if (design.formats !== null) {
    const wanted = design.formats;
    const missing = wanted.filter((f) => !present.includes(f));
    if (missing.length > 0) notes.push(`format(s) ${missing.join(", ")} not found among the compared runs`);
    formats = wanted.filter((f) => present.includes(f));
    pool = pool.filter((run) => {
      const f = formatOf(run, design.formatKey);
      if (formats.includes(f)) return true;
      outside.push({run_id: run.run_id, name: runName(run), reason: `${design.formatKey} = ${f} not selected`});
      return false;
    });
  }
  const pos = new Map(formats.map((f, i) => [f, i]));
  const ordered = [...pool].sort((a, b) => {
    const fa = pos.get(formatOf(a, design.formatKey)) ?? Infinity;
    const fb = pos.get(formatOf(b, design.formatKey)) ?? Infinity;
    return fa - fb || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0);
  });
  const candidates = formats.filter((f) => !design.referenceFormats.includes(f));
  const parts = fixedEntries.map(([k, v]) => `${k} = ${labelOf(v)}${fixedHow[k] === "auto" ? " (its most common value)" : ""}`);
  const leftOut = outside.length;
  let description = `${ordered.length} of ${valid.length} runs`;
  if (parts.length > 0) description += `: ${parts.join(", ")}`;
  if (design.formats !== null) description += `${parts.length > 0 ? "; " : ": "}formats ${formats.join(", ") || "(none)"}`;
  if (leftOut > 0) description += ` (${leftOut} other run${leftOut === 1 ? "" : "s"} left out)`;
  if (ordered.length === 0 && valid.length > 0) notes.push("no run matches the selection: nothing to compare");
  if (valid.length === 0) notes.push("no runs");
  return {fixed, fixedHow, runs: ordered, outside, formats, candidates, hasFormat, description, notes};
}

/** "lr = 0.003, fp8_format = e4m3" for a group's attribute values. */
export function describeValues(values: Record<string, unknown>): string {
  return Object.entries(values).map(([k, v]) => `${k} = ${labelOf(v)}`).join(", ");
}

/** Group key of a run by several attributes (as compare/ does). */
export function keyOf(run: RunRow, keys: readonly string[]): string {
  return groupKeyOf(run, keys).key;
}

/**
 * Only the history of the given runs (null: every run) and, optionally, of metrics passing `keep`:
 * rows filtered as rows, columns as columns. Anything that is neither is no history.
 */
export function historyOf(history: HistoryInput | null | undefined, runIds: Iterable<string> | null, keep?: (metric: string) => boolean): HistoryInput {
  const ids = runIds === null ? null : new Set(runIds);
  // Columns and indexes: a subset of the (once built) index, sharing its series — filtering millions
  // of column entries would copy them, and fresh memory is slow to touch.
  if (history instanceof Map) return subsetIndex(history, ids === null ? undefined : (id) => ids.has(id), keep);
  if (isHistoryColumns(history)) return subsetIndex(indexOfColumns(history), ids === null ? undefined : (id) => ids.has(id), keep);
  if (!Array.isArray(history)) return [];
  return (history as readonly HistoryRow[]).filter((h) => h !== null && typeof h === "object" && (ids === null || ids.has(h.run_id)) && (keep === undefined || (typeof h.metric === "string" && keep(h.metric))));
}

// ---------------------------------------------------------------------------------------------
// Words for numbers (prose is computed from the tables, never hand-written)

/** 4 significant digits, integers as they are, "n/a" for null/NaN. */
export function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(digits)));
}

export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return "n/a";
  if (p < 1e-4) return "< 0.0001";
  return String(Number(p.toPrecision(2)));
}

/** "p = 0.012" or "p < 0.0001" (with a name: "p_adj = 0.04"). */
export function pText(p: number | null | undefined, name = "p"): string {
  const t = fmtP(p);
  return t.startsWith("<") ? `${name} ${t}` : `${name} = ${t}`;
}

/** Compare attribute labels: numbers numerically, else text order. */
export function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== "" && b.trim() !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b, "en", {numeric: true});
}

export function fmtPct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  const t = Math.abs(x).toFixed(digits);
  if (Number(t) === 0) return `${t}%`;
  return `${x >= 0 ? "+" : "−"}${t}%`;
}

export function fmtInterval(lower: number | null | undefined, upper: number | null | undefined, f: (x: number) => string = (x) => fmtNum(x)): string {
  if (lower === null || lower === undefined || upper === null || upper === undefined || !Number.isFinite(lower) || !Number.isFinite(upper)) return "no CI";
  return `[${f(lower)}, ${f(upper)}]`;
}

/**
 * How certain a "best" pick is, in words, from its probability of being best over joint bootstrap
 * resamples and whether its CI overlaps the runner-up's: "clear" (≥ 0.95 and no overlap),
 * "likely" (≥ 0.8), "uncertain" (below), "unknown" (no probability).
 */
export function certaintyOf(probabilityBest: number | null | undefined, intervalsOverlap: boolean | null | undefined): "clear" | "likely" | "uncertain" | "unknown" {
  if (probabilityBest === null || probabilityBest === undefined || !Number.isFinite(probabilityBest)) return "unknown";
  if (probabilityBest >= 0.95 && intervalsOverlap === false) return "clear";
  if (probabilityBest >= 0.8) return "likely";
  return "uncertain";
}

/** Join a list for prose: "a, b and c". */
export function joinWords(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join("");
  return `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

// ---------------------------------------------------------------------------------------------
// Run-level reductions of a logged series

/** How a run's logged series becomes one number: mean / max / min of the finite values in the window, or the last finite one. */
export type SeriesReduction = "mean" | "max" | "min" | "last";

export interface ReducedValue {
  value: number | null;
  /** Finite values used. */
  n: number;
  /** Non-finite values in the window (skipped). */
  nonFinite: number;
}

/** Reduce the part of a series with from ≤ step ≤ to; null when no finite value is there. */
export function reduceSeries(series: Series | undefined, how: SeriesReduction, from = -Infinity, to = Infinity): ReducedValue {
  if (series === undefined) return {value: null, n: 0, nonFinite: 0};
  let n = 0;
  let nonFinite = 0;
  let acc = how === "max" ? -Infinity : how === "min" ? Infinity : 0;
  let last: number | null = null;
  for (let i = 0; i < series.steps.length; ++i) {
    const s = series.steps[i];
    if (s < from || s > to) continue;
    const v = series.values[i];
    if (!Number.isFinite(v)) {
      ++nonFinite;
      continue;
    }
    ++n;
    last = v;
    if (how === "max") acc = v > acc ? v : acc;
    else if (how === "min") acc = v < acc ? v : acc;
    else acc += v;
  }
  if (n === 0) return {value: null, n, nonFinite};
  if (how === "last") return {value: last, n, nonFinite};
  if (how === "mean") return {value: acc / n, n, nonFinite};
  return {value: acc, n, nonFinite};
}

export function meanOf(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
