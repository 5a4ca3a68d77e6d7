/**
 * A run folder (`wandb/offline-run-…-<id>/` or `wandb/run-…-<id>/`) → normalized run. The
 * `run-<id>.wandb` log is the source of truth; `files/config.yaml`, `files/wandb-summary.json` and
 * `files/wandb-metadata.json` are read only to fill gaps. Damage inside the log never throws (it
 * becomes warnings); a folder without a log, or an unreadable path, does.
 */
import {open, readdir, readFile, stat} from "node:fs/promises";
import {basename, join} from "node:path";
import {parseValueJson} from "./extended-json.js";
import {foldRun, foldRunColumnar} from "./fold-run.js";
import {readLogRecords, type ReadLogOptions} from "./log-blocks.js";
import {parseConfigYaml} from "./mini-yaml.js";
import type {RunFolderFiles, WandbOfflineRun} from "./types.js";

const LOG_NAME = /^run-(.+)\.wandb$/;

/** How to read a run: log options, plus `columnar` for the history as columns where it fits (types.ts). */
export interface ReadRunOptions extends ReadLogOptions {
  columnar?: boolean;
  /** Read the log into this reusable buffer instead of a fresh one (see LogReadBuffer). */
  buffer?: LogReadBuffer;
}

/**
 * One allocation reused to read many logs, one at a time. Logs are tens of MB, and touching freshly allocated
 * memory costs far more than reading the file into memory already touched (page faults: on small VMs a fresh
 * 40 MB buffer took ~150 ms to fill, a reused one ~3 ms). The run read from it keeps no reference to it (every
 * value is parsed or copied out), so the next read may overwrite it.
 */
export class LogReadBuffer {
  private buffer = Buffer.alloc(0);

  async read(path: string): Promise<Buffer> {
    const handle = await open(path, "r");
    try {
      const {size} = await handle.stat();
      if (size > this.buffer.length) this.buffer = Buffer.allocUnsafeSlow(Math.max(size, Math.ceil(this.buffer.length * 1.5)));
      let filled = 0;
      while (filled < size) {
        const {bytesRead} = await handle.read(this.buffer, filled, size - filled, filled);
        if (bytesRead === 0) break; // the file shrank while being read: use what is there
        filled += bytesRead;
      }
      return this.buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }
}

/** Read a run folder, or a `.wandb` file directly (then its folder's `files/` is still used). */
export async function readOfflineRun(path: string, options: ReadRunOptions = {}): Promise<WandbOfflineRun> {
  const info = await stat(path);
  let dir: string;
  let logFile: string;
  const extra: string[] = [];
  if (info.isDirectory()) {
    dir = path;
    const logs = (await readdir(path)).filter((name) => LOG_NAME.test(name)).sort();
    if (logs.length === 0) throw new Error(`${path}: no run-<id>.wandb transaction log in this folder`);
    // The folder name ends with the run id; prefer the log that matches it.
    const byFolder = logs.find((name) => basename(path).endsWith(`-${LOG_NAME.exec(name)![1]}`));
    logFile = join(path, byFolder ?? logs[0]);
    if (logs.length > 1) extra.push(`folder: ${logs.length} .wandb logs found; read ${basename(logFile)}`);
  } else {
    logFile = path;
    dir = join(path, "..");
  }
  const bytes = options.buffer ? await options.buffer.read(logFile) : await readFile(logFile);
  const files = await readRunFiles(join(dir, "files"));
  const run = readOfflineRunLog(bytes, files, {...options, file: logFile});
  run.warnings.unshift(...extra);
  return run;
}

/** The pure part: log bytes (+ optional parsed files) → normalized run. */
export function readOfflineRunLog(
  bytes: Uint8Array,
  files: RunFolderFiles = {},
  options: ReadRunOptions & {file?: string} = {}
): WandbOfflineRun {
  const log = readLogRecords(bytes, options);
  const fallbackRunId = options.file ? (LOG_NAME.exec(basename(options.file))?.[1] ?? "") : "";
  const foldOptions = {file: options.file ?? null, bytes: bytes.length, fallbackRunId};
  const run = (options.columnar ? foldRunColumnar(log, files, foldOptions) : null) ?? foldRun(log, files, foldOptions);
  if (files.problems?.length) run.warnings.push(...files.problems);
  return run;
}

/** Read the optional `files/` inputs; a missing file is normal, an unparsable one becomes a warning. */
export async function readRunFiles(filesDir: string): Promise<RunFolderFiles> {
  const files: RunFolderFiles = {problems: []};
  const load = async (name: string, parse: (text: string) => unknown): Promise<unknown> => {
    let text: string;
    try {
      text = await readFile(join(filesDir, name), "utf8");
    } catch {
      return undefined;
    }
    try {
      return parse(text);
    } catch (error) {
      files.problems!.push(`files/${name}: not readable (${(error as Error).message}); ignored`);
      return undefined;
    }
  };
  files.configYaml = await load("config.yaml", parseConfigYaml);
  // Python's json.dump writes NaN / Infinity bare, like value_json.
  files.summaryJson = await load("wandb-summary.json", parseValueJson);
  files.metadataJson = await load("wandb-metadata.json", parseValueJson);
  return files;
}
