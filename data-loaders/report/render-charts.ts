// Report charts: Observable Plot run in Node against a jsdom document, serialized as standalone SVG
// files (a title and a legend drawn in SVG around Plot's chart, so the file needs no HTML around it).
// Each chart draws one research table; charts never compute numbers of their own.
import * as Plot from "@observablehq/plot";
import {JSDOM} from "jsdom";
import type {Cell, FailuresReport, FormatsReport, OptimizersReport, TableRow} from "@runlens/analyses/research/index";

export interface Chart {
  /** File name under charts/. */
  file: string;
  title: string;
  /** Alt text: what the chart shows, in words. */
  alt: string;
  svg: string;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const CATEGORY_COLORS = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];
const REFERENCE_COLOR = "#9498a0";
const TITLE_HEIGHT = 26;
const LEGEND_ROW = 18;
const PAD = 4;

let dom: JSDOM | null = null;
function window(): JSDOM["window"] {
  dom ??= new JSDOM("<!DOCTYPE html><html><body></body></html>");
  return dom.window;
}

/**
 * Plot a chart and wrap it in a standalone SVG document: a title line, an optional legend of
 * colour swatches, then Plot's SVG nested below. Serialized with XMLSerializer, so the output is
 * well-formed XML (HTML serialization would write entities such as &nbsp; that XML does not know).
 */
export function plotToSvg(options: Plot.PlotOptions, frame: {title: string; legend?: {label: string; color: string}[]}): string {
  const {document, XMLSerializer} = window();
  const chart = Plot.plot({...options, document});
  if (chart.tagName.toLowerCase() !== "svg") throw new Error("plotToSvg: the plot options made an HTML figure, not an SVG");
  const width = Number(chart.getAttribute("width"));
  const height = Number(chart.getAttribute("height"));
  const legend = frame.legend ?? [];
  // Legend swatches flow left to right and wrap at the chart's width.
  const placed: {x: number; y: number; label: string; color: string}[] = [];
  let x = PAD;
  let row = 0;
  for (const item of legend) {
    const w = 22 + 6.5 * item.label.length + 14;
    if (x > PAD && x + w > width) {
      x = PAD;
      ++row;
    }
    placed.push({x, y: TITLE_HEIGHT + row * LEGEND_ROW, label: item.label, color: item.color});
    x += w;
  }
  const top = TITLE_HEIGHT + (legend.length > 0 ? (row + 1) * LEGEND_ROW + 6 : 0);
  const root = document.createElementNS(SVG_NS, "svg");
  root.setAttribute("width", String(width));
  root.setAttribute("height", String(height + top));
  root.setAttribute("viewBox", `0 0 ${width} ${height + top}`);
  root.setAttribute("font-family", "system-ui, sans-serif");
  root.setAttribute("font-size", "10");
  const background = document.createElementNS(SVG_NS, "rect");
  for (const [k, v] of [["width", "100%"], ["height", "100%"], ["fill", "white"]]) background.setAttribute(k, v);
  root.appendChild(background);
  const title = document.createElementNS(SVG_NS, "title");
  title.textContent = frame.title;
  root.appendChild(title);
  const heading = document.createElementNS(SVG_NS, "text");
  for (const [k, v] of [["x", String(PAD)], ["y", "17"], ["font-size", "13"], ["font-weight", "bold"]]) heading.setAttribute(k, v);
  heading.textContent = frame.title;
  root.appendChild(heading);
  if (placed.length > 0) {
    const g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("aria-label", "legend");
    for (const item of placed) {
      const swatch = document.createElementNS(SVG_NS, "rect");
      for (const [k, v] of [["x", String(item.x)], ["y", String(item.y + 3)], ["width", "14"], ["height", "10"], ["fill", item.color]]) swatch.setAttribute(k, v);
      const text = document.createElementNS(SVG_NS, "text");
      for (const [k, v] of [["x", String(item.x + 20)], ["y", String(item.y + 12)]]) text.setAttribute(k, v);
      text.textContent = item.label;
      g.appendChild(swatch);
      g.appendChild(text);
    }
    root.appendChild(g);
  }
  chart.setAttribute("y", String(top));
  root.appendChild(chart);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(root)}\n`;
}

const finite = (x: Cell | undefined): x is number => typeof x === "number" && Number.isFinite(x);

/** Horizontal estimate ± CI per category (one dot per row, a rule for each row that has a CI). */
function intervalChart(
  rows: TableRow[],
  o: {y: string; x: string; lower: string; upper: string; order: string[]; xLabel: string; reference?: (row: TableRow) => boolean; zero?: boolean; domain?: [number, number]}
): Plot.PlotOptions {
  const withValue = rows.filter((r) => finite(r[o.x]));
  const withCI = withValue.filter((r) => finite(r[o.lower]) && finite(r[o.upper]));
  const fill = (r: TableRow) => (o.reference?.(r) ? REFERENCE_COLOR : CATEGORY_COLORS[0]);
  return {
    marginLeft: Math.min(220, 24 + 7 * Math.max(4, ...o.order.map((s) => s.length))),
    marginRight: 30,
    height: 40 + 26 * Math.max(1, o.order.length),
    x: {label: o.xLabel, grid: true, ...(o.domain ? {domain: o.domain} : {})},
    y: {domain: o.order, label: null},
    marks: [
      ...(o.zero ? [Plot.ruleX([0], {stroke: "#888"})] : []),
      Plot.ruleY(withCI, {y: o.y, x1: o.lower, x2: o.upper, stroke: fill, strokeWidth: 2}),
      Plot.dot(withValue, {y: o.y, x: o.x, fill, r: 4})
    ]
  };
}

const REF_LEGEND = (reference: readonly string[]) =>
  reference.length === 0 ? [] : [{label: "candidate format", color: CATEGORY_COLORS[0]}, {label: `reference (${reference.join(", ")})`, color: REFERENCE_COLOR}];

/** ANAL-01: formats ranked on the primary metric and selector; ANAL-01 by layer type. */
export function formatsCharts(report: FormatsReport): Chart[] {
  const o = report.options;
  const charts: Chart[] = [];
  const rows = report.tables.ranking.rows.filter((r) => r.metric === o.primaryMetric && r.selector === o.primarySelector);
  const order = report.subset.formats.filter((f) => rows.some((r) => r.format === f && finite(r.estimate)));
  if (order.length > 0) {
    const sel = o.primarySelector === "step" ? `at step ${report.commonStep.step}` : o.primarySelector;
    const title = `Formats ranked: ${sel} ${o.primaryMetric} (${o.statistic} over seeds, ${Math.round(o.confidence * 100)}% bootstrap CI)`;
    charts.push({
      file: "formats-ranking.svg",
      title,
      alt: `${title}; one dot per format, a line for its CI.`,
      svg: plotToSvg(
        intervalChart(rows, {y: "format", x: "estimate", lower: "ci_lower", upper: "ci_upper", order, xLabel: `${sel} ${o.primaryMetric} (${o.direction} is better)`, reference: (r) => r.reference === true}),
        {title, legend: REF_LEGEND(o.referenceFormats.filter((f) => order.includes(f)))}
      )
    });
  }
  const kind = o.layerKinds.find((k) => k.direction !== null)?.kind;
  const layerRows = report.tables.layerTypes.rows.filter((r) => r.kind === kind && finite(r.estimate));
  if (kind !== undefined && layerRows.length > 0) {
    const types = [...new Set(layerRows.map((r) => String(r.layer_type)))];
    const formats = report.subset.formats.filter((f) => layerRows.some((r) => r.format === f));
    const title = `${kind} by layer type and format (mean over steps ≤ ${report.commonStep.step ?? "last"}, mean over runs)`;
    charts.push({
      file: "formats-layer-types.svg",
      title,
      alt: `${title}; one cell per layer type and format, labelled with its value.`,
      svg: plotToSvg(
        {
          marginLeft: 80,
          height: 50 + 34 * types.length,
          width: Math.max(640, 90 + 70 * formats.length),
          x: {domain: formats, label: null, axis: "top"},
          y: {domain: types, label: null},
          color: {type: "linear", scheme: "blues"},
          marks: [
            Plot.cell(layerRows, {x: "format", y: "layer_type", fill: "estimate", inset: 1}),
            Plot.text(layerRows, {x: "format", y: "layer_type", text: (r: TableRow) => (r.estimate as number).toFixed(3), fill: (r: TableRow) => ((r.estimate as number) > 0.6 ? "white" : "black")})
          ]
        },
        {title}
      )
    });
  }
  return charts;
}

/** ANAL-02: failure rate per format with Wilson intervals; failures by collapse step. */
export function failuresCharts(report: FailuresReport): Chart[] {
  const o = report.options;
  const charts: Chart[] = [];
  const rates = report.tables.rates.rows.filter((r) => r.by === o.formatKey && finite(r.rate));
  if (rates.length > 0) {
    const order = report.subset.formats.filter((f) => rates.some((r) => r.group === f));
    const extra = rates.map((r) => String(r.group)).filter((g) => !order.includes(g));
    const title = `Failure rate by ${o.formatKey} (${Math.round(o.confidence * 100)}% Wilson interval)`;
    charts.push({
      file: "failures-rates.svg",
      title,
      alt: `${title}; one dot per format, a line for its interval.`,
      svg: plotToSvg(intervalChart(rates, {y: "group", x: "rate", lower: "ci_lower", upper: "ci_upper", order: [...order, ...extra], xLabel: "share of runs that failed", domain: [0, 1]}), {title})
    });
  }
  const steps = report.tables.byStep.rows.filter((r) => finite(r.from) && finite(r.to));
  if (steps.some((r) => (r.failures as number) > 0)) {
    const title = `Failures by collapse step (buckets of ${o.stepBucket} steps)`;
    charts.push({
      file: "failures-by-step.svg",
      title,
      alt: `${title}; bar height = runs that failed in the bucket.`,
      svg: plotToSvg(
        {
          x: {label: "collapse step"},
          y: {label: "runs failed", grid: true},
          marks: [Plot.rectY(steps, {x1: "from", x2: "to", y: "failures", fill: CATEGORY_COLORS[2], inset: 1}), Plot.ruleY([0])]
        },
        {title}
      )
    });
  }
  return charts;
}

/** ANAL-03: improvement per format with its CI; IQM curves per format × arm. */
export function optimizersCharts(report: OptimizersReport): Chart[] {
  const o = report.options;
  const charts: Chart[] = [];
  const effects = report.tables.effects.rows.filter((r) => finite(r.improvement_pct));
  if (effects.length > 0) {
    const order = report.subset.formats.filter((f) => effects.some((r) => r.format === f));
    const sel = o.selector === "step" ? `at step ${report.commonStep.step}` : o.selector;
    const title = `${o.treatment} vs ${o.baseline}: improvement of ${sel} ${o.metric} (${Math.round(o.confidence * 100)}% bootstrap CI)`;
    charts.push({
      file: "optimizers-effects.svg",
      title,
      alt: `${title}; positive = ${o.treatment} better; one dot per format.`,
      svg: plotToSvg(
        intervalChart(effects, {y: "format", x: "improvement_pct", lower: "ci_lower", upper: "ci_upper", order, xLabel: `improvement % (positive = ${o.treatment} better)`, reference: (r) => r.reference === true, zero: true}),
        {title, legend: REF_LEGEND(o.referenceFormats.filter((f) => order.includes(f)))}
      )
    });
  }
  const points = report.tables.curves.rows.filter((r) => finite(r.step));
  if (points.length > 0) {
    const formats = report.subset.formats.filter((f) => points.some((r) => r.format === f));
    const arms = [o.baseline, o.treatment].filter((a) => points.some((r) => r.arm === a));
    const colors = arms.map((_, i) => CATEGORY_COLORS[i]);
    const banded = points.filter((r) => finite(r.ci_lower) && finite(r.ci_upper));
    const title = `IQM of ${o.curveMetric} per step, by ${o.formatKey} and ${o.armKey} (${Math.round(o.confidence * 100)}% bootstrap band)`;
    charts.push({
      file: "optimizers-curves.svg",
      title,
      alt: `${title}; one panel per format, one line per ${o.armKey}.`,
      svg: plotToSvg(
        {
          height: 40 + 110 * formats.length,
          marginRight: 60,
          x: {label: "step"},
          y: {label: o.curveMetric, grid: true},
          fy: {domain: formats, label: null},
          color: {domain: arms, range: colors},
          marks: [
            Plot.areaY(banded, {fy: "format", x: "step", y1: "ci_lower", y2: "ci_upper", z: "arm", fill: "arm", fillOpacity: 0.15}),
            Plot.lineY(points, {fy: "format", x: "step", y: (r: TableRow) => (finite(r.iqm) ? r.iqm : NaN), z: "arm", stroke: "arm", strokeWidth: 1.5})
          ]
        },
        {title, legend: arms.map((label, i) => ({label, color: colors[i]}))}
      )
    });
  }
  return charts;
}
