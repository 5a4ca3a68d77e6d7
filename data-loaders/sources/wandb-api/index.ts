import {ApiKey, requireCredentials, resolveCredentials} from "./credentials.js";
import {GraphqlClient, type RetryInfo} from "./graphql-client.js";
import {fetchHistory, lastHistoryStep, scanHistory, type HistoryOptions, type HistoryPage, type HistoryRow} from "./history.js";
import type {RequestOptions} from "./graphql-client.js";
import type {RetryOptions} from "./retry.js";
import type {Transport} from "./transport.js";
import {getRun, listRuns, runCount, type ListRunsOptions, type RunNode} from "./runs.js";
import {runUrl} from "./run-url.js";
import {getViewer, type Viewer} from "./viewer.js";
import {downloadHistoryExports, fetchHistoryFromExports, parquetHistoryInfo, type ExportHistoryOptions, type ParquetHistoryInfo} from "./parquet-history.js";
import {
  downloadArtifact,
  fetchArtifactManifest,
  getArtifact,
  listRunArtifacts,
  parseArtifactPath,
  type ArtifactDownloadResult,
  type ArtifactInfo,
  type ArtifactManifest,
  type ArtifactPath,
  type DownloadArtifactOptions,
  type RunArtifactsOptions
} from "./artifacts.js";

export {ApiKey, DEFAULT_BASE_URL, normalizeBaseUrl, requireCredentials, resolveCredentials} from "./credentials.js";
export type {Credentials, CredentialOptions, KeySource} from "./credentials.js";
export {WandbApiError, isWandbApiError} from "./errors.js";
export type {WandbErrorKind} from "./errors.js";
export {GraphqlClient, operationName} from "./graphql-client.js";
export type {ClientStats, GraphqlClientOptions, RequestOptions, RetryInfo} from "./graphql-client.js";
export {HISTORY_PAGE_QUERY, RUN_HISTORY_KEYS_QUERY, fetchHistory, lastHistoryStep, scanHistory} from "./history.js";
export type {HistoryOptions, HistoryPage, HistoryRow} from "./history.js";
export {Limiter, mapLimit} from "./limiter.js";
export {parseNetrc} from "./netrc.js";
export {backoffDelay, isRetryableStatus, parseRetryAfter} from "./retry.js";
export type {RetryOptions} from "./retry.js";
export {RUNS_QUERY, RUN_QUERY, getRun, listRuns, runCount} from "./runs.js";
export type {ListRunsOptions, RunNode} from "./runs.js";
export {appUrl, quotePathSegment, runUrl} from "./run-url.js";
export {fetchTransport, nodeHttpTransport} from "./transport.js";
export {
  RUN_PARQUET_HISTORY_QUERY,
  downloadBytes,
  downloadHistoryExports,
  fetchHistoryFromExports,
  parquetHistoryInfo,
  readHistoryParquet
} from "./parquet-history.js";
export type {DownloadOptions, ExportHistoryOptions, ParquetHistoryInfo} from "./parquet-history.js";
export type {Transport, TransportRequest, TransportResponse} from "./transport.js";
export {
  ARTIFACT_FILE_URLS_QUERY,
  ARTIFACT_MEMBERSHIP_BY_NAME_QUERY,
  ARTIFACT_MEMBERSHIP_FILE_URLS_QUERY,
  ArtifactDownloadError,
  ArtifactError,
  FETCH_ARTIFACT_MANIFEST_QUERY,
  RUN_INPUT_ARTIFACTS_QUERY,
  RUN_OUTPUT_ARTIFACTS_QUERY,
  displayUrl,
  downloadArtifact,
  entryTarget,
  fetchArtifactFileUrls,
  fetchArtifactManifest,
  formatArtifactPath,
  getArtifact,
  globToRegExp,
  listRunArtifacts,
  manifestDigest,
  md5FileBase64,
  parseArtifactPath,
  parseManifest,
  partFiles,
  pathFilter
} from "./artifacts.js";
export type {
  ArtifactDownloadResult,
  ArtifactErrorCode,
  ArtifactInfo,
  ArtifactManifest,
  ArtifactPath,
  ArtifactProgress,
  DownloadArtifactOptions,
  DownloadedFile,
  ManifestEntry,
  RunArtifactsOptions
} from "./artifacts.js";
export {getViewer} from "./viewer.js";
export type {Viewer} from "./viewer.js";

export interface WandbApiOptions {
  /** Default: WANDB_BASE_URL, else https://api.wandb.ai. */
  baseUrl?: string;
  /** Default: WANDB_API_KEY, else the netrc entry for the base URL's host. */
  apiKey?: string | ApiKey;
  /** Per-attempt timeout (connect + whole body). Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 8. */
  maxRetries?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Backoff tuning (base/max delay, Retry-After cap, total budget, jitter source). */
  retry?: Omit<RetryOptions, "maxRetries">;
  /** Use this fetch instead of the default node:http(s) transport. */
  fetch?: typeof fetch;
  transport?: Transport;
  userAgent?: string;
  onRetry?: (info: RetryInfo) => void;
  onResponseText?: (operation: string, text: string) => void;
  /** Environment for key/base URL/entity lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Home folder for ~/.netrc (tests). */
  home?: string;
}

/** The read path of W&B's public GraphQL API: runs, complete history, viewer. */
export class WandbApi {
  readonly baseUrl: string;
  readonly client: GraphqlClient;
  /** WANDB_ENTITY / WANDB_PROJECT at construction. */
  readonly defaultEntity: string | null;
  readonly defaultProject: string | null;
  readonly #env: NodeJS.ProcessEnv;
  readonly #fetch: typeof fetch | undefined;

  constructor(options: WandbApiOptions = {}) {
    const env = options.env ?? process.env;
    const credentials = requireCredentials({apiKey: options.apiKey, baseUrl: options.baseUrl, env, home: options.home});
    this.baseUrl = credentials.baseUrl;
    this.defaultEntity = credentials.entity;
    this.defaultProject = credentials.project;
    this.#env = env;
    this.#fetch = options.fetch;
    this.client = new GraphqlClient({
      baseUrl: credentials.baseUrl,
      apiKey: credentials.apiKey,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency,
      retry: {...options.retry, maxRetries: options.maxRetries},
      fetch: options.fetch,
      transport: options.transport,
      userAgent: options.userAgent,
      onRetry: options.onRetry,
      onResponseText: options.onResponseText
    });
  }

  /** True when a key is configured (option, WANDB_API_KEY or netrc) — without sending anything. */
  static hasCredentials(options: {env?: NodeJS.ProcessEnv; home?: string; baseUrl?: string} = {}): boolean {
    return resolveCredentials(options).apiKey !== null;
  }

  /** Every matching run (full RunFragment unless `lightweight`), paged with cursors. */
  listRuns(options: ListRunsOptions): AsyncGenerator<RunNode> {
    return listRuns(this.client, options);
  }

  runCount(options: Omit<ListRunsOptions, "perPage" | "lightweight" | "order">): Promise<number> {
    return runCount(this.client, options);
  }

  run(entity: string, project: string, runName: string, options: RequestOptions = {}): Promise<RunNode> {
    return getRun(this.client, entity, project, runName, options);
  }

  /** Complete, unsampled history from `minStep` (inclusive), one page per step window. */
  history(entity: string, project: string, runName: string, options: HistoryOptions = {}): AsyncGenerator<HistoryPage> {
    return scanHistory(this.client, entity, project, runName, options);
  }

  historyRows(entity: string, project: string, runName: string, options: HistoryOptions = {}): Promise<HistoryRow[]> {
    return fetchHistory(this.client, entity, project, runName, options);
  }

  lastHistoryStep(entity: string, project: string, runName: string, options: RequestOptions = {}): Promise<number> {
    return lastHistoryStep(this.client, entity, project, runName, options);
  }

  /** Exported parquet files + live rows of a run (RunParquetHistory). */
  parquetHistoryInfo(entity: string, project: string, runName: string, options: RequestOptions = {}): Promise<ParquetHistoryInfo> {
    return parquetHistoryInfo(this.client, entity, project, runName, options);
  }

  /** Complete history via the parquet export + live tail (wandb ≥ 0.27's path). */
  historyFromExports(entity: string, project: string, runName: string, options: ExportHistoryOptions = {}): Promise<HistoryRow[]> {
    return fetchHistoryFromExports(this.client, entity, project, runName, {timeoutMs: this.client.timeoutMs, fetch: this.#fetch, ...options});
  }

  /** Save a run's exported parquet files into `dir` (incomplete error while rows are still live, unless requireComplete: false). */
  downloadHistoryExports(entity: string, project: string, runName: string, dir: string, options: {requireComplete?: boolean; signal?: AbortSignal} = {}) {
    return downloadHistoryExports(this.client, entity, project, runName, dir, {timeoutMs: this.client.timeoutMs, fetch: this.#fetch, ...options});
  }

  /**
   * `entity/project/name:alias` (or `project/name:alias`, `name:alias` with WANDB_ENTITY/WANDB_PROJECT, else the
   * viewer's default entity) → the artifact version. Missing artifact or alias → ArtifactError "not-found".
   */
  async artifact(path: string | ArtifactPath, options: RequestOptions = {}): Promise<ArtifactInfo> {
    return getArtifact(this.client, await this.#artifactPath(path, options), options);
  }

  /** The artifact versions a run logged (`direction: "input"`: the ones it used). */
  runArtifacts(entity: string, project: string, runName: string, options: RunArtifactsOptions = {}): Promise<ArtifactInfo[]> {
    return listRunArtifacts(this.client, entity, project, runName, options);
  }

  /** The manifest (files with sizes and base64 MD5 digests) of an artifact version. */
  async artifactManifest(artifact: string | ArtifactPath | ArtifactInfo, options: RequestOptions = {}): Promise<ArtifactManifest> {
    const info = typeof artifact === "object" && "id" in artifact ? artifact : await this.artifact(artifact, options);
    return fetchArtifactManifest(this.client, info, {fetch: this.#fetch, idleTimeoutMs: this.client.timeoutMs, ...options});
  }

  /**
   * Download an artifact's files (or those matching `filter`) into `dir`: bounded parallelism, `.part` files
   * resumed with Range requests, size + MD5 verified before an atomic rename, files already correct skipped,
   * no credentials sent to storage URLs.
   */
  async downloadArtifact(artifact: string | ArtifactPath | ArtifactInfo, dir: string, options: DownloadArtifactOptions = {}): Promise<ArtifactDownloadResult> {
    const info = typeof artifact === "object" && "id" in artifact ? artifact : await this.artifact(artifact, {signal: options.signal});
    return downloadArtifact(this.client, info, dir, {fetch: this.#fetch, ...options});
  }

  async #artifactPath(path: string | ArtifactPath, options: RequestOptions): Promise<ArtifactPath> {
    if (typeof path !== "string") return path;
    const segments = path.trim().split("/").length;
    let entity = this.defaultEntity;
    if (!entity && segments < 3) entity = (await this.viewer(options)).entity ?? null;
    return parseArtifactPath(path, {entity, project: this.defaultProject});
  }

  viewer(options: RequestOptions = {}): Promise<Viewer> {
    return getViewer(this.client, options);
  }

  runUrl(entity: string, project: string, runId: string): string {
    return runUrl(entity, project, runId, {baseUrl: this.baseUrl, env: this.#env});
  }

  toJSON(): Record<string, unknown> {
    return {baseUrl: this.baseUrl, defaultEntity: this.defaultEntity, defaultProject: this.defaultProject};
  }
}
