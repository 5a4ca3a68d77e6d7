// `runlens analyze <results dir>`: run the checkpoint analyses over model folders and write artifacts
// beside the checkpoints (see data-loaders/checkpoints/pipeline/run-pipeline.ts).
import {listAnalyses} from "@runlens/analyses";
import {SourceError} from "../errors.js";
import {formatDuration} from "../checkpoints/pipeline/progress.js";
import {parseEpochs, runAnalyzePipeline, UsageError, type AnalyzeOptions} from "../checkpoints/pipeline/run-pipeline.js";

const USAGE = `usage: runlens analyze <results dir> [options]

Runs the checkpoint analyses on every model folder (model_p{p}_seed{seed}/ with config.json and
checkpoints/checkpoint_epoch_{epoch:05d}.safetensors) and writes, atomically, beside the checkpoints:
  <model>/analysis/epoch_{epoch:05d}/<analysis>.npz   one array per result field (numpy: np.load)
  <model>/analysis/tables/*.parquet                  the model's checkpoint tables (DuckDB, pandas)
  <model>/analysis/manifest.json                     key frequencies, neurons, timings
Artifacts that exist are not redone (re-running does no work) unless --force.

options:
  --epochs all|last|E1,E2,...   which checkpoints (default all)
  --analyses A,B,...            which analyses (default all: ${listAnalyses().map((a) => a.name).join(", ")})
  --neurons auto|all|N1,N2,...  neurons kept by neuron-activations (default auto: 8 from the final checkpoint's clusters)
  --workers N                   worker threads (default: one per core; 0 = main thread only)
  --force                       redo artifacts that exist
  --no-tables                   skip writing <model>/analysis/tables
  --help

exit status: 0 when every selected checkpoint was analysed (or already was), 1 when any failed
(each failure is listed with its file, tensor and reason), 2 for a usage error.`;

function parseArgs(args: string[]): AnalyzeOptions & {help?: boolean} {
  const out: AnalyzeOptions & {help?: boolean} = {resultsDir: ""};
  const positional: string[] = [];
  for (let i = 0; i < args.length; ++i) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--help":
      case "-h":
        out.help = true;
        break;
      case "--epochs":
        out.epochs = parseEpochs(value());
        break;
      case "--analyses":
        out.analyses = value().split(",").map((s) => s.trim()).filter(Boolean);
        break;
      case "--neurons": {
        const v = value();
        if (v === "auto" || v === "all") out.neurons = v;
        else if (/^\d+(,\d+)*$/.test(v)) out.neurons = [...new Set(v.split(",").map(Number))].sort((a, b) => a - b);
        else throw new UsageError(`--neurons "${v}": expected auto, all, or neuron indices such as 1,17,42`);
        break;
      }
      case "--workers": {
        const v = value();
        if (!/^\d+$/.test(v)) throw new UsageError(`--workers "${v}": expected a whole number (0 = main thread)`);
        out.workers = Number(v);
        break;
      }
      case "--force":
        out.force = true;
        break;
      case "--no-tables":
        out.tables = false;
        break;
      default:
        if (flag.startsWith("-")) throw new UsageError(`unknown option ${flag}`);
        positional.push(arg);
    }
  }
  if (!out.help && positional.length !== 1) throw new UsageError(positional.length === 0 ? "missing the results folder" : `expected one results folder, got ${positional.length}`);
  out.resultsDir = positional[0] ?? "";
  return out;
}

export async function analyzeCommand(args: string[]): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(args);
  } catch (error) {
    process.stderr.write(`runlens analyze: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const stderr = process.stderr;
  try {
    const summary = await runAnalyzePipeline({
      ...options,
      progress: {write: (text) => stderr.write(text), isTTY: stderr.isTTY === true},
      log: (line) => stderr.write(`runlens: ${line}\n`)
    });
    const perCheckpoint = summary.checkpointMs.length ? summary.checkpointMs.reduce((a, b) => a + b, 0) / summary.checkpointMs.length : 0;
    stderr.write(
      `runlens: ${summary.models} model(s), ${summary.checkpoints} checkpoint(s): ${summary.analysed} analysed, ${summary.upToDate} already done, ${summary.failed.filter((f) => f.epoch !== null).length} failed; ` +
        `${summary.artifactsWritten} artifact(s) written in ${formatDuration(summary.seconds)}` +
        (summary.analysed ? ` (${perCheckpoint.toFixed(0)} ms per checkpoint in a worker, ${summary.workers === 0 ? "main thread" : `${summary.workers} worker thread(s)`})` : "") +
        "\n"
    );
    if (summary.tablesWritten.length) stderr.write(`runlens: tables written for ${summary.tablesWritten.join(", ")} (<model>/analysis/tables/*.parquet)\n`);
    if (summary.failed.length === 0) return 0;
    stderr.write(`runlens: ${summary.failed.length} failure(s):\n`);
    for (const f of summary.failed) stderr.write(`  ${f.model}${f.epoch === null ? "" : ` epoch ${f.epoch}`}: ${f.message}\n`);
    return 1;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`runlens analyze: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof SourceError ? `bad input: ${error.message}` : (error as Error).stack ?? String(error);
    stderr.write(`runlens analyze: ${message}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await analyzeCommand(process.argv.slice(2));
}
