// `npm run bench`: every benchmark prints its measurement next to a baseline measured in the same run.
import {benchWorkspace} from "./workspace.js";

function row(label: string, value: string, note = ""): void {
  console.log(`${label.padEnd(44)} ${value.padStart(14)}  ${note}`);
}

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);

if (wanted("workspace")) {
  console.log("\n# Workspace build: sample (80 runs) → Parquet");
  const result = await benchWorkspace();
  row("build (best of 3)", `${result.buildSeconds.toFixed(3)} s`);
  row("baseline: JSON.parse of the same files", `${result.parseOnlySeconds.toFixed(3)} s`);
  row("ratio build / parse", `${result.ratioToParse.toFixed(2)}×`);
  row("history values per second", Math.round(result.valuesPerSecond).toLocaleString("en-US"));
}

if (wanted("site")) {
  const {benchSite} = await import("./site.js");
  console.log("\n# Site: build time and time to first chart (cold, Chromium)");
  await benchSite();
}

if (wanted("wandb-api")) {
  const {benchWandbApi} = await import("./wandb-api.js");
  console.log("\n# W&B API client: listing + complete history of 80 runs (fake server on 127.0.0.1)");
  const r = await benchWandbApi();
  row("pull (best of 7)", `${r.pullSeconds.toFixed(3)} s`, `client CPU ${r.pullCpuSeconds.toFixed(3)} s`);
  row("baseline: JSON.parse of the same bodies", `${r.parseSeconds.toFixed(3)} s`);
  row("ratio pull / parse", `${r.ratioToParse.toFixed(2)}×`, "target ≤ 3×");
  row("ratio pull / parse incl. row strings", `${r.ratioToParseRows.toFixed(2)}×`);
  row("runlens pull into a fresh cache (best of 7)", `${r.pullToCacheSeconds.toFixed(3)} s`, `${r.ratioPullToCacheToParse.toFixed(2)}× parse`);
  row("floor: receiving the bodies, no decoding", `${r.receiveOnlySeconds.toFixed(3)} s`, `${(r.receiveOnlySeconds / r.parseSeconds).toFixed(2)}× parse`);
  row("floor: receiving + JSON.parse of bodies and rows", `${r.receiveAndParseRowsSeconds.toFixed(3)} s`, `${(r.receiveAndParseRowsSeconds / r.parseSeconds).toFixed(2)}× parse`);
}

if (wanted("wandb-offline")) {
  const {benchWandbOffline, benchOfflineToParquet, benchParallelDecode} = await import("./wandb-offline.js");
  console.log("\n# Offline .wandb reader: decode only");
  const result = await benchWandbOffline();
  row("history values per second (real records)", Math.round(result.valuesPerSecond).toLocaleString("en-US"));
  row("history values per second (wide rows)", Math.round(result.wide.valuesPerSecond).toLocaleString("en-US"));
  console.log("\n# Offline .wandb → Parquet workspace (8 runs × 8,000 steps × 60 metrics)");
  const e2e = await benchOfflineToParquet();
  row("baseline: decoding the logs alone", `${e2e.decodeSeconds.toFixed(3)} s`);
  row("logs → Parquet workspace", `${e2e.workspaceSeconds.toFixed(3)} s`, `${e2e.ratioToDecode.toFixed(2)}× the decode`);
  row("history values per second, end to end", Math.round(e2e.valuesPerSecond).toLocaleString("en-US"), "target ≥ 1,000,000/s");
  console.log("\n# Offline decode of many run folders: calling thread alone vs worker threads");
  const par = await benchParallelDecode();
  row(`baseline: ${par.folders} folders on the calling thread`, `${par.sequentialSeconds.toFixed(3)} s`);
  row(`same, calling thread + ${par.workers} worker(s)`, `${par.parallelSeconds.toFixed(3)} s`, `${par.speedup.toFixed(2)}× faster`);
}

if (wanted("analyses")) {
  const {benchAnalyses, printAnalysesBench} = await import("./analyses.js");
  console.log("\n# Analyses: ANAL tables on the sample ×100 (8,000 runs), runlens vs pandas (same rows, same resamples)");
  // The full research functions at ×100 take minutes and ~10 GB: only with RUNLENS_BENCH_FULL=1.
  printAnalysesBench(await benchAnalyses({full: process.env.RUNLENS_BENCH_FULL === "1"}), row);
}

if (wanted("page-history")) {
  const {benchPageHistory} = await import("./page-history.js");
  console.log("\n# Research pages: history query result (Arrow) → indexed series, sample ×10");
  const r = await benchPageHistory();
  row(`baseline: row objects then index (${r.rows.toLocaleString("en-US")} rows)`, `${r.rowsSeconds.toFixed(3)} s`);
  row("columns then index (what the pages do)", `${r.columnsSeconds.toFixed(3)} s`, `${r.speedup.toFixed(1)}× faster`);
}

if (wanted("checkpoints")) {
  const {benchCheckpoints} = await import("./checkpoints.js");
  console.log("\n# Checkpoint analyses: time per checkpoint against PyTorch on CPU (same run)");
  await benchCheckpoints();
}
