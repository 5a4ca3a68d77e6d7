import {mkdir, rename, writeFile} from "node:fs/promises";
import {join} from "node:path";
import {tableFromIPC} from "apache-arrow";
import {readParquet} from "parquet-wasm/node";
import {WandbApiError} from "./errors.js";
import type {GraphqlClient, RequestOptions} from "./graphql-client.js";
import {scanHistory, type HistoryRow} from "./history.js";
import {backoffDelay, isRetryableStatus, parseRetryAfter, resolveRetry, sleep, type RetryOptions} from "./retry.js";
import {projectNotFound, runNotFound} from "./runs.js";

/** wandb ≥ 0.27 (`scan_history`, `download_history_exports`): exported parquet files + rows not yet exported. */
export const RUN_PARQUET_HISTORY_QUERY = `query RunParquetHistory($project: String!, $entity: String!, $runName: String!, $liveKeys: [String!]!) {
  project(name: $project, entityName: $entity) {
    run(name: $runName) {
      parquetHistory(liveKeys: $liveKeys) {
        parquetUrls
        liveData
      }
    }
  }
}`;

export interface ParquetHistoryInfo {
  /** Signed URLs of the exported parquet files (order not stable). */
  parquetUrls: string[];
  /** Rows not yet exported, holding only the live keys (`_step`). */
  liveData: Array<Record<string, unknown>>;
  /** Smallest `_step` in liveData: the parquet files hold the steps below it. null when nothing is live. */
  liveMinStep: number | null;
}

export async function parquetHistoryInfo(
  client: GraphqlClient,
  entity: string,
  project: string,
  runName: string,
  options: RequestOptions = {}
): Promise<ParquetHistoryInfo> {
  type Data = {project: {run: {parquetHistory?: {parquetUrls?: unknown; liveData?: unknown} | null} | null} | null};
  const data = await client.request<Data>(RUN_PARQUET_HISTORY_QUERY, {project, entity, runName, liveKeys: ["_step"]}, options);
  if (!data.project) throw projectNotFound(entity, project, "RunParquetHistory");
  if (!data.project.run) throw runNotFound(entity, project, runName, "RunParquetHistory");
  const history = data.project.run.parquetHistory ?? {};
  const urls = Array.isArray(history.parquetUrls) ? history.parquetUrls.filter((url): url is string => typeof url === "string") : [];
  const live = Array.isArray(history.liveData) ? (history.liveData as Array<Record<string, unknown>>) : [];
  let liveMinStep: number | null = null;
  for (const row of live) {
    const step = Number(row?._step);
    if (Number.isFinite(step)) liveMinStep = liveMinStep === null ? step : Math.min(liveMinStep, step);
  }
  return {parquetUrls: urls, liveData: live, liveMinStep: liveMinStep === null ? null : Math.floor(liveMinStep)};
}

function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, plainValue);
  const json = (value as {toJSON?: () => unknown}).toJSON?.();
  if (json !== undefined && json !== value) return plainValue(json);
  if (Array.isArray(value)) return value.map(plainValue);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== null && inner !== undefined) out[key] = plainValue(inner);
  return out;
}

/**
 * Rows of one exported history parquet file. A column that is null in a row is left out of that row (the
 * columnar file cannot tell "logged null" from "not logged" — JSONL history can), int64 becomes number,
 * structs become objects. Column naming of nested metrics in W&B's exports is UNCONFIRMED.
 */
export function readHistoryParquet(bytes: Uint8Array): HistoryRow[] {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const columns = table.schema.fields.map((field, i) => ({name: field.name, vector: table.getChildAt(i)!}));
  const rows: HistoryRow[] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: Record<string, unknown> = {};
    for (const {name, vector} of columns) {
      const value = vector.get(r);
      if (value !== null && value !== undefined) row[name] = plainValue(value);
    }
    rows[r] = row as HistoryRow;
  }
  return rows;
}

export interface DownloadOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  retry?: RetryOptions;
  signal?: AbortSignal;
}

/** GET a signed URL (no W&B credentials are attached), with the client's retry policy. */
export async function downloadBytes(url: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const policy = resolveRetry(options.retry);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const shown = url.split("?")[0]; // the query string of a signed URL is a credential: never shown
  const deadline = Date.now() + policy.totalTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new WandbApiError("aborted", `download of ${shown} was aborted`);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 60_000);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener("abort", onAbort, {once: true});
    let error: WandbApiError;
    let retryAfterMs: number | null = null;
    try {
      const response = await fetchImpl(url, {signal: controller.signal});
      if (response.ok) return new Uint8Array(await response.arrayBuffer());
      await response.arrayBuffer().catch(() => undefined);
      error = new WandbApiError(response.status === 404 ? "not-found" : "http", `download of ${shown} failed with HTTP ${response.status}`, {status: response.status});
      if (!isRetryableStatus(response.status)) throw error;
      retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    } catch (caught) {
      if (caught instanceof WandbApiError) throw caught;
      if (options.signal?.aborted) throw new WandbApiError("aborted", `download of ${shown} was aborted`);
      error = new WandbApiError(controller.signal.aborted ? "timeout" : "network", `download of ${shown} failed (${controller.signal.aborted ? "timed out" : (caught as Error).message})`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    const delay = retryAfterMs ?? backoffDelay(attempt - 1, policy);
    if (attempt > policy.maxRetries || Date.now() + delay > deadline || delay > policy.maxRetryAfterMs) {
      throw new WandbApiError(error.kind, `${error.message} (gave up after ${attempt} attempts)`, {status: error.status, attempts: attempt});
    }
    await sleep(delay, options.signal).catch(() => undefined);
  }
}

export interface ExportHistoryOptions extends DownloadOptions {
  minStep?: number;
  maxStep?: number;
  /** Page size of the live-tail HistoryPage scan. */
  pageSize?: number;
}

/**
 * Complete history the way wandb ≥ 0.27 reads it: every exported parquet file, plus the rows not yet
 * exported (steps ≥ min(liveData._step)) through HistoryPage, merged by `_step` (a step in both is taken from
 * parquet once). Restricted to [minStep, maxStep).
 */
export async function fetchHistoryFromExports(
  client: GraphqlClient,
  entity: string,
  project: string,
  runName: string,
  options: ExportHistoryOptions = {}
): Promise<HistoryRow[]> {
  const minStep = options.minStep ?? 0;
  const maxStep = options.maxStep ?? Number.MAX_SAFE_INTEGER;
  const info = await parquetHistoryInfo(client, entity, project, runName, {signal: options.signal});
  const byStep = new Map<number, HistoryRow>();
  const files = await Promise.all(info.parquetUrls.map((url) => downloadBytes(url, {...options, retry: options.retry ?? client.retry})));
  for (const bytes of files) {
    for (const row of readHistoryParquet(bytes)) {
      const step = row._step;
      if (typeof step === "number" && step >= minStep && step < maxStep && !byStep.has(step)) byStep.set(step, row);
    }
  }
  const liveFrom = info.liveMinStep ?? (info.parquetUrls.length === 0 ? 0 : null);
  if (liveFrom !== null && liveFrom < maxStep) {
    const pages = scanHistory(client, entity, project, runName, {minStep: Math.max(minStep, liveFrom), maxStep, pageSize: options.pageSize, signal: options.signal});
    for await (const page of pages) for (const row of page.rows) if (!byStep.has(row._step)) byStep.set(row._step, row);
  }
  return [...byStep.values()].sort((a, b) => a._step - b._step);
}

/**
 * `run.download_history_exports(dir)`: save every exported parquet file as
 * `<dir>/<entity>_<project>_<runId>_<i>.runhistory.parquet`. With `requireComplete` (default true) a run
 * that still has un-exported rows is an "incomplete" error, as wandb's IncompleteRunHistoryError.
 */
export async function downloadHistoryExports(
  client: GraphqlClient,
  entity: string,
  project: string,
  runName: string,
  dir: string,
  options: DownloadOptions & {requireComplete?: boolean} = {}
): Promise<{files: string[]; liveRows: number}> {
  const info = await parquetHistoryInfo(client, entity, project, runName, {signal: options.signal});
  if ((options.requireComplete ?? true) && info.liveData.length > 0) {
    throw new WandbApiError(
      "incomplete",
      `W&B run ${entity}/${project}/${runName}: ${info.liveData.length} history rows have not been exported to parquet yet (the run is probably still going)`,
      {operation: "RunParquetHistory"}
    );
  }
  await mkdir(dir, {recursive: true});
  const files: string[] = [];
  for (const [i, url] of info.parquetUrls.entries()) {
    const bytes = await downloadBytes(url, {...options, retry: options.retry ?? client.retry});
    const file = join(dir, `${entity}_${project}_${runName}_${i}.runhistory.parquet`);
    await writeFile(`${file}.part`, bytes);
    await rename(`${file}.part`, file);
    files.push(file);
  }
  return {files, liveRows: info.liveData.length};
}
