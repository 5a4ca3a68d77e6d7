import {createReadStream} from "node:fs";
import {pipeline} from "node:stream/promises";
import {SourceError} from "../errors.js";
import {resolveSource} from "../sources/resolve-source.js";
import {ensureWorkspace} from "./ensure-workspace.js";
import type {WorkspaceTable} from "./write-workspace.js";

/**
 * Body of a Framework data loader (`src/data/<table>.parquet.ts`): make sure the workspace is built,
 * then stream the table's Parquet file to stdout. Problems are reported as one clear line on stderr and
 * a non-zero exit, which fails `observable build`.
 */
export async function runTableLoader(table: WorkspaceTable): Promise<void> {
  try {
    const sources = resolveSource();
    const workspace = await ensureWorkspace(sources, {
      root: process.env.RUNLENS_WORKSPACE_DIR || undefined,
      progress: (message) => process.stderr.write(`runlens: ${message}\n`)
    });
    await pipeline(createReadStream(workspace.file(table)), process.stdout);
  } catch (error) {
    const message = error instanceof SourceError ? `bad input: ${error.message}` : (error as Error).stack ?? String(error);
    process.stderr.write(`runlens: cannot build the workspace table "${table}": ${message}\n`);
    process.exitCode = 1;
  }
}
