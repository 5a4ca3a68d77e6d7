// Chart builders (Observable Plot). Every chart is wrapped in a <div data-testid=… class="rl-chart">
// so tests and the benchmark can find it; line charts draw one <path> per run in g[aria-label="line"].
import * as Plot from "@observablehq/plot";
import {el} from "./dom.js";
import {describeDropped, type PreparedCurves} from "./series.js";

export interface CountRow {
  key: unknown;
  n: number;
}

/** Wrap a Plot output with a stable test id and data attributes. */
export function chartBox(testid: string, plot: Element, data: Record<string, string | number> = {}): HTMLElement {
  const attrs: Record<string, string | number> = {"data-testid": testid, class: "rl-chart"};
  for (const [k, v] of Object.entries(data)) attrs[`data-${k}`] = v;
  return el("div", attrs, plot);
}

/** Horizontal bar chart of counts, sorted by count (desc), with the count printed at each bar. */
export function countBars(
  rows: readonly CountRow[],
  {testid, label, width = 320, color = "var(--theme-foreground-focus)"}: {testid: string; label: string; width?: number; color?: string}
): HTMLElement {
  const data = rows.map((r) => ({key: r.key === null || r.key === undefined ? "(none)" : String(r.key), n: Number(r.n)}));
  const height = Math.max(60, 26 * data.length + 40);
  const plot = Plot.plot({
    width,
    height,
    marginLeft: Math.min(140, 12 + 7 * Math.max(4, ...data.map((d) => d.key.length))),
    marginRight: 36,
    x: {label: "runs", grid: true, nice: true},
    y: {label: null, domain: data.slice().sort((a, b) => b.n - a.n || a.key.localeCompare(b.key)).map((d) => d.key)},
    marks: [
      Plot.barX(data, {x: "n", y: "key", fill: color, title: (d: {key: string; n: number}) => `${d.key}: ${d.n} runs`}),
      Plot.text(data, {x: "n", y: "key", text: (d: {n: number}) => String(d.n), textAnchor: "start", dx: 4}),
      Plot.ruleX([0])
    ],
    ariaLabel: label
  });
  return chartBox(testid, plot, {bars: data.length, total: data.reduce((a, d) => a + d.n, 0)});
}

export interface CurvesChartOptions {
  metric: string;
  logY: boolean;
  width: number;
  colorLabel: string | null;
  facetLabel: string | null;
  testid?: string;
}

/** Learning curves: one line per run (z = run_id), optional colour and wrapped facets. */
export function curvesChart(prepared: PreparedCurves, {metric, logY, width, colorLabel, facetLabel, testid = "curves-chart"}: CurvesChartOptions): HTMLElement {
  const faceted = facetLabel !== null && prepared.facets.length > 0;
  const facetHeight = faceted ? Math.max(170, Math.min(260, (width / prepared.facetColumns) * 0.75)) : 0;
  const colored = colorLabel !== null && prepared.colorType !== null;
  const color: Plot.ScaleOptions | undefined = !colored
    ? undefined
    : prepared.colorType === "linear"
      ? {type: "linear", scheme: "viridis", legend: true, label: colorLabel}
      : {type: "ordinal", domain: prepared.colorDomain, scheme: "tableau10", legend: prepared.colorDomain.length <= 24, label: colorLabel};
  const facetOpts = faceted ? {fx: "fx", fy: "fy"} : {};
  const marks: Plot.Markish[] = [];
  if (faceted) {
    marks.push(Plot.frame({stroke: "var(--theme-foreground-faintest)"}));
    marks.push(
      Plot.text(prepared.facets, {
        fx: "fx",
        fy: "fy",
        text: (d: {label: string}) => `${facetLabel} = ${d.label}`,
        frameAnchor: "top-left",
        dx: 6,
        dy: 6,
        fontWeight: 600
      })
    );
  }
  marks.push(Plot.ruleY(logY ? [] : [0], {stroke: "var(--theme-foreground-faintest)"}));
  if (prepared.nonFiniteMarks.length > 0) {
    // Steps where a run logged NaN/±Inf: one dashed red tick per (step, facet).
    marks.push(Plot.tickX(prepared.nonFiniteMarks, {x: "step", ...facetOpts, stroke: "#d62728", strokeDasharray: "3,3", strokeOpacity: 0.6}));
  }
  marks.push(
    Plot.lineY(prepared.line, {
      x: "step",
      y: "value",
      z: "run_id",
      ...facetOpts,
      stroke: colored ? "color" : "var(--theme-foreground-focus)",
      strokeWidth: 1.2,
      strokeOpacity: 0.75,
      channels: {run: {value: "name", label: "run"}},
      tip: {format: {fx: false, fy: false, z: false, run: true, x: true, y: true, stroke: colored}}
    })
  );
  const plot = Plot.plot({
    width,
    height: faceted ? facetHeight * prepared.facetRows + 50 : 440,
    marginLeft: 56,
    marginRight: 16,
    x: {label: "step", grid: true},
    y: {type: logY ? "log" : "linear", label: metric, grid: true, nice: !logY},
    ...(color ? {color} : {}),
    ...(faceted ? {fx: {axis: null, padding: 0.06}, fy: {axis: null, padding: 0.1}} : {}),
    marks,
    ariaLabel: `${metric} by step, one line per run`
  });
  return chartBox(testid, plot, {
    series: prepared.series,
    points: prepared.points.length,
    dropped: prepared.dropped.length,
    facets: faceted ? prepared.facets.length : 0,
    metric
  });
}

/** One-line status under a chart: what is drawn and what was dropped. */
export function curvesStatus(prepared: PreparedCurves, metric: string): HTMLElement {
  const dropped = describeDropped(prepared);
  return el(
    "p",
    {class: "rl-status", "data-testid": "curves-status"},
    `${prepared.series} run${prepared.series === 1 ? "" : "s"}, ${prepared.points.length.toLocaleString("en-US")} points of `,
    el("code", {}, metric),
    prepared.facets.length ? ` in ${prepared.facets.length} facets` : "",
    ". ",
    dropped
      ? el(
          "span",
          {class: "rl-dropped", "data-testid": "curves-dropped"},
          `${dropped}; lines break there${prepared.nonFiniteMarks.length ? ", and red dashed ticks mark the steps of non-finite values" : ""}.`
        )
      : el("span", {"data-testid": "curves-dropped"}, "No non-finite values."),
    prepared.emptyRuns.length ? ` ${prepared.emptyRuns.length} run(s) have no drawable value.` : ""
  );
}
