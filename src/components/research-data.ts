// The rows the research pages compute from (runs with their config/summary structs, every history
// value), and small helpers to build the pages' inputs from them. Loaded once per page.
import {autoAssociationKeys, runAttribute, selectSubset, resolveDesign, type HistoryColumns} from "@runlens/analyses";
import {historyColumnsFromArrow, type ArrowHistoryTableLike} from "./arrow-history.js";
import {queryArrow, sql, sqlFragment} from "./db.js";

export interface ResearchRows {
  runs: Record<string, unknown>[];
  /** Every history value as columns (typed arrays, run and metric as codes): no object per value. */
  history: HistoryColumns;
}

let promise: Promise<ResearchRows> | null = null;

/** runs + history as the research functions take them (the same columns `runlens report` reads). */
export function loadResearchData(): Promise<ResearchRows> {
  return (promise ??= Promise.all([
    sql`SELECT run_id, name, state, created_at, last_step, config, summary FROM runs ORDER BY run_id`,
    queryArrow(sqlFragment`SELECT run_id, metric, step, value FROM history`)
  ]).then(([runs, history]) => ({runs: runs as Record<string, unknown>[], history: historyColumnsFromArrow(history as ArrowHistoryTableLike)})));
}

/** Text of a value as the research tables print it. */
export function label(v: unknown): string {
  if (v === undefined || v === null) return "(missing)";
  return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

function compare(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y) ? x - y : a.localeCompare(b, "en", {numeric: true});
}

/** Distinct values of a run attribute with their run counts, in natural order. */
export function valuesOf(runs: readonly Record<string, unknown>[], key: string): {value: unknown; label: string; runs: number}[] {
  const m = new Map<string, {value: unknown; label: string; runs: number}>();
  for (const r of runs) {
    const v = runAttribute(r as never, key);
    if (v === undefined) continue;
    const l = label(v);
    const e = m.get(l);
    if (e) e.runs++;
    else m.set(l, {value: v, label: l, runs: 1});
  }
  return [...m.values()].sort((a, b) => compare(a.label, b.label));
}

/** The most common value of an attribute (ties: natural order), or undefined. */
export function mostCommon(runs: readonly Record<string, unknown>[], key: string): unknown {
  const vs = valuesOf(runs, key);
  if (vs.length === 0) return undefined;
  return [...vs].sort((a, b) => b.runs - a.runs || compare(a.label, b.label))[0]!.value;
}

/** The last step every run of the selection reached (min of runs.last_step), as formatsReport's "auto". */
export function autoStep(runs: readonly Record<string, unknown>[], design: Record<string, unknown>): number | null {
  const subset = selectSubset(runs as never, resolveDesign(design as never));
  let min: number | null = null;
  for (const r of subset.runs) {
    const s = typeof r.last_step === "number" ? r.last_step : typeof r.last_step === "bigint" ? Number(r.last_step) : null;
    if (s !== null && (min === null || s < min)) min = s;
  }
  return min;
}

/**
 * Choices for a "held fixed" input on `key` (e.g. lr): each value (the most common first, marked),
 * then "all runs". Each choice carries the research `fixed` entry for that key.
 */
export function heldChoices(runs: readonly Record<string, unknown>[], key: string): {label: string; value: unknown; all: boolean}[] {
  const values = valuesOf(runs, key);
  if (values.length === 0) return [];
  const common = label(mostCommon(runs, key));
  const sorted = [...values].sort((a, b) => Number(b.label === common) - Number(a.label === common) || compare(a.label, b.label));
  return [
    ...sorted.map((v) => ({label: `${key} = ${v.label} (${v.runs} runs${v.label === common ? ", most common" : ""})`, value: v.value, all: false})),
    {label: `all ${key} values pooled (${runs.length} runs)`, value: null, all: true}
  ];
}

/**
 * The design keys a page offers: config keys with 2+ values that do not identify single runs, and
 * the defaults (the sample's fp8_format / optimizer / lr when present, else the first candidates).
 */
export function designKeys(runs: readonly Record<string, unknown>[]): {candidates: string[]; format: string; arm: string; held: string | null} {
  const candidates = autoAssociationKeys(runs as never);
  const format = candidates.includes("fp8_format") ? "fp8_format" : candidates[0] ?? "fp8_format";
  const arm = candidates.includes("optimizer") ? "optimizer" : candidates.find((k) => k !== format) ?? "optimizer";
  const held = candidates.includes("lr") ? "lr" : null;
  return {candidates: candidates.length > 0 ? candidates : [...new Set([format, arm])], format, arm, held};
}
