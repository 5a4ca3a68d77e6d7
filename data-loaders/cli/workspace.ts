// `npm run workspace` / `runlens workspace`: build (or reuse) the Parquet workspace from the configured
// source and make sure the site will show it. Runs before `observable build` and `observable preview`.
import {join} from "node:path";
import {SourceError} from "../errors.js";
import {PROJECT_ROOT, resolveSource} from "../sources/resolve-source.js";
import {ensureWorkspace} from "../workspace/ensure-workspace.js";
import {syncFrameworkCache} from "../workspace/sync-framework-cache.js";

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
