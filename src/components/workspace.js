// The Parquet workspace tables the browser can load, by SQL table name.
// Each entry is a function so that a page only resolves (and fetches) what it queries.
// `FileAttachment(...).href` (an explicit member) keeps Framework from adding implicit CDN imports
// (apache-arrow / parquet-wasm from npm:), see docs/architecture; paths are relative to this module.
// Add a table here when a loader in src/data/ produces a new one.
import {FileAttachment} from "observablehq:stdlib";

export const TABLES = {
  runs: () => ({file: "data/runs.parquet", href: FileAttachment("../data/runs.parquet").href}),
  history: () => ({file: "data/history.parquet", href: FileAttachment("../data/history.parquet").href}),
  metrics: () => ({file: "data/metrics.parquet", href: FileAttachment("../data/metrics.parquet").href}),
  // Checkpoint tables (data-loaders/checkpoints/tables), used by the Checkpoints page.
  checkpoints: () => ({file: "data/checkpoints.parquet", href: FileAttachment("../data/checkpoints.parquet").href}),
  train_curves: () => ({file: "data/train_curves.parquet", href: FileAttachment("../data/train_curves.parquet").href}),
  fourier_embed: () => ({file: "data/fourier_embed.parquet", href: FileAttachment("../data/fourier_embed.parquet").href}),
  neuron_freq: () => ({file: "data/neuron_freq.parquet", href: FileAttachment("../data/neuron_freq.parquet").href}),
  progress: () => ({file: "data/progress.parquet", href: FileAttachment("../data/progress.parquet").href}),
  neuron_activations: () => ({file: "data/neuron_activations.parquet", href: FileAttachment("../data/neuron_activations.parquet").href}),
  checkpoint_notes: () => ({file: "data/checkpoint_notes.parquet", href: FileAttachment("../data/checkpoint_notes.parquet").href})
};
