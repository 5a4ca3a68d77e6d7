import {createHash} from "node:crypto";
import {existsSync, readFileSync, rmSync} from "node:fs";
import {join} from "node:path";
import type {CheckpointTables} from "./ensure-tables.js";
import {CHECKPOINT_TABLES} from "./write-tables.js";

const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/**
 * Framework reruns a data loader only when the loader file is newer than its cached output, not when
 * the results folder behind it changed (new checkpoints, another RUNLENS_RESULTS_DIR). Drop cached
 * checkpoint tables that differ from the current ones so the next build or preview loads them.
 * Returns the tables that were invalidated. (The workspace tables do the same: ../../workspace/sync-framework-cache.ts.)
 */
export function syncCheckpointFrameworkCache(tables: CheckpointTables, siteRoot: string): string[] {
  const cacheDir = join(siteRoot, ".observablehq", "cache", "data");
  const stale: string[] = [];
  for (const table of CHECKPOINT_TABLES) {
    const cached = join(cacheDir, `${table}.parquet`);
    if (existsSync(cached) && digest(cached) !== digest(tables.file(table))) {
      rmSync(cached);
      stale.push(table);
    }
  }
  return stale;
}
