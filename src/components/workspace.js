// The Parquet workspace tables the browser can load, by SQL table name.
// Each entry is a function so that a page only resolves (and fetches) what it queries.
// `FileAttachment(...).href` (an explicit member) keeps Framework from adding implicit CDN imports
// (apache-arrow / parquet-wasm from npm:), see docs/architecture; paths are relative to this module.
// Add a table here when a loader in src/data/ produces a new one.
import {FileAttachment} from "observablehq:stdlib";

export const TABLES = {
  runs: () => ({file: "data/runs.parquet", href: FileAttachment("../data/runs.parquet").href}),
  history: () => ({file: "data/history.parquet", href: FileAttachment("../data/history.parquet").href}),
  metrics: () => ({file: "data/metrics.parquet", href: FileAttachment("../data/metrics.parquet").href})
};
