import {parsePythonJson} from "../../json/python-json.js";
import {WandbApiError} from "./errors.js";
import type {GraphqlClient, RequestOptions} from "./graphql-client.js";
import {splitHistoryBody} from "./history-body.js";
import {projectNotFound, runNotFound} from "./runs.js";

export const RUN_HISTORY_KEYS_QUERY = `query RunHistoryKeys($project: String!, $entity: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      historyKeys
    }
  }
}`;

/** `scan_history`'s page query (wandb ≤ 0.26 HistoryScan; still the live-tail query of wandb-core). */
export const HISTORY_PAGE_QUERY = `query HistoryPage($entity: String!, $project: String!, $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
  project(name: $project, entityName: $entity) {
    run(name: $run) {
      history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize)
    }
  }
}`;

/** One logged row: every key the run logged at that step, `_step` an integer. */
export type HistoryRow = Record<string, unknown> & {_step: number};

export interface HistoryOptions extends RequestOptions {
  /** First step to fetch, inclusive (an incremental pull passes cached last step + 1). Default 0. */
  minStep?: number;
  /** Last step, exclusive; clamped to historyKeys.lastStep + 1. Default: through the last step. */
  maxStep?: number;
  /** Width of each step window = `samples` of each request. Default 1000 (scan_history's default). */
  pageSize?: number;
  /** The run's historyKeys.lastStep when already known (saves the RunHistoryKeys request). */
  lastStep?: number | null;
  /** When set, the scan fails unless exactly this many rows come back (e.g. historyLineCount for a full pull). */
  expectedRows?: number;
}

export interface HistoryPage {
  /** The requested window [minStep, maxStep). */
  minStep: number;
  maxStep: number;
  rows: HistoryRow[];
  /**
   * Each row's JSON text as the server sent it (`texts[i]` is `rows[i]`), when every row of the page came as
   * one line of JSON text: a cache can store these instead of serialising the rows again.
   */
  texts?: string[];
}

/** `historyKeys.lastStep` of a run (−1 when the run has logged nothing). */
export async function lastHistoryStep(client: GraphqlClient, entity: string, project: string, runName: string, options: RequestOptions = {}): Promise<number> {
  type Data = {project: {run: {historyKeys?: {lastStep?: number | null} | null} | null} | null};
  const data = await client.request<Data>(RUN_HISTORY_KEYS_QUERY, {project, entity, name: runName}, options);
  if (!data.project) throw projectNotFound(entity, project, "RunHistoryKeys");
  if (!data.project.run) throw runNotFound(entity, project, runName, "RunHistoryKeys");
  const last = data.project.run.historyKeys?.lastStep;
  return typeof last === "number" && Number.isFinite(last) ? last : -1;
}

function decodeRow(raw: unknown, where: string): HistoryRow {
  let row: unknown = raw;
  if (typeof raw === "string") {
    try {
      // Plain JSON.parse first (no scan for tokens); only rows with bare NaN/Infinity take the slower path.
      try {
        row = JSON.parse(raw);
      } catch {
        row = parsePythonJson(raw);
      }
    } catch (error) {
      throw new WandbApiError("malformed", `${where}: a history row is not valid JSON (${(error as Error).message})`, {operation: "HistoryPage"});
    }
  }
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    throw new WandbApiError("malformed", `${where}: a history row is not a JSON object`, {operation: "HistoryPage"});
  }
  const step = (row as {_step?: unknown})._step;
  if (typeof step !== "number" || !Number.isFinite(step) || step < 0 || Math.round(step) !== step) {
    throw new WandbApiError("malformed", `${where}: a history row has no integer _step (got ${JSON.stringify(step)})`, {operation: "HistoryPage"});
  }
  return row as HistoryRow;
}

/** HistoryPage bodies split into row texts on the bytes (see history-body.ts); other bodies go the general way. */
function decodeHistoryBody(bytes: Buffer): Record<string, unknown> | undefined {
  const rows = splitHistoryBody(bytes);
  return rows === undefined ? undefined : {project: {run: {history: rows}}};
}

/**
 * The complete history of one run, never sampled, as `scan_history` reads it: windows
 * [a, min(a + pageSize, maxStep)) from `minStep` to historyKeys.lastStep + 1, each one HistoryPage request
 * with `samples = pageSize`. A window is never wider than `samples`, so it holds at most `samples` distinct
 * steps and the server has nothing to downsample. An empty window does not end the scan (steps may have
 * gaps wider than a page). Rows are JSON strings decoded with the NaN/Infinity-tolerant parser; rows outside
 * the window (if a server sent any) are dropped so no step is yielded twice. Yields one page per window
 * (empty pages included, so callers can track progress).
 */
export async function* scanHistory(
  client: GraphqlClient,
  entity: string,
  project: string,
  runName: string,
  options: HistoryOptions = {}
): AsyncGenerator<HistoryPage> {
  const pageSize = options.pageSize ?? 1000;
  const minStep = options.minStep ?? 0;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new WandbApiError("config", `pageSize must be a positive integer, got ${pageSize}`);
  if (!Number.isInteger(minStep) || minStep < 0) throw new WandbApiError("config", `minStep must be a non-negative integer, got ${minStep}`);
  const lastStep =
    options.lastStep === undefined || options.lastStep === null
      ? await lastHistoryStep(client, entity, project, runName, options)
      : options.lastStep;
  const end = Math.min(options.maxStep ?? lastStep + 1, lastStep + 1);
  const where = `history of ${entity}/${project}/${runName}`;
  let total = 0;
  for (let a = minStep; a < end; a += pageSize) {
    const b = Math.min(a + pageSize, end);
    type Data = {project: {run: {history?: unknown} | null} | null};
    const data = await client.request<Data>(
      HISTORY_PAGE_QUERY,
      {entity, project, run: runName, minStep: a, maxStep: b, pageSize},
      {signal: options.signal},
      decodeHistoryBody
    );
    if (!data.project) throw projectNotFound(entity, project, "HistoryPage");
    if (!data.project.run) throw runNotFound(entity, project, runName, "HistoryPage");
    const raw = data.project.run.history;
    if (!Array.isArray(raw)) throw new WandbApiError("malformed", `${where}: "history" is not a list`, {operation: "HistoryPage"});
    let rows: HistoryRow[] = [];
    let texts: string[] | null = [];
    let sorted = true;
    for (const item of raw) {
      const row = decodeRow(item, where);
      if (row._step < a || row._step >= b) continue;
      if (rows.length > 0 && row._step < rows[rows.length - 1]._step) sorted = false;
      rows.push(row);
      if (texts !== null) {
        // A text with a line break (legal JSON whitespace) cannot be one line of a JSON-lines file as it is.
        if (typeof item === "string" && !item.includes("\n") && !item.includes("\r")) texts.push(item);
        else texts = null;
      }
    }
    if (!sorted) {
      const order = rows.map((_, i) => i).sort((x, y) => rows[x]._step - rows[y]._step || x - y);
      rows = order.map((i) => rows[i]);
      if (texts !== null) texts = order.map((i) => texts![i]);
    }
    total += rows.length;
    yield texts === null ? {minStep: a, maxStep: b, rows} : {minStep: a, maxStep: b, rows, texts};
  }
  if (options.expectedRows !== undefined && total !== options.expectedRows) {
    throw new WandbApiError("incomplete", `${where}: expected ${options.expectedRows} rows, got ${total}`, {operation: "HistoryPage"});
  }
}

/** Every row of scanHistory in one array. */
export async function fetchHistory(client: GraphqlClient, entity: string, project: string, runName: string, options: HistoryOptions = {}): Promise<HistoryRow[]> {
  const rows: HistoryRow[] = [];
  for await (const page of scanHistory(client, entity, project, runName, options)) {
    for (const row of page.rows) rows.push(row);
  }
  return rows;
}
