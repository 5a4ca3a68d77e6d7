// Charts of the Checkpoints page (Observable Plot). Each returns a <div data-testid=… class="rl-chart">
// with data attributes that describe what is drawn (tests and readers can check them). They only
// draw rows already loaded from the checkpoint tables.
import * as Plot from "@observablehq/plot";
import {chartBox} from "./charts.js";
import {el} from "./dom.js";
import type {CurveRow} from "./checkpoints-data.js";

export type ColorScaleType = "linear" | "sqrt" | "log";

const TRAIN = "#4269d0";
const TEST = "#ff725c";

function cursorMarks(epoch: number | null, label: string | null = null): Plot.Markish[] {
  if (epoch === null) return [];
  return [
    Plot.ruleX([epoch], {stroke: "var(--theme-foreground)", strokeDasharray: "4,3", strokeOpacity: 0.8}),
    ...(label ? [Plot.text([epoch], {x: (d: number) => d, frameAnchor: "top", dy: -2, text: () => label, fontSize: 10, textAnchor: "start", dx: 4})] : [])
  ];
}

/** Train and test loss (log) or accuracy over epochs, with checkpoint ticks and the epoch cursor. */
export function trainingCurves(rows: readonly CurveRow[], {kind, epoch, checkpointEpochs, width, testid}: {kind: "loss" | "acc"; epoch: number | null; checkpointEpochs: readonly number[]; width: number; testid: string}): HTMLElement {
  const long: {epoch: number; split: string; value: number}[] = [];
  for (const r of rows) {
    const train = kind === "loss" ? r.train_loss : r.train_acc;
    const test = kind === "loss" ? r.test_loss : r.test_acc;
    if (train !== null && Number.isFinite(train) && (kind === "acc" || train > 0)) long.push({epoch: r.epoch, split: "train", value: train});
    if (test !== null && Number.isFinite(test) && (kind === "acc" || test > 0)) long.push({epoch: r.epoch, split: "test", value: test});
  }
  const plot = Plot.plot({
    width,
    height: 240,
    marginLeft: 56,
    x: {label: "epoch", grid: true},
    y: kind === "loss" ? {type: "log", label: "cross-entropy loss", grid: true} : {label: "accuracy", domain: [0, 1], grid: true},
    color: {domain: ["train", "test"], range: [TRAIN, TEST], legend: true},
    marks: [
      Plot.ruleX(checkpointEpochs, {x: (d: number) => d, stroke: "var(--theme-foreground-faintest)"}),
      Plot.lineY(long, {x: "epoch", y: "value", stroke: "split", strokeWidth: 1.5, tip: true}),
      ...cursorMarks(epoch)
    ],
    ariaLabel: `${kind === "loss" ? "Loss" : "Accuracy"} over epochs, train and test`
  });
  return chartBox(testid, plot, {points: long.length, epoch: epoch ?? ""});
}

export interface SpectrumRow {
  epoch: number;
  freq: number;
  norm: number;
}

/**
 * Heatmap of the embedding's Fourier spectrum: one column per checkpoint (in order, evenly spaced: the
 * checkpoints are not), one row per frequency, colour = norm. Key frequencies are labelled, the
 * cursor's checkpoint framed.
 */
export function spectrumHeatmap(rows: readonly SpectrumRow[], {epoch, keyFrequencies, colorType, scheme, width}: {epoch: number | null; keyFrequencies: readonly number[]; colorType: ColorScaleType; scheme: string; width: number}): HTMLElement {
  const epochs = [...new Set(rows.map((r) => r.epoch))].sort((a, b) => a - b);
  const freqs = [...new Set(rows.map((r) => r.freq))].sort((a, b) => a - b);
  const positive = rows.filter((r) => r.norm > 0);
  const data = colorType === "log" ? positive : rows;
  const plot = Plot.plot({
    width,
    height: Math.max(260, 11 * freqs.length + 70),
    marginLeft: 44,
    marginBottom: 48,
    padding: 0,
    x: {type: "band", domain: epochs, label: "checkpoint epoch", tickRotate: -45, tickFormat: (d: number) => String(d)},
    y: {type: "band", domain: freqs, label: "frequency k", tickFormat: (k: number) => (keyFrequencies.includes(k) ? `${k} ●` : k % 4 === 0 ? String(k) : "")},
    color: {type: colorType, scheme: scheme as Plot.ColorScheme, label: "‖W_E in cos k, sin k‖", legend: true},
    marks: [
      Plot.cell(data, {x: "epoch", y: "freq", fill: "norm", inset: 0, channels: {epoch: "epoch", k: "freq", norm: "norm"}, tip: {format: {x: false, y: false, fill: false}}}),
      ...(epoch !== null && epochs.includes(epoch) ? [Plot.cell([epoch], {x: (d: number) => d, y: null, fill: null, stroke: "var(--theme-foreground)", strokeWidth: 2})] : [])
    ],
    ariaLabel: "Fourier spectrum of the token embedding over checkpoints"
  });
  return chartBox("spectrum-heatmap", plot, {epochs: epochs.length, freqs: freqs.length, cells: data.length, scale: colorType, scheme, epoch: epoch ?? ""});
}

/** Bar chart of the spectrum at one checkpoint, key frequencies highlighted. */
export function spectrumBars(rows: readonly SpectrumRow[], {keyFrequencies, width, epoch}: {keyFrequencies: readonly number[]; width: number; epoch: number | null}): HTMLElement {
  const data = rows.map((r) => ({...r, key: keyFrequencies.includes(r.freq) ? "key frequency" : "other"}));
  const plot = Plot.plot({
    width,
    height: 200,
    marginLeft: 50,
    x: {type: "band", label: "frequency k"},
    y: {label: "norm", grid: true},
    color: {domain: ["key frequency", "other"], range: ["var(--theme-foreground-focus)", "var(--theme-foreground-faint)"], legend: true},
    marks: [Plot.barY(data, {x: "freq", y: "norm", fill: "key", tip: true}), Plot.ruleY([0])],
    ariaLabel: `Embedding spectrum at epoch ${epoch}`
  });
  return chartBox("spectrum-bars", plot, {epoch: epoch ?? "", bars: data.length});
}

export interface ActivationRow {
  neuron: number;
  a: number;
  b: number;
  activation: number;
}

/**
 * One heatmap per neuron of its post-ReLU activation over the (a, b) input grid (raster: one pixel per
 * input pair), on a shared colour scale. `info` labels each neuron (e.g. its cluster frequency).
 */
export function activationHeatmaps(rows: readonly ActivationRow[], {p, neurons, epoch, colorType, scheme, width, info}: {p: number; neurons: readonly number[]; epoch: number; colorType: ColorScaleType; scheme: string; width: number; info: (neuron: number) => string}): HTMLElement {
  const N = p * p;
  const grids = new Map<number, Float64Array>(neurons.map((n) => [n, new Float64Array(N).fill(NaN)]));
  let max = 0;
  for (const r of rows) {
    const grid = grids.get(r.neuron);
    if (!grid || r.a < 0 || r.a >= p || r.b < 0 || r.b >= p) continue;
    grid[r.a * p + r.b] = r.activation;
    if (r.activation > max) max = r.activation;
  }
  const columns = Math.max(1, Math.min(4, Math.floor(width / 190)));
  const size = Math.floor(width / columns) - 12;
  const domain: [number, number] = colorType === "log" ? [Math.max(1e-3, max / 1e3), Math.max(1e-3, max)] : [0, Math.max(max, 1e-9)];
  const color = {type: colorType === "log" ? "symlog" : colorType, scheme, domain, label: "activation", legend: false} as Plot.ScaleOptions;
  const cells = neurons.map((n) => {
    const grid = grids.get(n)!;
    const plot = Plot.plot({
      width: size,
      height: size,
      marginLeft: 26,
      marginBottom: 22,
      marginTop: 6,
      marginRight: 4,
      x: {domain: [0, p], label: null, ticks: [0, Math.floor(p / 2)], tickSize: 2},
      y: {domain: [p, 0], label: null, ticks: [0, Math.floor(p / 2)], tickSize: 2},
      color,
      marks: [Plot.raster(grid, {width: p, height: p, x1: 0, x2: p, y1: 0, y2: p, imageRendering: "pixelated"})],
      ariaLabel: `Activation of neuron ${n} over inputs (a, b)`
    });
    return el("figure", {class: "rl-neuron", "data-neuron": n}, el("figcaption", {}, `neuron ${n}`, el("span", {class: "rl-muted"}, ` ${info(n)}`)), plot);
  });
  const legend = Plot.legend({color: {...color, legend: true}, width: Math.min(320, width)} as Plot.LegendScales) as HTMLElement;
  const box = el("div", {"data-testid": "activation-heatmaps", class: "rl-chart", "data-epoch": epoch, "data-neurons": neurons.length, "data-max": Number(max.toPrecision(6)), "data-scale": colorType, "data-scheme": scheme}, legend, el("div", {class: "rl-neuron-grid", style: `display:grid;grid-template-columns:repeat(${columns}, 1fr);gap:4px 12px`}, cells));
  return box;
}

/** Cluster sizes at one checkpoint: neurons per dominant frequency (0 = below the threshold). */
export function clusterBars(sizes: readonly {cluster: number; size: number; meanFrac: number}[], {keyFrequencies, width, threshold}: {keyFrequencies: readonly number[]; width: number; threshold: number}): HTMLElement {
  const data = sizes.map((s) => ({...s, label: s.cluster === 0 ? "none" : String(s.cluster), kind: s.cluster === 0 ? "no frequency" : keyFrequencies.includes(s.cluster) ? "key frequency" : "other"}));
  const plot = Plot.plot({
    width,
    height: 220,
    marginLeft: 44,
    x: {type: "band", label: `cluster (dominant frequency, share ≥ ${threshold})`, domain: data.map((d) => d.label)},
    y: {label: "neurons", grid: true},
    color: {domain: ["key frequency", "other", "no frequency"], range: ["var(--theme-foreground-focus)", "#aaa", "#ddd"], legend: true},
    marks: [
      Plot.barY(data, {x: "label", y: "size", fill: "kind", title: (d: {label: string; size: number; meanFrac: number}) => `cluster ${d.label}: ${d.size} neurons, mean share ${d.meanFrac.toFixed(2)}`}),
      Plot.text(data, {x: "label", y: "size", text: (d: {size: number}) => String(d.size), dy: -6, fontSize: 10}),
      Plot.ruleY([0])
    ],
    ariaLabel: "Neurons per frequency cluster"
  });
  return chartBox("cluster-bars", plot, {clusters: data.length, threshold, key: keyFrequencies.join(",")});
}

/** Dominant-frequency share per neuron against its dominant frequency (one dot per neuron). */
export function neuronScatter(byNeuron: readonly {neuron: number; freq: number; frac: number; cluster: number}[], {threshold, width}: {threshold: number; width: number}): HTMLElement {
  const plot = Plot.plot({
    width,
    height: 220,
    marginLeft: 44,
    x: {label: "dominant frequency", domain: [0, Math.max(1, ...byNeuron.map((d) => d.freq)) + 1]},
    y: {label: "share of variance", domain: [0, 1], grid: true},
    marks: [
      Plot.ruleY([threshold], {stroke: TEST, strokeDasharray: "4,3"}),
      Plot.dot(byNeuron, {x: "freq", y: "frac", r: 2, fill: (d: {cluster: number}) => (d.cluster > 0 ? "var(--theme-foreground-focus)" : "#bbb"), fillOpacity: 0.6, channels: {neuron: "neuron"}, tip: true})
    ],
    ariaLabel: "Neurons by dominant frequency and its share of variance"
  });
  return chartBox("neuron-scatter", plot, {neurons: byNeuron.length, threshold});
}

export interface ProgressRow {
  epoch: number;
  train_loss: number | null;
  test_loss: number | null;
  restricted_loss: number | null;
  excluded_loss: number | null;
}

/** Restricted and excluded loss (Nanda et al. 2023) next to train and test loss, log scale, per checkpoint. */
export function progressChart(rows: readonly ProgressRow[], {epoch, width, events}: {epoch: number | null; width: number; events: {label: string; epoch: number | null}[]}): HTMLElement {
  const series: [keyof ProgressRow, string][] = [
    ["train_loss", "train loss"],
    ["test_loss", "test loss"],
    ["restricted_loss", "restricted loss"],
    ["excluded_loss", "excluded loss"]
  ];
  const long: {epoch: number; measure: string; value: number}[] = [];
  for (const r of rows) for (const [key, label] of series) {
    const v = r[key];
    if (v !== null && Number.isFinite(v) && v > 0) long.push({epoch: r.epoch, measure: label, value: v});
  }
  const marked = events.filter((e) => e.epoch !== null);
  const plot = Plot.plot({
    width,
    height: 300,
    marginLeft: 56,
    x: {label: "epoch", grid: true},
    y: {type: "log", label: "loss (log)", grid: true},
    color: {domain: series.map(([, l]) => l), range: [TRAIN, TEST, "#3ca951", "#a463f2"], legend: true},
    marks: [
      Plot.ruleX(marked, {x: "epoch", stroke: "var(--theme-foreground-faint)", strokeDasharray: "2,3"}),
      Plot.text(marked, {x: "epoch", text: "label", frameAnchor: "top", rotate: -90, textAnchor: "end", dx: -4, dy: 4, fontSize: 10, fill: "var(--theme-foreground-muted)"}),
      Plot.line(long, {x: "epoch", y: "value", stroke: "measure", strokeWidth: 1.5, marker: "circle"}),
      Plot.tip(long, Plot.pointer({x: "epoch", y: "value", stroke: "measure"})),
      ...cursorMarks(epoch)
    ],
    ariaLabel: "Restricted and excluded loss over training"
  });
  return chartBox("progress-chart", plot, {checkpoints: rows.length, epoch: epoch ?? ""});
}
