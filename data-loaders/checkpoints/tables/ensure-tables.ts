/**
 * The checkpoint tables of a results folder, built once per input state: keyed by a fingerprint of
 * every input file (path, size, mtime) and the options, written into a temporary folder and renamed
 * into place (the pattern of ../../workspace/ensure-workspace.ts), so Framework's table loaders share
 * one build and a killed build leaves nothing half-written.
 */
import {createHash} from "node:crypto";
import {existsSync, readdirSync, statSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {PROJECT_ROOT} from "../../sources/resolve-source.js";
import {publishFingerprintedDir} from "../../workspace/fingerprinted-dir.js";
import {collectCheckpointData, type CollectOptions} from "./collect.js";
import {CHECKPOINT_TABLES, writeCheckpointTables, type CheckpointTable, type CheckpointTableCounts} from "./write-tables.js";

/** Bumped when the tables' schema or derivation changes. */
export const CHECKPOINT_SCHEMA_VERSION = 1;
export const DEFAULT_CHECKPOINT_TABLES_DIR = join(PROJECT_ROOT, ".runlens", "checkpoints");

export interface CheckpointTables {
  dir: string;
  fingerprint: string;
  built: boolean;
  counts: CheckpointTableCounts | null;
  file(table: CheckpointTable): string;
}

/** Every file under `dir` (recursively, skipping dot files and temporary files) with size and mtime. */
function inputFiles(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    if (name.startsWith(".") || name.endsWith(".tmp")) continue;
    const path = join(dir, name);
    let info;
    try {
      info = statSync(path);
    } catch {
      continue;
    }
    if (info.isDirectory()) {
      if (name !== "tables") inputFiles(path, out); // a model's analysis/tables/ are outputs
    } else out.push(`${path}\0${info.size}\0${info.mtimeMs}`);
  }
  return out;
}

export function fingerprintResults(resultsDir: string, options: CollectOptions): string {
  const hash = createHash("sha256");
  const {log: _log, ...rest} = options;
  hash.update(JSON.stringify({schema: CHECKPOINT_SCHEMA_VERSION, resultsDir, options: rest, exists: existsSync(resultsDir)}));
  for (const line of inputFiles(resultsDir)) hash.update(`${line}\n`);
  return hash.digest("hex").slice(0, 16);
}

export async function ensureCheckpointTables(resultsDir: string, options: {root?: string; force?: boolean; collect?: CollectOptions; log?: (message: string) => void} = {}): Promise<CheckpointTables> {
  const root = options.root ?? DEFAULT_CHECKPOINT_TABLES_DIR;
  const collect = {...options.collect, log: options.log};
  const fingerprint = fingerprintResults(resultsDir, collect);
  const dir = join(root, fingerprint);
  const at = (built: boolean, counts: CheckpointTableCounts | null): CheckpointTables => ({dir, fingerprint, built, counts, file: (table) => join(dir, `${table}.parquet`)});
  if (!options.force && CHECKPOINT_TABLES.every((t) => existsSync(join(dir, `${t}.parquet`)))) return at(false, null);
  const counts = await publishFingerprintedDir(
    root,
    fingerprint,
    async (temp) => {
      const started = Date.now();
      const data = await collectCheckpointData(resultsDir, collect);
      const counts = await writeCheckpointTables(data, temp);
      writeFileSync(join(temp, "manifest.json"), JSON.stringify({fingerprint, schema: CHECKPOINT_SCHEMA_VERSION, resultsDir, counts, computed: data.computed, builtAt: new Date().toISOString()}, null, 2));
      options.log?.(`checkpoint tables: ${counts.models} model(s), ${counts.checkpoints} checkpoint epochs, ${data.computed} analysed here, ${counts.notes} note(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return counts;
    },
    {force: options.force}
  );
  return at(true, counts);
}
