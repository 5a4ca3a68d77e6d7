// Charts of the research pages (Observable Plot). Each takes rows of a research table (stable column
// names, see analyses/src/research) and returns a chartBox (data-testid + data attributes for tests).
import * as Plot from "@observablehq/plot";
import {chartBox} from "./charts.js";
import {formatNumber, formatP, formatPercent} from "./research-table.js";

type Row = Record<string, unknown>;
// Literal colours (Plot treats CSS variables in channels as ordinal values, not colours).
const ACCENT = "#4269d0";
const INK = "#333";
const MUTED = "#999";
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export interface IntervalOptions {
  testid: string;
  width: number;
  /** Category column on y (e.g. "format"), in this order. */
  y: string;
  domain?: readonly string[];
  /** Facet rows by this column (e.g. "selector"). */
  fy?: string;
  x?: string;
  lower?: string;
  upper?: string;
  label: string;
  /** Draw a rule at 0 (for differences / improvements). */
  zero?: boolean;
  /** Percent values (±x.x%). */
  percent?: boolean;
  /** Categories drawn in the accent colour (e.g. the answer). */
  highlight?: readonly string[];
  /** Categories drawn hollow (e.g. reference formats). */
  hollow?: readonly string[];
  /** Fixed x domain (e.g. [0, 1] for rates). */
  xDomain?: [number, number];
  ariaLabel?: string;
}

/** Estimates with CI whiskers per category, n printed at the right. Rows without an estimate are listed as "n/a". */
export function intervalChart(rows: readonly Row[], o: IntervalOptions): HTMLElement {
  const x = o.x ?? "estimate";
  const lo = o.lower ?? "ci_lower";
  const hi = o.upper ?? "ci_upper";
  const data = rows.map((r) => ({
    ...r,
    _y: String(r[o.y]),
    _x: num(r[x]),
    _lo: num(r[lo]),
    _hi: num(r[hi]),
    _fy: o.fy ? String(r[o.fy]) : undefined,
    _tone: o.highlight?.includes(String(r[o.y])) ? "highlight" : o.hollow?.includes(String(r[o.y])) ? "reference" : "other"
  }));
  const drawn = data.filter((d) => d._x !== null);
  const domain = o.domain ? [...o.domain].filter((d) => data.some((r) => r._y === d)) : [...new Set(data.map((d) => d._y))];
  const fmt = o.percent ? formatPercent : (v: number) => formatNumber(v);
  const facets = o.fy ? [...new Set(data.map((d) => d._fy))].length : 1;
  const height = Math.max(90, facets * (domain.length * 22 + 24) + 40);
  const label = (d: Row & {_x: number | null; _lo: number | null; _hi: number | null}) =>
    d._x === null ? "n/a" : `${fmt(d._x)}${d._lo !== null && d._hi !== null ? ` [${fmt(d._lo)}, ${fmt(d._hi)}]` : ""}${d.n !== undefined && d.n !== null ? `  n=${d.n}` : ""}`;
  const plot = Plot.plot({
    width: o.width,
    height,
    marginLeft: Math.min(150, 14 + 7 * Math.max(4, ...domain.map((d) => d.length))),
    marginRight: 190,
    x: {label: o.label, grid: true, nice: true, ...(o.xDomain ? {domain: o.xDomain} : {}), ...(o.percent ? {tickFormat: (v: number) => `${v}%`} : {})},
    y: {label: null, domain},
    ...(o.fy ? {fy: {label: null}} : {}),
    marks: [
      o.zero ? Plot.ruleX([0], {stroke: "var(--theme-foreground-faint)"}) : null,
      Plot.ruleY(drawn.filter((d) => d._lo !== null && d._hi !== null), {
        y: "_y", fy: o.fy ? "_fy" : undefined, x1: "_lo", x2: "_hi", strokeWidth: 2,
        stroke: (d: {_tone: string}) => (d._tone === "highlight" ? ACCENT : d._tone === "reference" ? MUTED : INK)
      }),
      Plot.dot(drawn, {
        y: "_y", x: "_x", fy: o.fy ? "_fy" : undefined, r: 4, strokeWidth: 1.5,
        stroke: (d: {_tone: string}) => (d._tone === "highlight" ? ACCENT : d._tone === "reference" ? MUTED : INK),
        fill: (d: {_tone: string}) => (d._tone === "highlight" ? ACCENT : d._tone === "reference" ? "white" : INK),
        title: (d: Row & {_x: number | null; _lo: number | null; _hi: number | null; _y: string}) => `${d._y}: ${label(d)}`
      }),
      Plot.text(data, {y: "_y", fy: o.fy ? "_fy" : undefined, frameAnchor: "right", dx: 186, textAnchor: "end", text: label, fill: "currentColor", fillOpacity: 0.7})
    ],
    ariaLabel: o.ariaLabel ?? o.label
  });
  return chartBox(o.testid, plot, {points: drawn.length, categories: domain.length, missing: data.length - drawn.length});
}

export interface HeatmapOptions {
  testid: string;
  width: number;
  x: string;
  y: string;
  xDomain?: readonly string[];
  yDomain?: readonly string[];
  fill: string;
  /** Cell text (default the fill value). */
  text?: (d: Row) => string;
  title?: (d: Row) => string;
  scheme?: string;
  /** Diverging scale centred at 0. */
  diverging?: boolean;
  /** Reverse the colour scheme. */
  reverse?: boolean;
  label: string;
  xLabel?: string;
  yLabel?: string;
}

export function heatmap(rows: readonly Row[], o: HeatmapOptions): HTMLElement {
  const data = rows.map((r) => ({...r, _x: String(r[o.x]), _y: String(r[o.y]), _f: num(r[o.fill])}));
  const xDomain = o.xDomain ? [...o.xDomain] : [...new Set(data.map((d) => d._x))];
  const yDomain = o.yDomain ? [...o.yDomain] : [...new Set(data.map((d) => d._y))];
  const values = data.map((d) => d._f).filter((v): v is number => v !== null);
  const extent = values.length ? Math.max(...values.map(Math.abs)) : 1;
  const cell = Math.max(28, Math.min(70, (o.width - 140) / Math.max(1, xDomain.length)));
  const plot = Plot.plot({
    width: Math.min(o.width, 140 + cell * xDomain.length + 30),
    height: 60 + 30 * yDomain.length,
    marginLeft: 110,
    marginBottom: 40,
    padding: 0.04,
    x: {domain: xDomain, label: o.xLabel ?? null, tickRotate: xDomain.some((d) => d.length > 6) ? -30 : 0},
    y: {domain: yDomain, label: o.yLabel ?? null},
    color: o.diverging
      ? {type: "linear", scheme: o.scheme ?? "rdbu", domain: [-extent, extent], reverse: o.reverse ?? false, legend: true, label: o.label}
      : {type: "linear", scheme: o.scheme ?? "blues", legend: true, label: o.label, ...(values.length ? {} : {domain: [0, 1]})},
    marks: [
      Plot.cell(data, {x: "_x", y: "_y", fill: (d: {_f: number | null}) => d._f ?? undefined, stroke: "var(--theme-foreground-faintest)", title: o.title}),
      Plot.text(data, {
        x: "_x", y: "_y",
        text: o.text ?? ((d: {_f: number | null}) => (d._f === null ? "n/a" : formatNumber(d._f, 2))),
        fill: (d: {_f: number | null}) => (d._f !== null && Math.abs(d._f) > 0.6 * extent && (o.diverging || d._f > 0) ? "white" : "var(--theme-foreground)"),
        fontSize: 10
      })
    ],
    ariaLabel: o.label
  });
  return chartBox(o.testid, plot, {cells: data.length, drawn: values.length});
}

/** Pairwise matrix: both orientations of every pair, coloured by Hedges' g, text = difference with * for adjusted p < 0.05. */
export function pairwiseMatrix(pairs: readonly Row[], formats: readonly string[], {testid, width, direction = "lower"}: {testid: string; width: number; direction?: "lower" | "higher"}): HTMLElement {
  const cells: Row[] = [];
  for (const p of pairs) {
    const d = num(p.difference);
    const g = num(p.hedges_g);
    const base = {p_adj: p.welch_p_adj, n_a: p.n_a, n_b: p.n_b};
    cells.push({...base, a: p.format_a, b: p.format_b, difference: d, g, lower: p.ci_lower, upper: p.ci_upper});
    cells.push({...base, a: p.format_b, b: p.format_a, difference: d === null ? null : -d, g: g === null ? null : -g, n_a: p.n_b, n_b: p.n_a,
      lower: num(p.ci_upper) === null ? null : -(p.ci_upper as number), upper: num(p.ci_lower) === null ? null : -(p.ci_lower as number)});
  }
  return heatmap(cells, {
    testid, width, x: "b", y: "a", xDomain: formats, yDomain: formats, fill: "g", diverging: true, scheme: "rdbu", reverse: direction === "lower",
    label: `Hedges' g (row − column; blue: row better)`,
    xLabel: "column format", yLabel: "row format",
    text: (d) => (num(d.difference) === null ? "n/a" : `${formatNumber((d.difference as number) + 0, 2).replace(/^-0$/, "0")}${num(d.p_adj) !== null && (d.p_adj as number) < 0.05 ? "*" : ""}`),
    title: (d) => `${d.a} − ${d.b}: ${num(d.difference) === null ? "n/a" : formatNumber(d.difference as number)}` +
      `${num(d.lower) !== null ? ` [${formatNumber(d.lower as number)}, ${formatNumber(d.upper as number)}]` : ""}, g ${num(d.g) === null ? "n/a" : formatNumber(d.g as number, 3)}, ` +
      `Welch p (adj.) ${num(d.p_adj) === null ? "n/a" : formatP(d.p_adj as number)}, n ${d.n_a} vs ${d.n_b}`
  });
}

/** Bars per step bucket: failures (filled) out of runs at risk (outline), hazard printed. */
export function stepBars(rows: readonly Row[], {testid, width}: {testid: string; width: number}): HTMLElement {
  const plot = Plot.plot({
    width,
    height: 240,
    marginLeft: 50,
    x: {label: "collapse step", grid: false},
    y: {label: "runs", grid: true},
    marks: [
      Plot.rectY(rows, {x1: "from", x2: "to", y: "at_risk", fill: "var(--theme-foreground-faintest)", inset: 1, title: (d: Row) => `steps ${d.from}–${(d.to as number) - 1}: ${d.at_risk} runs at risk`}),
      Plot.rectY(rows, {x1: "from", x2: "to", y: "failures", fill: "var(--theme-red, #d62728)", inset: 1, title: (d: Row) => `steps ${d.from}–${(d.to as number) - 1}: ${d.failures} failed of ${d.at_risk} at risk${d.modes ? ` (${d.modes})` : ""}`}),
      Plot.text(rows.filter((d) => (d.failures as number) > 0), {x: (d: Row) => ((d.from as number) + (d.to as number)) / 2, y: "failures", text: (d: Row) => String(d.failures), dy: -7}),
      Plot.ruleY([0])
    ],
    ariaLabel: "Failures by collapse step"
  });
  return chartBox(testid, plot, {buckets: rows.length, failures: rows.reduce((s, r) => s + ((r.failures as number) ?? 0), 0)});
}

/** Runs per creation-time bucket: failures out of runs created. */
export function timeBars(rows: readonly Row[], {testid, width}: {testid: string; width: number}): HTMLElement {
  const data = rows.map((r) => ({...r, _t: new Date(String(r.start))}));
  const plot = Plot.plot({
    width,
    height: 220,
    marginLeft: 50,
    x: {label: "created (UTC)", type: "band", tickFormat: (d: Date) => d.toISOString().slice(11, 16)},
    y: {label: "runs", grid: true},
    marks: [
      Plot.barY(data, {x: "_t", y: "n", fill: "var(--theme-foreground-faintest)", title: (d: Row) => `${d.start}: ${d.n} runs`}),
      Plot.barY(data, {x: "_t", y: "failures", fill: "var(--theme-red, #d62728)", title: (d: Row) => `${d.start}: ${d.failures} of ${d.n} failed`}),
      Plot.ruleY([0])
    ],
    ariaLabel: "Failures by run creation time"
  });
  return chartBox(testid, plot, {buckets: rows.length});
}

/** A failed run's metric over its pre-collapse window next to the healthy runs' min–max band and mean. */
export function windowChart(rows: readonly Row[], {testid, width, metric, name}: {testid: string; width: number; metric: string; name: string}): HTMLElement {
  const band = rows.filter((r) => num(r.healthy_min) !== null);
  const plot = Plot.plot({
    width,
    height: 240,
    marginLeft: 60,
    x: {label: "step", grid: true},
    y: {label: metric, grid: true, nice: true},
    marks: [
      Plot.areaY(band, {x: "step", y1: "healthy_min", y2: "healthy_max", fill: "var(--theme-foreground-focus)", fillOpacity: 0.15}),
      Plot.lineY(band, {x: "step", y: "healthy_mean", stroke: "var(--theme-foreground-focus)", strokeDasharray: "4,3"}),
      Plot.lineY(rows.filter((r) => num(r.value) !== null), {x: "step", y: "value", stroke: "var(--theme-red, #d62728)", strokeWidth: 2, marker: "circle"}),
      Plot.tip(rows.filter((r) => num(r.value) !== null), Plot.pointerX({x: "step", y: "value", title: (d: Row) => `step ${d.step}: ${name} ${formatNumber(d.value as number)}; healthy ${num(d.healthy_mean) === null ? "none" : `${formatNumber(d.healthy_mean as number)} (n=${d.healthy_n})`}`}))
    ],
    ariaLabel: `${metric} before the collapse of ${name}`
  });
  return chartBox(testid, plot, {points: rows.length, healthy: band.length});
}

/** IQM curves with CI bands, one facet per format, one colour per arm. */
export function iqmChart(rows: readonly Row[], {testid, width, metric, formats, arms}: {testid: string; width: number; metric: string; formats: readonly string[]; arms: readonly string[]}): HTMLElement {
  const data = rows.filter((r) => num(r.iqm) !== null);
  const cols = Math.min(4, Math.max(1, Math.floor(width / 230)));
  const present = formats.filter((f) => data.some((d) => d.format === f));
  const pos = new Map(present.map((f, i) => [f, i]));
  const withFacet = data.map((d) => ({...d, _fx: (pos.get(String(d.format)) ?? 0) % cols, _fy: Math.floor((pos.get(String(d.format)) ?? 0) / cols)}));
  const rowsN = Math.max(1, Math.ceil(present.length / cols));
  const labels = present.map((f, i) => ({format: f, _fx: i % cols, _fy: Math.floor(i / cols)}));
  const plot = Plot.plot({
    width,
    height: rowsN * 190 + 60,
    marginLeft: 50,
    x: {label: "step", grid: true},
    y: {label: `IQM ${metric}`, grid: true, nice: true},
    fx: {axis: null, padding: 0.08},
    fy: {axis: null, padding: 0.12},
    color: {domain: [...arms], scheme: "tableau10", legend: true},
    marks: [
      Plot.frame({stroke: "var(--theme-foreground-faintest)"}),
      Plot.text(labels, {fx: "_fx", fy: "_fy", text: "format", frameAnchor: "top-left", dx: 6, dy: 6, fontWeight: 600}),
      Plot.areaY(withFacet.filter((d) => num(d.ci_lower) !== null), {x: "step", y1: "ci_lower", y2: "ci_upper", z: "arm", fill: "arm", fillOpacity: 0.18, fx: "_fx", fy: "_fy"}),
      Plot.lineY(withFacet, {x: "step", y: "iqm", z: "arm", stroke: "arm", strokeWidth: 1.5, fx: "_fx", fy: "_fy",
        channels: {format: "format", n: "n", stopped: "stopped"}, tip: {format: {fx: false, fy: false, z: false}}})
    ],
    ariaLabel: `IQM of ${metric} per step by format and arm`
  });
  return chartBox(testid, plot, {curves: new Set(data.map((d) => `${d.format}/${d.arm}`)).size, facets: present.length});
}

/** Improvement % with CI per format (facet rows) and per held-fixed value (e.g. lr; colour). */
export function acrossChart(rows: readonly Row[], {testid, width, formats}: {testid: string; width: number; formats: readonly string[]}): HTMLElement {
  const data = rows.filter((r) => num(r.improvement_pct) !== null);
  const strata = [...new Set(data.map((d) => String(d.stratum)))];
  const domain = formats.filter((f) => data.some((d) => d.format === f));
  const plot = Plot.plot({
    width,
    height: 60 + domain.length * (strata.length * 12 + 12),
    marginLeft: 70,
    marginRight: 20,
    x: {label: "improvement % (positive: treatment better)", grid: true, nice: true, inset: 8, tickFormat: (v: number) => `${v}%`},
    y: {domain: strata, axis: null},
    fy: {domain, axis: "left", label: null, padding: 0.15},
    color: {domain: strata, scheme: "tableau10", legend: true},
    marks: [
      Plot.ruleX([0], {stroke: "var(--theme-foreground-faint)"}),
      Plot.frame({stroke: "var(--theme-foreground-faintest)", anchor: "bottom"}),
      Plot.ruleY(data.filter((d) => num(d.ci_lower) !== null), {fy: "format", y: "stratum", x1: "ci_lower", x2: "ci_upper", stroke: "stratum", strokeWidth: 2}),
      Plot.dot(data, {fy: "format", y: "stratum", x: "improvement_pct", fill: "stratum", r: 3.5,
        title: (d: Row) => `${d.format}, ${d.stratum}: ${formatPercent(d.improvement_pct as number)}${num(d.ci_lower) !== null ? ` [${formatPercent(d.ci_lower as number)}, ${formatPercent(d.ci_upper as number)}]` : ""} (n ${d.n_baseline} vs ${d.n_treatment})`})
    ],
    ariaLabel: "Improvement by format at every value held fixed"
  });
  return chartBox(testid, plot, {points: data.length, strata: strata.length});
}
