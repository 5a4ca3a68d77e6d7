// `runlens pull`: pull the configured W&B projects into the local cache (incremental, resumable), then
// rebuild the Parquet workspace from all configured sources.
import {parseArgs} from "node:util";
import {loadWorkspaceConfig, parseProjectPath, projectCacheDir, type SourceSpec} from "../config/workspace-config.js";
import {SourceError} from "../errors.js";
import {pullProject, type PullSummary} from "../pull/pull-project.js";
import {PROJECT_ROOT, resolveSources} from "../sources/resolve-source.js";
import {WandbApi, isWandbApiError} from "../sources/wandb-api/index.js";
import {ensureWorkspace} from "../workspace/ensure-workspace.js";

const USAGE = `usage: runlens pull [--project ENTITY/PROJECT]... [--filter JSON] [--config FILE] [--concurrency N] [--parquet-export] [--no-workspace]

Pulls every W&B project named by --project, the config file's "sources" or WANDB_ENTITY/WANDB_PROJECT into
the local cache (only runs changed since the last pull, only steps beyond the cached ones), then rebuilds
the workspace. --parquet-export reads new runs from W&B's parquet history export (where the server
offers it) instead of paging through step windows. The API key comes from WANDB_API_KEY or ~/.netrc; WANDB_BASE_URL selects the server.`;

function log(line: string): void {
  process.stderr.write(`runlens: ${line}\n`);
}

export async function pullCommand(args: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args,
      options: {
        project: {type: "string", multiple: true},
        filter: {type: "string"},
        config: {type: "string"},
        concurrency: {type: "string"},
        "no-workspace": {type: "boolean"},
        "parquet-export": {type: "boolean"},
        help: {type: "boolean"}
      }
    }).values;
  } catch (error) {
    process.stderr.write(`runlens pull: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const config = loadWorkspaceConfig({projectRoot: PROJECT_ROOT, configFile: options.config});
    let filters: Record<string, unknown> | null = null;
    if (options.filter) {
      try {
        filters = JSON.parse(options.filter);
      } catch (error) {
        throw new SourceError("--filter", `not valid JSON (${(error as Error).message})`);
      }
    }
    const projects: Extract<SourceSpec, {kind: "wandb"}>[] = options.project?.length
      ? options.project.map((path) => ({kind: "wandb", ...parseProjectPath(path, process.env, "--project"), filters, order: null}))
      : config.sources.filter((source): source is Extract<SourceSpec, {kind: "wandb"}> => source.kind === "wandb");
    if (options.project?.length) config.sources.push(...projects.filter((p) => !config.sources.some((s) => s.kind === "wandb" && s.entity === p.entity && s.project === p.project)));
    if (projects.length === 0) {
      log("no W&B project configured: pass --project ENTITY/PROJECT, set WANDB_PROJECT, or list sources in runlens.config.json");
      return 2;
    }
    const concurrency = options.concurrency ? Number(options.concurrency) : 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new SourceError("--concurrency", "should be a positive integer");
    const api = new WandbApi({
      concurrency: concurrency * 2,
      onRetry: (info) => log(`retrying ${info.operation} (attempt ${info.attempt}): ${info.message}; waiting ${(info.delayMs / 1000).toFixed(1)} s`)
    });
    const summaries: PullSummary[] = [];
    for (const project of projects) {
      log(`pulling ${project.entity}/${project.project} from ${api.baseUrl}`);
      summaries.push(
        await pullProject(api, {
          entity: project.entity,
          project: project.project,
          filters: project.filters ?? filters,
          order: project.order,
          concurrency,
          useParquetExport: options["parquet-export"] ?? false,
          cacheRoot: projectCacheDir(config, project.entity, project.project)
        })
      );
    }
    for (const s of summaries) {
      log(`${s.entity}/${s.project}: ${s.runs} runs (${s.newRuns} new, ${s.updated} updated, ${s.unchanged} unchanged), ${s.rows.toLocaleString("en-US")} new history rows in ${s.seconds.toFixed(1)} s`);
    }
    if (!options["no-workspace"]) {
      const workspace = await ensureWorkspace(resolveSources(config), {
        root: process.env.RUNLENS_WORKSPACE_DIR || undefined,
        progress: (message) => log(message)
      });
      log(`workspace ready: ${workspace.dir}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof SourceError) log(`bad input: ${error.message}`);
    else if (isWandbApiError(error)) log(`W&B API error: ${(error as Error).message}`);
    else log(`pull failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
