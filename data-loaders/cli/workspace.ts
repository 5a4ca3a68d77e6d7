// `npm run workspace` / `runlens workspace`: build (or reuse) the Parquet workspace from the configured
// source and make sure the site will show it. Runs before `observable build` and `observable preview`.
import {join} from "node:path";
import {SourceError} from "../errors.js";
import {PROJECT_ROOT, resolveSource} from "../sources/resolve-source.js";
import {ensureWorkspace} from "../workspace/ensure-workspace.js";
import {syncFrameworkCache} from "../workspace/sync-framework-cache.js";
import {ensureCheckpointTables} from "../checkpoints/tables/ensure-tables.js";
import {resolveResultsSource} from "../checkpoints/tables/results-source.js";
import {syncCheckpointFrameworkCache} from "../checkpoints/tables/sync-cache.js";

export async function workspaceCommand(args: string[]): Promise<number> {
  const force = args.includes("--force");
  try {
    const sources = resolveSource();
    process.stderr.write(`runlens: sources: ${sources.map((source) => source.label).join("; ")}\n`);
    const workspace = await ensureWorkspace(sources, {
      force,
      root: process.env.RUNLENS_WORKSPACE_DIR || undefined,
      progress: (message) => process.stderr.write(`runlens: ${message}\n`)
    });
    if (!workspace.built) process.stderr.write(`runlens: workspace up to date (${workspace.dir})\n`);
    const stale = syncFrameworkCache(workspace, join(PROJECT_ROOT, "src"));
    // The checkpoint tables (Checkpoints page) too; their problems become notes on the page, and an
    // unexpected error here must not stop the workspace build (the page's loaders report it again).
    try {
      const results = resolveResultsSource();
      const tables = await ensureCheckpointTables(results.dir, {
        root: process.env.RUNLENS_CHECKPOINT_TABLES_DIR || undefined,
        log: (message) => process.stderr.write(`runlens: ${message}\n`)
      });
      if (!tables.built) process.stderr.write(`runlens: checkpoint tables up to date (${results.label})\n`);
      stale.push(...syncCheckpointFrameworkCache(tables, join(PROJECT_ROOT, "src")));
    } catch (error) {
      process.stderr.write(`runlens: warning: cannot build the checkpoint tables: ${(error as Error).message}\n`);
    }
    if (stale.length > 0) process.stderr.write(`runlens: data changed, the site will reload: ${stale.join(", ")}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof SourceError ? `bad input: ${error.message}` : (error as Error).stack ?? String(error);
    process.stderr.write(`runlens: cannot build the workspace: ${message}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await workspaceCommand(process.argv.slice(2));
}
