import {createReadStream} from "node:fs";
import {pipeline} from "node:stream/promises";
import {ensureCheckpointTables} from "./ensure-tables.js";
import {resolveResultsSource} from "./results-source.js";
import type {CheckpointTable} from "./write-tables.js";

/**
 * Body of a Framework data loader for a checkpoint table (`src/data/<table>.parquet.ts`): build (or
 * reuse) the tables of the configured results folder and stream one to stdout. Bad or missing data
 * never fails the build: it becomes rows of `checkpoint_notes`, which the page shows. Only an
 * unexpected error (a bug) exits non-zero, with the stack on stderr.
 */
export async function runCheckpointTableLoader(table: CheckpointTable): Promise<void> {
  try {
    const source = resolveResultsSource();
    const tables = await ensureCheckpointTables(source.dir, {
      root: process.env.RUNLENS_CHECKPOINT_TABLES_DIR || undefined,
      log: (message) => process.stderr.write(`runlens: ${message}\n`)
    });
    await pipeline(createReadStream(tables.file(table)), process.stdout);
  } catch (error) {
    process.stderr.write(`runlens: cannot build the checkpoint table "${table}": ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
