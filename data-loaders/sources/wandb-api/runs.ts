import {WandbApiError} from "./errors.js";
import type {GraphqlClient, RequestOptions} from "./graphql-client.js";

/** Fields of `wandb.Api().runs(..., lazy=True)` (LightweightRunFragment). */
export const LIGHTWEIGHT_RUN_FRAGMENT = `fragment LightweightRunFragment on Run {
  id
  tags
  name
  displayName
  sweepName
  state
  group
  jobType
  commit
  readOnly
  createdAt
  heartbeatAt
  description
  notes
  historyLineCount
  user {
    name
    username
  }
}`;

/** The full run (RunFragment): the lightweight fields plus config, systemMetrics, summaryMetrics, historyKeys. */
export const RUN_FRAGMENT = `fragment RunFragment on Run {
  id
  tags
  name
  displayName
  sweepName
  state
  config
  group
  jobType
  commit
  readOnly
  createdAt
  heartbeatAt
  description
  notes
  systemMetrics
  summaryMetrics
  historyLineCount
  user {
    name
    username
  }
  historyKeys
}`;

function runsQuery(fragment: "RunFragment" | "LightweightRunFragment"): string {
  return `query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    internalId
    runCount(filters: $filters)
    readOnly
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges {
        node {
          projectId
          ...${fragment}
        }
        cursor
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
}
${fragment === "RunFragment" ? RUN_FRAGMENT : LIGHTWEIGHT_RUN_FRAGMENT}`;
}

export const RUNS_QUERY = runsQuery("RunFragment");
export const RUNS_QUERY_LIGHTWEIGHT = runsQuery("LightweightRunFragment");

export const RUN_QUERY = `query Run($project: String!, $entity: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      projectId
      ...RunFragment
    }
  }
}
${RUN_FRAGMENT}`;

/** A run node as the API returns it: config/summaryMetrics/systemMetrics are JSON strings, historyKeys JSON. */
export interface RunNode {
  projectId?: string | number | null;
  id: string;
  name: string;
  displayName?: string | null;
  state?: string | null;
  tags?: string[] | null;
  group?: string | null;
  jobType?: string | null;
  sweepName?: string | null;
  commit?: string | null;
  readOnly?: boolean | null;
  description?: string | null;
  notes?: string | null;
  createdAt?: string | null;
  heartbeatAt?: string | null;
  historyLineCount?: number | null;
  user?: {name?: string | null; username?: string | null} | null;
  config?: string | null;
  systemMetrics?: string | null;
  summaryMetrics?: string | null;
  historyKeys?: {lastStep?: number | null; keys?: Record<string, unknown>} | null;
  [field: string]: unknown;
}

export interface ListRunsOptions extends RequestOptions {
  entity: string;
  project: string;
  /** MongoDB-style filter (sent JSON-encoded as a string); `{}` when absent. */
  filters?: Record<string, unknown>;
  /** `+created_at` (default, oldest first), `-heartbeat_at`, `+config.lr.value`, `-summary_metrics.loss`, ... */
  order?: string;
  /** Runs per request, default 50. */
  perPage?: number;
  /** Lightweight fragment (no config/summary/historyKeys), like `Api.runs(lazy=True)`. Default false. */
  lightweight?: boolean;
}

interface RunsPage {
  project: {
    runCount?: number;
    runs: {
      edges: Array<{node: RunNode; cursor: string}>;
      pageInfo?: {endCursor?: string | null; hasNextPage?: boolean} | null;
    };
  } | null;
}

export function projectNotFound(entity: string, project: string, operation: string): WandbApiError {
  return new WandbApiError("not-found", `W&B project ${entity}/${project} not found (or not visible to this API key)`, {operation});
}

function runsVariables(options: ListRunsOptions, cursor: string | null, perPage: number): Record<string, unknown> {
  return {
    project: options.project,
    entity: options.entity,
    cursor,
    perPage,
    order: options.order ?? "+created_at",
    filters: JSON.stringify(options.filters ?? {})
  };
}

/** One `Runs` page; throws not-found when the project is null. */
async function fetchRunsPage(client: GraphqlClient, options: ListRunsOptions, cursor: string | null, perPage: number) {
  const query = options.lightweight ? RUNS_QUERY_LIGHTWEIGHT : RUNS_QUERY;
  const data = await client.request<RunsPage>(query, runsVariables(options, cursor, perPage), {signal: options.signal});
  if (!data.project) throw projectNotFound(options.entity, options.project, "Runs");
  const runs = data.project.runs;
  if (!runs || !Array.isArray(runs.edges)) {
    throw new WandbApiError("malformed", `W&B answered Runs for ${options.entity}/${options.project} without runs.edges`, {operation: "Runs"});
  }
  return {runCount: data.project.runCount, edges: runs.edges, hasNextPage: runs.pageInfo?.hasNextPage === true};
}

/**
 * Every run of a project matching `filters`, in `order`, fetched page by page like `wandb.Api().runs`:
 * the next cursor is the last edge's `cursor` (not pageInfo.endCursor); paging continues while
 * `pageInfo.hasNextPage` (a missing pageInfo ends it). A page with hasNextPage but no edges is an error
 * (it would loop forever).
 */
export async function* listRuns(client: GraphqlClient, options: ListRunsOptions): AsyncGenerator<RunNode> {
  const perPage = options.perPage ?? 50;
  if (!Number.isInteger(perPage) || perPage < 1) throw new WandbApiError("config", `perPage must be a positive integer, got ${perPage}`);
  let cursor: string | null = null;
  for (;;) {
    const page = await fetchRunsPage(client, options, cursor, perPage);
    for (const edge of page.edges) yield edge.node;
    if (!page.hasNextPage) return;
    if (page.edges.length === 0) {
      throw new WandbApiError("malformed", `W&B answered Runs with hasNextPage but no runs for ${options.entity}/${options.project}`, {operation: "Runs"});
    }
    cursor = page.edges[page.edges.length - 1].cursor;
  }
}

/** `project.runCount` with the same filters (what `len(api.runs(...))` reports). */
export async function runCount(client: GraphqlClient, options: Omit<ListRunsOptions, "perPage" | "lightweight" | "order">): Promise<number> {
  const page = await fetchRunsPage(client, {...options, lightweight: true}, null, 1);
  if (typeof page.runCount !== "number") {
    throw new WandbApiError("malformed", `W&B answered Runs without runCount for ${options.entity}/${options.project}`, {operation: "Runs"});
  }
  return page.runCount;
}

/** One run with the full fragment (`wandb.Api().run(path)`); a missing project or run is a not-found error. */
export async function getRun(client: GraphqlClient, entity: string, project: string, runName: string, options: RequestOptions = {}): Promise<RunNode> {
  const data = await client.request<{project: {run: RunNode | null} | null}>(RUN_QUERY, {entity, project, name: runName}, options);
  if (!data.project) throw projectNotFound(entity, project, "Run");
  if (!data.project.run) throw runNotFound(entity, project, runName, "Run");
  return data.project.run;
}

export function runNotFound(entity: string, project: string, runName: string, operation: string): WandbApiError {
  return new WandbApiError("not-found", `W&B run ${entity}/${project}/${runName} not found`, {operation});
}
