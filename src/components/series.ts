// Pure data preparation for the learning-curve charts (no DOM, no Plot): one series per run,
// non-finite values removed and counted, facets laid out on a wrapped grid, colour domains ordered.

export interface CurveRow {
  run_id: string;
  name?: string | null;
  step: number | null;
  value: number | null;
  color?: unknown;
  facet?: unknown;
}

export interface CurvePoint {
  run_id: string;
  name: string;
  step: number;
  value: number;
  color: string | number | null;
  facet: string | null;
  fx: number | undefined;
  fy: number | undefined;
}

export interface DroppedPoint {
  run_id: string;
  name: string;
  step: number;
  reason: "NaN" | "+Inf" | "-Inf" | "null" | "non-positive (log scale)";
  fx: number | undefined;
  fy: number | undefined;
}

export interface FacetCell {
  key: string;
  label: string;
  fx: number;
  fy: number;
}

export interface PreparedCurves {
  /** drawable points (finite values; positive on a log scale) */
  points: CurvePoint[];
  /**
   * what the line mark draws: every row in step order, dropped values as NaN, so Plot breaks the
   * line there (a gap, not a straight segment across it) and still makes one path per run
   */
  line: CurvePoint[];
  dropped: DroppedPoint[];
  /** distinct (step, facet) positions with a non-finite value: where the chart marks a tick */
  nonFiniteMarks: DroppedPoint[];
  /** dropped points by reason */
  droppedBy: Record<DroppedPoint["reason"], number>;
  /** runs in the input */
  runs: number;
  /** runs that still have at least one point to draw (= line paths Plot will draw) */
  series: number;
  /** runs whose every value was dropped */
  emptyRuns: string[];
  facets: FacetCell[];
  facetColumns: number;
  facetRows: number;
  colorDomain: (string | number)[];
  /** "ordinal" (≤ maxCategories distinct values or non-numeric) or "linear" (many numbers) */
  colorType: "ordinal" | "linear" | null;
}

export const NONE_LABEL = "(none)";

/** Normalize a colour/facet value: numbers stay numbers, booleans/objects become strings, null stays null. */
export function categoryValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Distinct values sorted: numbers numerically, then strings (natural order), null last. */
export function sortedDistinct(values: Iterable<string | number | null>): (string | number | null)[] {
  const set = new Set(values);
  const numbers = [...set].filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  const strings = [...set]
    .filter((v): v is string => typeof v === "string")
    .sort((a, b) => a.localeCompare(b, "en", {numeric: true}));
  return [...numbers, ...strings, ...(set.has(null) ? [null] : [])];
}

/** Lay out facet values on a grid of at most `maxColumns` columns (Plot's wrapped-facet idiom). */
export function facetGrid(keys: (string | number | null)[], maxColumns = 4): {cells: FacetCell[]; columns: number; rows: number} {
  const columns = Math.max(1, Math.min(maxColumns, keys.length));
  const cells = keys.map((k, i) => ({
    key: facetKey(k),
    label: k === null ? NONE_LABEL : String(k),
    fx: i % columns,
    fy: Math.floor(i / columns)
  }));
  return {cells, columns, rows: Math.ceil(keys.length / columns)};
}

function facetKey(value: string | number | null): string {
  return value === null ? "\u0000null" : `${typeof value}:${value}`;
}

/**
 * Turn query rows (one per logged value) into drawable points, one series per run.
 * Non-finite values (NaN, ±Inf, null) are dropped and counted; on a log scale, values ≤ 0 too.
 */
export function prepareCurves(
  rows: readonly CurveRow[],
  {logY = false, faceted = false, maxColumns = 4, maxCategories = 12}: {logY?: boolean; faceted?: boolean; maxColumns?: number; maxCategories?: number} = {}
): PreparedCurves {
  const facetValues = faceted ? sortedDistinct(rows.map((r) => categoryValue(r.facet))) : [];
  const grid = faceted ? facetGrid(facetValues, maxColumns) : {cells: [], columns: 0, rows: 0};
  const cellByKey = new Map(grid.cells.map((c) => [c.key, c]));
  const points: CurvePoint[] = [];
  const line: CurvePoint[] = [];
  const dropped: DroppedPoint[] = [];
  const nonFiniteMarks: DroppedPoint[] = [];
  const marked = new Set<string>();
  const droppedBy: PreparedCurves["droppedBy"] = {"NaN": 0, "+Inf": 0, "-Inf": 0, "null": 0, "non-positive (log scale)": 0};
  const allRuns = new Set<string>();
  const drawnRuns = new Set<string>();
  const colors: (string | number | null)[] = [];
  for (const row of rows) {
    const runId = String(row.run_id);
    allRuns.add(runId);
    const step = row.step === null || row.step === undefined ? NaN : Number(row.step);
    const value = row.value === null || row.value === undefined ? null : Number(row.value);
    const cell = faceted ? cellByKey.get(facetKey(categoryValue(row.facet))) : undefined;
    const name = row.name ?? runId;
    let reason: DroppedPoint["reason"] | null = null;
    if (value === null) reason = "null";
    else if (Number.isNaN(value)) reason = "NaN";
    else if (value === Infinity) reason = "+Inf";
    else if (value === -Infinity) reason = "-Inf";
    else if (logY && value <= 0) reason = "non-positive (log scale)";
    // A run without the colour key still gets a colour: null would make Plot treat every point as undefined.
    const color = categoryValue(row.color) ?? NONE_LABEL;
    const point = {run_id: runId, name, step, value: value as number, color, facet: cell?.label ?? null, fx: cell?.fx, fy: cell?.fy};
    if (reason !== null || !Number.isFinite(step)) {
      const r = reason ?? "null";
      droppedBy[r]++;
      if (Number.isFinite(step)) {
        const d = {run_id: runId, name, step, reason: r, fx: cell?.fx, fy: cell?.fy};
        dropped.push(d);
        line.push({...point, value: NaN});
        const key = `${step}|${cell?.fx}|${cell?.fy}`;
        if (r !== "non-positive (log scale)" && !marked.has(key)) {
          marked.add(key);
          nonFiniteMarks.push(d);
        }
      }
      continue;
    }
    colors.push(color);
    drawnRuns.add(runId);
    points.push(point);
    line.push(point);
  }
  const colorDomain = sortedDistinct(colors).filter((v): v is string | number => v !== null);
  const numeric = colorDomain.length > 0 && colorDomain.every((v) => typeof v === "number");
  const colorType = colorDomain.length === 0 ? null : numeric && colorDomain.length > maxCategories ? "linear" : "ordinal";
  return {
    points,
    line,
    dropped,
    nonFiniteMarks,
    droppedBy,
    runs: allRuns.size,
    series: drawnRuns.size,
    emptyRuns: [...allRuns].filter((r) => !drawnRuns.has(r)),
    facets: grid.cells,
    facetColumns: grid.columns,
    facetRows: grid.rows,
    colorDomain,
    colorType
  };
}

/** Human summary of dropped points, e.g. "3 points dropped (2 NaN, 1 +Inf)" or "" when none. */
export function describeDropped(prepared: Pick<PreparedCurves, "droppedBy">): string {
  const parts = Object.entries(prepared.droppedBy)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${reason}`);
  const total = Object.values(prepared.droppedBy).reduce((a, b) => a + b, 0);
  return total === 0 ? "" : `${total} point${total === 1 ? "" : "s"} dropped (${parts.join(", ")})`;
}
