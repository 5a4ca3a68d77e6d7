// `runlens report`: the research write-up as files — ANAL-01/02/03 and the answer as markdown, charts
// as SVG, every table as CSV and JSON — computed by the same functions as the site's pages.
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import {SourceError} from "../errors.js";
import {computeResearch, renderReport, summaryLines, type ReportOptions} from "../report/build-report.js";
import {loadWorkspaceColumns, workspaceTables} from "../report/load-workspace-rows.js";
import {historyLength} from "@runlens/analyses/compare/history-columns";
import {ReportWriteError, writeReportAtomically} from "../report/write-report.js";
import {resolveSource} from "../sources/resolve-source.js";
import {ensureWorkspace} from "../workspace/ensure-workspace.js";

const USAGE = `usage: runlens report [--out DIR] [--metric NAME]... [--resamples N] [--seed S] [--workspace DIR] [--config FILE]

Writes the research report into DIR (default reports/): README.md (the answer to the research question),
formats.md (ANAL-01), failures.md (ANAL-02), optimizers.md (ANAL-03), charts/*.svg, and every table as
tables/<section>/<table>.csv and .json. The folder is replaced as a whole, only once everything is written;
a folder that is not a previous report is never replaced.

  --metric NAME    rank formats by NAME (repeat for several; the first is also the outcome of the optimizer
                   comparison and of the answer). Default: val_loss, loss (as the site).
  --resamples N    bootstrap resamples (default 2000, as the site)
  --seed S         bootstrap seed (default 0)
  --workspace DIR  read runs.parquet and history.parquet from DIR instead of building the workspace
  --config FILE    workspace config file (as runlens workspace)`;

export interface CommandIO {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIO: CommandIO = {env: process.env, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t)};

export async function reportCommand(args: string[], io: CommandIO = processIO): Promise<number> {
  const log = (line: string) => io.stderr(`runlens report: ${line}\n`);
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        out: {type: "string"},
        metric: {type: "string", multiple: true},
        resamples: {type: "string"},
        seed: {type: "string"},
        workspace: {type: "string"},
        config: {type: "string"},
        help: {type: "boolean", short: "h"}
      }
    }).values;
  } catch (error) {
    io.stderr(`runlens report: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const options: ReportOptions = {};
  if (values.metric !== undefined) {
    const metrics = values.metric.map((m) => m.trim()).filter((m) => m !== "");
    if (metrics.length === 0) return usageError(io, "--metric needs a metric name");
    options.metrics = metrics;
  }
  if (values.resamples !== undefined) {
    const n = Number(values.resamples);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) return usageError(io, `--resamples must be an integer from 1 to 1000000, got "${values.resamples}"`);
    options.resamples = n;
  }
  if (values.seed !== undefined) {
    const s = Number(values.seed);
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) return usageError(io, `--seed must be an integer from 0 to 4294967295, got "${values.seed}"`);
    options.seed = s;
  }
  const outDir = resolve(values.out ?? "reports");

  try {
    const started = performance.now();
    let workspaceDir: string;
    let source: string;
    if (values.workspace !== undefined) {
      workspaceDir = resolve(values.workspace);
      source = `workspace ${workspaceDir}`;
    } else {
      const sources = resolveSource(io.env, values.config);
      source = sources.map((s) => s.label).join("; ");
      log(`sources: ${source}`);
      const workspace = await ensureWorkspace(sources, {root: io.env.RUNLENS_WORKSPACE_DIR || undefined, progress: (m) => log(m)});
      if (!workspace.built) log(`workspace up to date (${workspace.dir})`);
      workspaceDir = workspace.dir;
    }
    // History as columns: typed arrays, not one object per row (a workspace can hold millions of rows).
    const data = await loadWorkspaceColumns(workspaceTables(workspaceDir));
    log(`read ${data.runs.length} runs and ${historyLength(data.history)} history rows`);
    const results = computeResearch(data, options, (m) => log(m));
    const files = renderReport(results, {source, workspace: workspaceDir, generatedAt: new Date().toISOString()}, data);
    log(`rendered ${files.length} files`);
    writeReportAtomically(outDir, files);
    const count = (re: RegExp) => files.filter((f) => re.test(f.path)).length;
    io.stdout(
      [
        `runlens report: wrote ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${count(/\.md$/)} pages, ${count(/\.svg$/)} charts, ${count(/\.csv$/)} tables (CSV + JSON)`,
        ...summaryLines(results).map((l) => `  ${l}`),
        `  open ${resolve(outDir, "README.md")}`
      ].join("\n") + "\n"
    );
    return 0;
  } catch (error) {
    const message =
      error instanceof SourceError ? `bad input: ${error.message}` : error instanceof ReportWriteError ? error.message : (error as Error)?.message ?? String(error);
    io.stderr(`runlens report: cannot write the report: ${message}\n`);
    if (!(error instanceof SourceError) && !(error instanceof ReportWriteError) && io.env.RUNLENS_DEBUG) io.stderr(`${(error as Error).stack}\n`);
    return 1;
  }
}

function usageError(io: CommandIO, message: string): number {
  io.stderr(`runlens report: ${message}\n\n${USAGE}\n`);
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await reportCommand(process.argv.slice(2));
}
