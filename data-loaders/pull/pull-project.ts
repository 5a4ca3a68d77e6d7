import {ProjectCache} from "./run-cache.js";
import {createPullProgress, type ProgressSink} from "./progress.js";

/** The part of the W&B API client a pull needs (data-loaders/sources/wandb-api implements it). */
export interface PullApi {
  listRuns(options: {entity: string; project: string; filters?: Record<string, unknown> | null; order?: string | null}): AsyncIterable<Record<string, unknown>>;
  /** Pages of rows; `texts` (when given) holds each row's JSON text as received, stored in the cache as is. */
  history(entity: string, project: string, runName: string, options: {minStep: number; lastStep?: number}): AsyncIterable<{rows: Record<string, unknown>[]; texts?: string[]}>;
  runUrl(entity: string, project: string, runName: string): string;
  /** Complete history from the server's parquet export plus its live tail, where the server offers it. */
  historyFromExports?(entity: string, project: string, runName: string, options: {minStep: number}): Promise<Record<string, unknown>[]>;
}

export interface PullOptions {
  entity: string;
  project: string;
  filters?: Record<string, unknown> | null;
  order?: string | null;
  cacheRoot: string;
  concurrency?: number;
  /**
   * Read a run's first pull from the parquet history export (one download per file instead of one request
   * per step window). Incremental pulls always use step windows: they fetch only the new steps.
   */
  useParquetExport?: boolean;
  sink?: ProgressSink;
}

export interface PullSummary {
  entity: string;
  project: string;
  runs: number;
  unchanged: number;
  updated: number;
  newRuns: number;
  rows: number;
  seconds: number;
}

/** Fields whose change means a run may have new history or new metadata. */
const CHANGE_KEYS = ["state", "heartbeatAt", "historyLineCount", "summaryMetrics", "config", "tags", "notes", "displayName", "group", "jobType"];

function unchanged(cached: Record<string, unknown> | null, node: Record<string, unknown>): boolean {
  return cached !== null && CHANGE_KEYS.every((key) => JSON.stringify(cached[key] ?? null) === JSON.stringify(node[key] ?? null));
}

/** Run tasks with at most `limit` in flight; the first failure stops new tasks and is rethrown. */
async function forEachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker));
  if (failure !== null) throw failure;
}

/**
 * Pull one W&B project into its cache: list runs, then for each run that changed since the last pull fetch
 * only the history beyond the last cached step. Safe to kill at any moment and re-run (see ProjectCache).
 */
export async function pullProject(api: PullApi, options: PullOptions): Promise<PullSummary> {
  const started = Date.now();
  const cache = new ProjectCache(options.cacheRoot);
  const label = `${options.entity}/${options.project}`;
  const sink = options.sink ?? {write: (text: string) => process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY)};
  const nodes: Record<string, unknown>[] = [];
  for await (const node of api.listRuns({entity: options.entity, project: options.project, filters: options.filters, order: options.order})) {
    if (typeof node.name !== "string" || node.name === "") throw new Error(`W&B returned a run without a name in ${label}`);
    nodes.push(node);
  }
  const progress = createPullProgress(`pull ${label}`, nodes.length, sink);
  const summary: PullSummary = {entity: options.entity, project: options.project, runs: nodes.length, unchanged: 0, updated: 0, newRuns: 0, rows: 0, seconds: 0};
  await forEachLimited(nodes, options.concurrency ?? 4, async (node) => {
    const runName = node.name as string;
    const cached = cache.readRunNode(runName);
    if (unchanged(cached, node)) {
      summary.unchanged++;
      progress.runDone(0, true);
      return;
    }
    progress.runStarted();
    const file = cache.historyFile(runName);
    let {lastStep} = cache.repairHistory(file);
    let rows = 0;
    const serverLastStep = (node.historyKeys as {lastStep?: unknown} | undefined)?.lastStep;
    const window = {minStep: lastStep === null ? 0 : lastStep + 1, ...(typeof serverLastStep === "number" ? {lastStep: serverLastStep} : {})};
    const pages: AsyncIterable<{rows: Record<string, unknown>[]; texts?: string[]}> =
      options.useParquetExport && lastStep === null && api.historyFromExports
        ? (async function* () {
            yield {rows: await api.historyFromExports!(options.entity, options.project, runName, {minStep: 0})};
          })()
        : api.history(options.entity, options.project, runName, window);
    for await (const page of pages) {
      const steps = page.rows.map((row) => row._step);
      const keep: number[] = [];
      steps.forEach((step, i) => {
        if (typeof step === "number" && (lastStep === null || step > lastStep)) keep.push(i);
      });
      keep.sort((i, j) => (steps[i] as number) - (steps[j] as number) || i - j);
      const fresh = keep.map((i) => page.rows[i]);
      await cache.appendHistory(file, fresh, page.texts && keep.map((i) => page.texts![i]));
      if (fresh.length > 0) lastStep = fresh[fresh.length - 1]._step as number;
      rows += fresh.length;
      progress.rows(fresh.length);
    }
    await cache.syncHistory(file);
    cache.commitRun(runName, {...node, entity: options.entity, project: options.project, url: api.runUrl(options.entity, options.project, runName)});
    if (cached === null) summary.newRuns++;
    else summary.updated++;
    summary.rows += rows;
    progress.runDone(rows, false);
  });
  summary.seconds = (Date.now() - started) / 1000;
  cache.writeState({entity: options.entity, project: options.project, filters: options.filters ?? null, pulledAt: new Date().toISOString(), summary});
  progress.finish();
  return summary;
}
