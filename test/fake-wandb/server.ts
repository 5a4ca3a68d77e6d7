/**
 * A fake W&B GraphQL server for tests and benchmarks: real HTTP on 127.0.0.1, the operations and response
 * shapes of /work/shared/reference/wandb-api.md (see §9 "Checklist for a faithful local fake server"),
 * serving a folder of runs in the API's shape (`runs/<id>/run.json` + `runs/<id>/history.jsonl`; default: the
 * embedded sample). Checks the Basic-auth key, injects faults on demand, counts requests per operation, and
 * lets a test append history rows to a run while it is being pulled.
 */
import {createHash, createHmac, randomBytes} from "node:crypto";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {createServer, type IncomingMessage, type ServerResponse} from "node:http";
import type {AddressInfo, Socket} from "node:net";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {Bool, Float64, Int64, Table, tableToIPC, Utf8, vectorFromArray, type Vector} from "apache-arrow";
import {Table as WasmTable, writeParquet} from "parquet-wasm/node";
import {parsePythonJson} from "../../data-loaders/json/python-json.js";
import {FakeArtifactStore, parseRange, signStoragePath, type FakeArtifactSpec, type FakeArtifactVersion} from "./artifacts.js";
import {FaultPlan, type FaultDecision, type FaultKind, type FaultOptions, type ScriptedFault} from "./faults.js";
import {FilterError, matchFilter, orderRuns, type FilterableRun} from "./filters.js";
import {stringifyPythonJson} from "./python-json.js";

export type {FaultKind, FaultOptions, ScriptedFault} from "./faults.js";
export {GROKKING_RESULTS_DIR, fakeManifestDigest, grokkingArtifacts} from "./artifacts.js";
export type {FakeArtifactSpec, FakeArtifactVersion} from "./artifacts.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SAMPLE_DIR = join(REPO_ROOT, "sample", "altgrad-fp8");

const LIGHT_FIELDS = [
  "id", "tags", "name", "displayName", "sweepName", "state", "group", "jobType", "commit", "readOnly",
  "createdAt", "heartbeatAt", "description", "notes", "historyLineCount", "user"
];
const FULL_EXTRA = ["config", "systemMetrics", "summaryMetrics", "historyKeys"];

export interface FakeWandbOptions {
  /** Folder with `runs/<id>/run.json` + `history.jsonl`. Default: the embedded sample (sample/altgrad-fp8). */
  runsDir?: string;
  /** Override the entity/project of every run (default: decoded from each run's global id). */
  entity?: string;
  project?: string;
  /** The accepted key (default: 40 random hex characters). */
  apiKey?: string;
  /** Largest `first` honoured in Runs (bigger requests are clamped). Default 1000. */
  maxPerPage?: number;
  /** Random fault injection. */
  faults?: FaultOptions;
  /** Scripted faults, consumed one per matching request before random ones. */
  script?: Array<ScriptedFault | FaultKind | null>;
  /** Extra delay before every response, ms. */
  latencyMs?: number;
  /** pageInfo.endCursor deliberately differs from the last edge's cursor (clients must use edge cursors). */
  bogusEndCursor?: boolean;
  /** Loaded history counts as exported to parquet (default true); rows appended later are live until exportHistory(). */
  exported?: boolean;
  /** Viewer fields (username/entity). */
  viewer?: {username?: string; entity?: string};
  /** Artifact versions to serve (each spec adds the next version of its collection). */
  artifacts?: FakeArtifactSpec[];
  /** Storage GETs honour `Range: bytes=…` (206/416) — default true; false = always 200 with the whole file. */
  storageRanges?: boolean;
  /** Throttle every storage response body to this many bytes/s (kill/resume tests). */
  storageBytesPerSecond?: number;
  /** Lifetime of presigned storage URLs, ms (default 1 h); an expired URL gets 403 AccessDenied. */
  storageUrlTtlMs?: number;
  /** false: GetArtifactMembershipFileUrls fails like an old server (clients fall back to ArtifactFileUrls). */
  membershipFiles?: boolean;
}

export interface StorageRequestLog {
  operation: "ArtifactFileDownload" | "ArtifactManifestDownload";
  /** Artifact file path (or "wandb_manifest.json"). */
  file: string;
  range: string | null;
  /** Whether the request carried an Authorization header (it never should: presigned URLs). */
  authorization: boolean;
  status: number;
  /** Body bytes written (before a drop). */
  bytes: number;
  fault: FaultKind | null;
}

export interface HistoryRequestLog {
  operation: string;
  run: string;
  minStep: number;
  maxStep: number;
  samples: number;
  rows: number;
}

export interface FakeWandbStats {
  /** Every HTTP request, faults and auth failures included. */
  requests: number;
  byOperation: Record<string, number>;
  faults: Record<string, number>;
  unauthorized: number;
  /** Requests answered normally (no fault), per operation. */
  served: Record<string, number>;
  history: HistoryRequestLog[];
  historyRowsServed: number;
  bytesServed: number;
  /** Basic-auth user names and User-Agent headers seen on authorized GraphQL requests. */
  basicUsers: string[];
  userAgents: string[];
  /** Requests being handled right now / the most at any moment (checks client-side concurrency limits). */
  inFlight: number;
  maxInFlight: number;
  /** Every GET under /storage/ (manifests and artifact files). */
  storage: StorageRequestLog[];
}

class FakeRun implements FilterableRun {
  node: Record<string, unknown>;
  lines: string[];
  steps: number[];
  #encoded: string[] | null = null;
  #rows: Record<string, unknown>[] | null = null;
  #config: Record<string, unknown> | null = null;
  #summary: Record<string, unknown> | null = null;
  #historyKeys: Record<string, unknown> | null = null;
  /** Rows [0, exported) are in the parquet export; the rest are "live". */
  exported: number;
  #parquet: {exported: number; bytes: Buffer} | null = null;
  /** Response bodies of history pages, by row range and sample count (history is append-only). */
  #pages = new Map<string, Buffer>();

  constructor(node: Record<string, unknown>, lines: string[], exported = true) {
    this.node = node;
    this.lines = lines;
    this.exported = exported ? lines.length : 0;
    this.steps = lines.map((line, i) => {
      const match = /"_step"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(line);
      const step = match ? Number(match[1]) : NaN;
      if (!Number.isInteger(step)) throw new Error(`history line ${i + 1} of run ${String(node.name)} has no integer _step`);
      return step;
    });
    for (let i = 1; i < this.steps.length; i++) {
      if (this.steps[i] <= this.steps[i - 1]) throw new Error(`history of run ${String(node.name)} is not strictly increasing in _step`);
    }
    if (typeof node.historyLineCount !== "number") node.historyLineCount = lines.length;
  }

  get name(): string {
    return String(this.node.name);
  }

  /** Every history line as a JSON string literal (what `history` returns: a list of JSON strings). */
  encoded(): string[] {
    return (this.#encoded ??= this.lines.map((line) => JSON.stringify(line)));
  }

  /**
   * The body of a history page: rows [from, to) downsampled to `samples`, built once. Like a real
   * server's cache, it keeps the fake server's own work out of what a client benchmark measures.
   */
  historyPageBody(from: number, to: number, samples: number): {body: Buffer; rows: number} {
    const key = `${from}:${to}:${samples}`;
    let body = this.#pages.get(key);
    const picked = sampleIndices(to - from, samples);
    if (body === undefined) {
      const encoded = this.encoded();
      body = Buffer.from(`{"data":{"project":{"run":{"history":[${picked.map((i) => encoded[from + i]).join(",")}]}}}}`);
      this.#pages.set(key, body);
    }
    return {body, rows: picked.length};
  }

  rows(): Record<string, unknown>[] {
    return (this.#rows ??= this.lines.map((line) => parsePythonJson(line) as Record<string, unknown>));
  }

  config(): Record<string, unknown> {
    return (this.#config ??= parseObject(this.node.config));
  }

  summary(): Record<string, unknown> {
    return (this.#summary ??= parseObject(this.node.summaryMetrics));
  }

  historyKeys(): Record<string, unknown> {
    if (this.#historyKeys) return this.#historyKeys;
    const counts = new Map<string, Map<string, number>>();
    for (const row of this.rows()) {
      for (const [key, value] of Object.entries(row)) {
        const type = typeName(value);
        const byType = counts.get(key) ?? new Map<string, number>();
        byType.set(type, (byType.get(type) ?? 0) + 1);
        counts.set(key, byType);
      }
    }
    const keys: Record<string, unknown> = {};
    for (const [key, byType] of counts) keys[key] = {typeCounts: [...byType].map(([type, count]) => ({type, count}))};
    const lastStep = this.steps.length ? this.steps[this.steps.length - 1] : null;
    return (this.#historyKeys = {lastStep, keys});
  }

  append(lines: string[], rows: Record<string, unknown>[]): void {
    this.lines.push(...lines);
    for (const row of rows) this.steps.push(row._step as number);
    if (this.#encoded) this.#encoded.push(...lines.map((line) => JSON.stringify(line)));
    this.#pages.clear();
    if (this.#rows) this.#rows.push(...rows);
    this.#historyKeys = null;
    const summary = {...this.summary()};
    for (const row of rows) Object.assign(summary, row);
    this.node.summaryMetrics = stringifyPythonJson(summary);
    this.#summary = null;
    this.node.historyLineCount = this.lines.length;
    this.node.heartbeatAt = new Date().toISOString().slice(0, 19);
  }

  /** The first `exported` rows as a parquet file (columns in first-seen order; see historyParquet). */
  parquet(exported: number): Buffer {
    if (this.#parquet?.exported !== exported) this.#parquet = {exported, bytes: historyParquet(this.rows().slice(0, exported))};
    return this.#parquet.bytes;
  }

  /** Indices [from, to) of the rows with minStep <= _step < maxStep. */
  range(minStep: number, maxStep: number): [number, number] {
    return [lowerBound(this.steps, minStep), lowerBound(this.steps, maxStep)];
  }
}

/**
 * History rows → parquet: `_step` int64; numbers float64; booleans bool; strings utf8; a column mixing types,
 * or holding objects/lists, is utf8 JSON (W&B's real column layout for such values is UNCONFIRMED).
 */
export function historyParquet(rows: Record<string, unknown>[]): Buffer {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) if (!seen.has(key)) (seen.add(key), keys.push(key));
  const columns: Record<string, Vector> = {};
  for (const key of keys) {
    const values = rows.map((row) => (key in row ? row[key] : null));
    const kinds = new Set(values.filter((value) => value !== null).map((value) => typeof value));
    const only = kinds.size === 1 ? [...kinds][0] : null;
    if (key === "_step") columns[key] = vectorFromArray(values.map((value) => BigInt(value as number)), new Int64());
    else if (only === "number") columns[key] = vectorFromArray(values as Array<number | null>, new Float64());
    else if (only === "boolean") columns[key] = vectorFromArray(values as Array<boolean | null>, new Bool());
    else if (only === "string") columns[key] = vectorFromArray(values as Array<string | null>, new Utf8());
    else columns[key] = vectorFromArray(values.map((value) => (value === null ? null : stringifyPythonJson(value))), new Utf8());
  }
  const table = new Table(columns);
  return Buffer.from(writeParquet(WasmTable.fromIPCStream(tableToIPC(table, "stream"))));
}

function parseObject(raw: unknown): Record<string, unknown> {
  if (typeof raw !== "string" || raw === "") return typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const parsed = parsePythonJson(raw);
  return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

function typeName(value: unknown): string {
  if (value === null) return "nil";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "list";
  const type = (value as {_type?: unknown})._type;
  return typeof type === "string" ? type : "map";
}

function lowerBound(sorted: number[], target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Evenly spaced indices (first and last kept), like a server downsampling to `samples` rows. */
function sampleIndices(count: number, samples: number): number[] {
  if (count <= samples) return Array.from({length: count}, (_, i) => i);
  if (samples <= 0) return [];
  if (samples === 1) return [0];
  const picked = new Set<number>();
  for (let i = 0; i < samples; i++) picked.add(Math.round((i * (count - 1)) / (samples - 1)));
  return [...picked].sort((a, b) => a - b);
}

function decodeGlobalId(id: unknown): {entity: string; project: string} | null {
  if (typeof id !== "string") return null;
  const match = /^Run:v1:[^:]*:([^:]+):(.+)$/.exec(Buffer.from(id, "base64").toString("utf8"));
  return match ? {project: match[1], entity: match[2]} : null;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`cursor:${offset}`).toString("base64");
}

function decodeCursor(cursor: unknown): number {
  if (cursor === null || cursor === undefined || cursor === "") return 0;
  const match = /^cursor:(\d+)$/.exec(Buffer.from(String(cursor), "base64").toString("utf8"));
  if (!match) throw new FilterError(`invalid cursor ${JSON.stringify(cursor)}`);
  return Number(match[1]);
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: string | Buffer,
    readonly contentType = "application/json"
  ) {}
}

function graphqlError(status: number, message: string): HttpAnswer {
  return new HttpAnswer(status, JSON.stringify({errors: [{message}], data: null}));
}

export class FakeWandbServer {
  readonly apiKey: string;
  url = "";
  readonly stats: FakeWandbStats = FakeWandbServer.emptyStats();
  readonly faults = new FaultPlan();
  readonly artifacts = new FakeArtifactStore();
  readonly #options: FakeWandbOptions;
  #storageRate: number | undefined;
  /** Storage URLs carry the generation they were issued in; expireStorageUrls() bumps it. */
  #storageGeneration = 0;
  /** "entity/project" → run name → run, in load order (createdAt, then name). */
  readonly #projects = new Map<string, Map<string, FakeRun>>();
  readonly #server = createServer((request, response) => this.#handle(request, response));
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #secret = randomBytes(16);

  constructor(options: FakeWandbOptions = {}) {
    this.#options = options;
    this.apiKey = options.apiKey ?? randomBytes(20).toString("hex");
    this.#load(options.runsDir ?? SAMPLE_DIR);
    if (options.faults) this.faults.setRandom(options.faults);
    if (options.script) this.faults.setScript(options.script);
    for (const spec of options.artifacts ?? []) this.artifacts.add(spec);
    this.#storageRate = options.storageBytesPerSecond;
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static emptyStats(): FakeWandbStats {
    return {requests: 0, byOperation: {}, faults: {}, unauthorized: 0, served: {}, history: [], historyRowsServed: 0, bytesServed: 0, basicUsers: [], userAgents: [], inFlight: 0, maxInFlight: 0, storage: []};
  }

  resetStats(): void {
    const inFlight = this.stats.inFlight;
    Object.assign(this.stats, FakeWandbServer.emptyStats(), {inFlight, maxInFlight: inFlight});
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, "127.0.0.1", () => resolve());
    });
    const {port} = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
    });
  }

  /** Entity/project pairs served. */
  projects(): Array<{entity: string; project: string; runs: number}> {
    return [...this.#projects].map(([key, runs]) => {
      const [entity, ...rest] = key.split("/");
      return {entity, project: rest.join("/"), runs: runs.size};
    });
  }

  #load(runsDir: string): void {
    const folder = existsSync(join(runsDir, "runs")) ? join(runsDir, "runs") : runsDir;
    const loaded: Array<{key: string; run: FakeRun}> = [];
    for (const id of readdirSync(folder).sort()) {
      const runFile = join(folder, id, "run.json");
      if (!existsSync(runFile)) continue;
      const node = parsePythonJson(readFileSync(runFile, "utf8")) as Record<string, unknown>;
      const historyFile = join(folder, id, "history.jsonl");
      const lines = existsSync(historyFile) ? readFileSync(historyFile, "utf8").split("\n").filter((line) => line.trim() !== "") : [];
      const decoded = decodeGlobalId(node.id);
      const entity = this.#options.entity ?? decoded?.entity ?? "fake-entity";
      const project = this.#options.project ?? decoded?.project ?? "fake-project";
      loaded.push({key: `${entity}/${project}`, run: new FakeRun(node, lines, this.#options.exported ?? true)});
    }
    loaded.sort((a, b) => String(a.run.node.createdAt ?? "").localeCompare(String(b.run.node.createdAt ?? "")) || a.run.name.localeCompare(b.run.name));
    for (const {key, run} of loaded) {
      const runs = this.#projects.get(key) ?? new Map<string, FakeRun>();
      runs.set(run.name, run);
      this.#projects.set(key, runs);
    }
  }

  #project(entity: unknown, project: unknown): Map<string, FakeRun> | undefined {
    return this.#projects.get(`${String(entity)}/${String(project)}`);
  }

  #findRun(runName: string): FakeRun {
    for (const runs of this.#projects.values()) {
      const run = runs.get(runName);
      if (run) return run;
    }
    throw new Error(`fake W&B: no run ${runName}`);
  }

  /** Change the per-response storage throttle (bytes/s; undefined = full speed). */
  setStorageThrottle(bytesPerSecond: number | undefined): void {
    this.#storageRate = bytesPerSecond;
  }

  /** Every storage URL handed out so far now answers 403 "Request has expired" (presigned URL expiry). */
  expireStorageUrls(): void {
    this.#storageGeneration++;
  }

  /** Serve a folder as the next version of an artifact collection. */
  addArtifact(spec: FakeArtifactSpec): FakeArtifactVersion {
    return this.artifacts.add(spec);
  }

  /** The stored run node (mutable; for tests that change state etc.). */
  runNode(runName: string): Record<string, unknown> {
    return this.#findRun(runName).node;
  }

  /** The history lines of a run as stored (raw JSON text). */
  historyLines(runName: string): string[] {
    return [...this.#findRun(runName).lines];
  }

  /**
   * Append history rows to a run (objects, or raw JSON lines): steps must increase past the last one.
   * Updates historyLineCount, heartbeatAt, the summary (last value of each key) and historyKeys.lastStep.
   */
  appendHistory(runName: string, rows: Array<Record<string, unknown> | string>): void {
    const run = this.#findRun(runName);
    let last = run.steps.length ? run.steps[run.steps.length - 1] : -1;
    const lines: string[] = [];
    const parsed: Record<string, unknown>[] = [];
    for (const row of rows) {
      const object = (typeof row === "string" ? parsePythonJson(row) : row) as Record<string, unknown>;
      const step = object._step;
      if (typeof step !== "number" || !Number.isInteger(step) || step <= last) {
        throw new Error(`fake W&B: appended rows need integer _step > ${last}, got ${JSON.stringify(step)}`);
      }
      last = step;
      lines.push(typeof row === "string" ? row : stringifyPythonJson(row));
      parsed.push(object);
    }
    run.append(lines, parsed);
  }

  /** Add a new run (node fields as in run.json) with optional history lines. */
  addRun(entity: string, project: string, node: Record<string, unknown>, history: Array<Record<string, unknown> | string> = []): void {
    const name = String(node.name);
    const full: Record<string, unknown> = {
      id: Buffer.from(`Run:v1:${name}:${project}:${entity}`).toString("base64"),
      createdAt: new Date().toISOString().slice(0, 19),
      heartbeatAt: new Date().toISOString().slice(0, 19),
      state: "running",
      config: "{}",
      summaryMetrics: "{}",
      tags: [],
      ...node
    };
    const lines = history.map((row) => (typeof row === "string" ? row : stringifyPythonJson(row)));
    const key = `${entity}/${project}`;
    const runs = this.#projects.get(key) ?? new Map<string, FakeRun>();
    runs.set(name, new FakeRun(full, lines, false));
    this.#projects.set(key, runs);
  }

  // ------------------------------------------------------------------------------------------- HTTP

  #count(record: Record<string, number>, key: string): void {
    record[key] = (record[key] ?? 0) + 1;
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    this.stats.requests++;
    this.stats.inFlight++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.stats.inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        this.stats.inFlight--;
      }
    };
    response.on("finish", finish);
    response.on("close", finish);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        this.#respond(request, response, body);
      } catch (error) {
        this.#send(response, graphqlError(500, `fake W&B internal error: ${(error as Error).message}`));
      }
    });
  }

  #authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization ?? "";
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header);
    if (!match) return false;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1 || decoded.slice(colon + 1) !== this.apiKey) return false;
    const user = decoded.slice(0, colon);
    if (!this.stats.basicUsers.includes(user)) this.stats.basicUsers.push(user);
    const agent = String(request.headers["user-agent"] ?? "");
    if (!this.stats.userAgents.includes(agent)) this.stats.userAgents.push(agent);
    return true;
  }

  #respond(request: IncomingMessage, response: ServerResponse, body: string): void {
    if (request.method === "GET" && (request.url ?? "").startsWith("/files/")) {
      this.#download(request, response);
      return;
    }
    if (request.method === "GET" && (request.url ?? "").startsWith("/storage/")) {
      this.#storage(request, response);
      return;
    }
    if (request.method !== "POST" || (request.url ?? "").split("?")[0] !== "/graphql") {
      this.#send(response, new HttpAnswer(404, JSON.stringify({error: "not found"})));
      return;
    }
    if (!this.#authorized(request)) {
      this.stats.unauthorized++;
      this.#send(response, graphqlError(401, "permission denied"));
      return;
    }
    let payload: {query?: unknown; variables?: unknown};
    try {
      payload = JSON.parse(body);
    } catch {
      this.#send(response, graphqlError(400, "request body is not JSON"));
      return;
    }
    const query = typeof payload.query === "string" ? payload.query : "";
    const operation = /^\s*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(query)?.[1] ?? "anonymous";
    this.#count(this.stats.byOperation, operation);
    const fault = this.faults.decide(operation, body);
    if (this.#failEarly(request, response, fault)) return;
    const variables = (typeof payload.variables === "object" && payload.variables !== null ? payload.variables : {}) as Record<string, unknown>;
    let answer: HttpAnswer;
    try {
      answer = this.#execute(operation, query, variables);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      answer = graphqlError(400, error.message);
    }
    if (!fault || fault.kind === "slow") this.#count(this.stats.served, operation);
    this.#deliver(response, answer, fault);
  }

  /** Faults answered before any work: reset, 429, 5xx. True when the request is done. */
  #failEarly(request: IncomingMessage, response: ServerResponse, fault: FaultDecision | null): boolean {
    if (fault) this.#count(this.stats.faults, fault.kind);
    if (fault?.kind === "reset") {
      request.socket.destroy();
      return true;
    }
    if (fault?.kind === "rate-limit") {
      const headers: Record<string, string> = {"RateLimit-Limit": "1000", "RateLimit-Remaining": "0", "RateLimit-Reset": fault.retryAfter ?? "1"};
      if (fault.retryAfter !== null) headers["Retry-After"] = fault.retryAfter;
      this.#send(response, graphqlError(429, "rate limit exceeded"), headers);
      return true;
    }
    if (fault?.kind === "server-error") {
      const answer = fault.status === 502
        ? new HttpAnswer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        : graphqlError(fault.status, fault.status === 503 ? "service unavailable" : "internal server error");
      this.#send(response, answer);
      return true;
    }
    return false;
  }

  /** GET of a signed parquet URL: no Authorization needed, the signature in the query string is checked. */
  #download(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://fake");
    const operation = "ParquetDownload";
    this.#count(this.stats.byOperation, operation);
    const match = /^\/files\/parquet\/([^/]+)\/([^/]+)\/([^/]+)\/(\d+)-0\.parquet$/.exec(url.pathname);
    const signature = url.searchParams.get("X-Signature");
    if (!match || signature !== this.#sign(url.pathname)) {
      this.#send(response, new HttpAnswer(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>", "application/xml"));
      return;
    }
    const [, entity, project, runName, exported] = match.map(decodeURIComponent);
    const run = this.#project(entity, project)?.get(runName);
    if (!run) {
      this.#send(response, new HttpAnswer(404, "<Error><Code>NoSuchKey</Code></Error>", "application/xml"));
      return;
    }
    const fault = this.faults.decide(operation, request.url ?? "");
    if (this.#failEarly(request, response, fault)) return;
    const bytes = run.parquet(Number(exported));
    if (!fault || fault.kind === "slow") this.#count(this.stats.served, operation);
    this.#deliver(response, new HttpAnswer(200, bytes, "application/vnd.apache.parquet"), fault);
  }

  #sign(path: string): string {
    return createHmac("sha256", this.#secret).update(path).digest("hex").slice(0, 32);
  }

  #deliver(response: ServerResponse, answer: HttpAnswer, fault: FaultDecision | null): void {
    const delay = (this.#options.latencyMs ?? 0) + (fault?.kind === "slow" ? fault.slowMs : 0);
    const go = () => {
      if (response.destroyed || response.writableEnded) return;
      if (fault?.kind === "malformed") {
        this.#send(response, new HttpAnswer(200, answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))), answer.contentType));
      } else if (fault?.kind === "drop") {
        const bytes = Buffer.from(answer.body);
        response.writeHead(answer.status, {"Content-Type": answer.contentType, "Content-Length": String(bytes.length)});
        response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.destroy());
      } else {
        this.#send(response, answer);
      }
    };
    if (delay <= 0) return go();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      go();
    }, delay);
    this.#timers.add(timer);
  }

  #send(response: ServerResponse, answer: HttpAnswer, headers: Record<string, string> = {}): void {
    if (response.destroyed || response.writableEnded) return;
    const bytes = typeof answer.body === "string" ? Buffer.from(answer.body) : answer.body;
    this.stats.bytesServed += bytes.length;
    response.writeHead(answer.status, {"Content-Type": answer.contentType, "Content-Length": String(bytes.length), ...headers});
    response.end(bytes);
  }

  // -------------------------------------------------------------------------------------- artifacts

  #projectExists(entity: unknown, project: unknown): boolean {
    return this.#project(entity, project) !== undefined || this.artifacts.hasProject(String(entity), String(project));
  }

  /** A presigned-looking URL on this server: expiry + HMAC signature in the query string, no auth needed. */
  #storageUrl(path: string): string {
    const expires = Date.now() + (this.#options.storageUrlTtlMs ?? 3_600_000);
    const generation = this.#storageGeneration;
    return `${this.url}${path}?X-Expires=${expires}&X-Gen=${generation}&X-Signature=${signStoragePath(this.#secret, `${path}\n${generation}`, expires)}`;
  }

  #fileUrl(version: FakeArtifactVersion, file: {path: string; md5hex: string}): string {
    return this.#storageUrl(`/storage/files/${encodeURIComponent(version.id)}/${file.md5hex}/${file.path.split("/").map(encodeURIComponent).join("/")}`);
  }

  #filesConnection(version: FakeArtifactVersion, variables: Record<string, unknown>): Record<string, unknown> {
    const perPage = Math.min(Number(variables.perPage ?? 50), this.#options.maxPerPage ?? 1000);
    if (!Number.isInteger(perPage) || perPage < 1) throw new FilterError(`invalid first: ${String(variables.perPage)}`);
    const offset = decodeCursor(variables.cursor);
    const page = version.files.slice(offset, offset + perPage);
    const end = offset + page.length;
    return {
      pageInfo: {__typename: "PageInfo", endCursor: page.length ? encodeCursor(end) : null, hasNextPage: end < version.files.length},
      edges: page.map((file) => ({node: {name: file.path, directUrl: this.#fileUrl(version, file)}}))
    };
  }

  #artifactOperation(operation: string, variables: Record<string, unknown>): HttpAnswer {
    const ok = (data: unknown) => new HttpAnswer(200, JSON.stringify({data}));
    const entity = String(variables.entity ?? variables.entityName);
    const project = String(variables.project ?? variables.projectName);
    switch (operation) {
      case "ArtifactMembershipByName": {
        if (!this.#projectExists(entity, project)) return ok({project: null});
        const version = this.artifacts.resolve(entity, project, String(variables.name));
        return ok({project: {artifactCollectionMembership: version ? this.artifacts.membership(version) : null}});
      }
      case "FetchArtifactManifest": {
        const version = this.artifacts.byId.get(String(variables.id));
        if (!version) return ok({artifact: null});
        const url = this.#storageUrl(`/storage/manifests/${encodeURIComponent(version.id)}/wandb_manifest.json`);
        return ok({artifact: {currentManifest: {file: {directUrl: url}}}});
      }
      case "GetArtifactMembershipFileUrls":
      case "ArtifactCollectionMembershipFileUrls": {
        if (this.#options.membershipFiles === false) return graphqlError(400, 'Cannot query field "artifactMembership" on type "ArtifactCollection".');
        if (!this.#projectExists(entity, project)) return ok({project: null});
        const name = String(variables.collection ?? variables.artifactName);
        if (!this.artifacts.collections.has(`${entity}/${project}/${name}`)) return ok({project: {artifactCollection: null}});
        const version = this.artifacts.resolveAlias(entity, project, name, String(variables.alias ?? variables.artifactVersionIndex));
        return ok({project: {artifactCollection: {artifactMembership: version ? {files: this.#filesConnection(version, variables)} : null}}});
      }
      case "ArtifactFileUrls":
      case "GetArtifactFileUrls": {
        const version = this.artifacts.byId.get(String(variables.id));
        return ok({artifact: version ? {files: this.#filesConnection(version, variables)} : null});
      }
      default: {
        // RunOutputArtifacts / RunInputArtifacts
        if (!this.#projectExists(entity, project)) return ok({project: null});
        const runName = String(variables.run ?? variables.runName ?? variables.name);
        if (!this.#project(entity, project)?.has(runName)) return ok({project: {run: null}});
        const all = this.artifacts.ofRun(entity, project, runName, operation === "RunOutputArtifacts" ? "output" : "input");
        const perPage = Math.min(Number(variables.perPage ?? 50), this.#options.maxPerPage ?? 1000);
        const offset = decodeCursor(variables.cursor);
        const page = all.slice(offset, offset + perPage);
        const end = offset + page.length;
        return ok({
          project: {
            run: {
              artifacts: {
                totalCount: all.length,
                pageInfo: {__typename: "PageInfo", endCursor: page.length ? encodeCursor(end) : null, hasNextPage: end < all.length},
                edges: page.map((version) => ({node: this.artifacts.fragment(version)}))
              }
            }
          }
        });
      }
    }
  }

  /**
   * GET of a presigned storage URL (manifest or artifact file). Checks signature and expiry (never the
   * Authorization header, which it records), honours a single `Range: bytes=…` (206 / 416) unless
   * storageRanges is false, and applies faults: 429/5xx/reset, drop (part of the body, then the socket is
   * destroyed), malformed (a clean but short body), corrupt (one byte flipped), slow.
   */
  #storage(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://fake");
    const path = url.pathname;
    const manifestMatch = /^\/storage\/manifests\/([^/]+)\/wandb_manifest\.json$/.exec(path);
    const fileMatch = /^\/storage\/files\/([^/]+)\/([0-9a-f]{32})\/(.+)$/.exec(path);
    const operation = manifestMatch ? "ArtifactManifestDownload" : "ArtifactFileDownload";
    this.#count(this.stats.byOperation, operation);
    const filePath = fileMatch ? fileMatch[3].split("/").map(decodeURIComponent).join("/") : "wandb_manifest.json";
    const range = typeof request.headers.range === "string" ? request.headers.range : null;
    const log: StorageRequestLog = {operation, file: filePath, range, authorization: request.headers.authorization !== undefined, status: 0, bytes: 0, fault: null};
    this.stats.storage.push(log);
    const xml = (status: number, code: string, message: string) => {
      log.status = status;
      this.#send(response, new HttpAnswer(status, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`, "application/xml"));
    };
    const expires = Number(url.searchParams.get("X-Expires"));
    const generation = Number(url.searchParams.get("X-Gen"));
    if ((!manifestMatch && !fileMatch) || url.searchParams.get("X-Signature") !== signStoragePath(this.#secret, `${path}\n${generation}`, expires)) {
      return xml(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
    }
    if (!Number.isFinite(expires) || Date.now() > expires || generation < this.#storageGeneration) return xml(403, "AccessDenied", "Request has expired");
    const version = this.artifacts.byId.get(decodeURIComponent((manifestMatch ?? fileMatch)![1]));
    let body: Buffer | undefined;
    if (version && manifestMatch) body = Buffer.from(version.manifest);
    else if (version && fileMatch) body = version.files.find((file) => file.path === filePath && file.md5hex === fileMatch[2])?.bytes;
    if (!version || !body) return xml(404, "NoSuchKey", "The specified key does not exist.");
    const fault = this.faults.decide(operation, `${path} ${range ?? ""}`, filePath);
    log.fault = fault?.kind ?? null;
    if (fault && ["reset", "rate-limit", "server-error"].includes(fault.kind)) {
      log.status = fault.kind === "rate-limit" ? 429 : fault.kind === "server-error" ? fault.status : 0;
      this.#failEarly(request, response, fault);
      return;
    }
    if (fault) this.#count(this.stats.faults, fault.kind);
    const size = body.length;
    const headers: Record<string, string> = {"Content-Type": manifestMatch ? "application/json" : "application/octet-stream", ETag: `"${createHash("md5").update(body).digest("hex")}"`};
    let status = 200;
    if (this.#options.storageRanges !== false) {
      headers["Accept-Ranges"] = "bytes";
      const wanted = parseRange(range ?? undefined, size);
      if (wanted === "unsatisfiable") {
        log.status = 416;
        this.#send(response, new HttpAnswer(416, ""), {"Content-Range": `bytes */${size}`});
        return;
      }
      if (wanted) {
        status = 206;
        headers["Content-Range"] = `bytes ${wanted[0]}-${wanted[1]}/${size}`;
        body = body.subarray(wanted[0], wanted[1] + 1);
      }
    }
    if (fault?.kind === "corrupt" && body.length > 0) {
      body = Buffer.from(body);
      const at = Math.min(body.length - 1, fault.atByte ?? Math.floor(body.length / 2));
      body[at] ^= 0xff;
    }
    let sendBytes = body.length;
    let drop = false;
    if (fault?.kind === "malformed") body = body.subarray(0, (sendBytes = Math.floor(body.length / 2)));
    if (fault?.kind === "drop") {
      drop = true;
      sendBytes = Math.min(body.length, fault.atByte ?? Math.floor(body.length / 2));
    }
    if (!fault || fault.kind === "slow") this.#count(this.stats.served, operation);
    headers["Content-Length"] = String(body.length);
    log.status = status;
    const delay = (this.#options.latencyMs ?? 0) + (fault?.kind === "slow" ? fault.slowMs : 0);
    this.#later(delay, () => this.#streamBody(response, status, headers, body!, sendBytes, drop, log));
  }

  #later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  /** Write `body[0, limit)` (throttled when storageBytesPerSecond is set); then end, or destroy the socket when `drop`. */
  #streamBody(response: ServerResponse, status: number, headers: Record<string, string>, body: Buffer, limit: number, drop: boolean, log: StorageRequestLog): void {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(status, headers);
    const rate = this.#storageRate;
    const chunk = rate ? Math.max(1024, Math.floor(rate / 20)) : 256 * 1024;
    let offset = 0;
    const step = () => {
      if (response.destroyed) return;
      if (offset >= limit) {
        if (!drop) response.end();
        else if (limit === 0) response.destroy();
        return;
      }
      const end = Math.min(limit, offset + chunk);
      const last = end >= limit;
      const slice = body.subarray(offset, end);
      this.stats.bytesServed += slice.length;
      log.bytes += slice.length;
      offset = end;
      const flushed = response.write(slice, last && drop ? () => response.destroy() : undefined);
      if (last) return drop ? undefined : void response.end();
      if (rate) this.#later(Math.round((slice.length / rate) * 1000), step);
      else if (flushed) setImmediate(step);
      else response.once("drain", step);
    };
    step();
  }

  // ------------------------------------------------------------------------------------- operations

  #execute(operation: string, query: string, variables: Record<string, unknown>): HttpAnswer {
    const ok = (data: unknown) => new HttpAnswer(200, JSON.stringify({data}));
    switch (operation) {
      case "GetViewer":
      case "Viewer":
      case "GetDefaultEntity": {
        const username = this.#options.viewer?.username ?? "fake-user";
        const entity = this.#options.viewer?.entity ?? this.projects()[0]?.entity ?? username;
        return ok({viewer: {id: Buffer.from(`User:${username}`).toString("base64"), name: username, username, email: `${username}@example.invalid`, admin: false, entity, flags: null, teams: {edges: []}}});
      }
      case "Runs":
        return this.#runs(query, variables);
      case "Run": {
        const runs = this.#project(variables.entity, variables.project);
        if (!runs) return ok({project: null});
        const run = runs.get(String(variables.name));
        return ok({project: {run: run ? this.#node(run, false) : null}});
      }
      case "RunState": {
        const runs = this.#project(variables.entity, variables.project);
        if (!runs) return ok({project: null});
        const run = runs.get(String(variables.name));
        return ok({project: {run: run ? {state: run.node.state ?? null} : null}});
      }
      case "RunHistoryKeys": {
        const runs = this.#project(variables.entity, variables.project);
        if (!runs) return ok({project: null});
        const run = runs.get(String(variables.name ?? variables.run ?? variables.runName));
        return ok({project: {run: run ? {historyKeys: run.historyKeys()} : null}});
      }
      case "HistoryPage":
        return this.#historyPage(variables);
      case "RunParquetHistory":
        return this.#parquetHistory(variables);
      case "RunFullHistory":
        return this.#fullHistory(variables);
      case "RunSampledHistory":
      case "SampledHistoryPage":
        return this.#sampledHistory(operation, variables);
      case "ArtifactMembershipByName":
      case "FetchArtifactManifest":
      case "GetArtifactMembershipFileUrls":
      case "ArtifactCollectionMembershipFileUrls":
      case "ArtifactFileUrls":
      case "GetArtifactFileUrls":
      case "RunOutputArtifacts":
      case "RunInputArtifacts":
        return this.#artifactOperation(operation, variables);
      default:
        return graphqlError(400, `Cannot query operation "${operation}" on the fake W&B server`);
    }
  }

  #node(run: FakeRun, lightweight: boolean): Record<string, unknown> {
    const node: Record<string, unknown> = {projectId: "1"};
    for (const field of LIGHT_FIELDS) node[field] = run.node[field] ?? null;
    if (!lightweight) {
      node.config = run.node.config ?? "{}";
      node.systemMetrics = run.node.systemMetrics ?? "{}";
      node.summaryMetrics = run.node.summaryMetrics ?? "{}";
      node.historyKeys = run.historyKeys();
    }
    if (node.tags === null) node.tags = [];
    return node;
  }

  #runs(query: string, variables: Record<string, unknown>): HttpAnswer {
    const runs = this.#project(variables.entity, variables.project);
    if (!runs) return new HttpAnswer(200, JSON.stringify({data: {project: null}}));
    let filters: unknown = variables.filters ?? {};
    if (typeof filters === "string") {
      try {
        filters = JSON.parse(filters);
      } catch {
        throw new FilterError("filters is not valid JSON");
      }
    }
    const matching = orderRuns([...runs.values()].filter((run) => matchFilter(run, filters)), variables.order as string | undefined);
    const perPage = Math.min(Number(variables.perPage ?? 50), this.#options.maxPerPage ?? 1000);
    if (!Number.isInteger(perPage) || perPage < 0) throw new FilterError(`invalid first: ${String(variables.perPage)}`);
    const offset = decodeCursor(variables.cursor);
    const page = matching.slice(offset, offset + perPage);
    const lightweight = /\.\.\.\s*LightweightRunFragment\b/.test(query);
    const edges = page.map((run, i) => ({node: this.#node(run, lightweight), cursor: encodeCursor(offset + i + 1)}));
    const hasNextPage = offset + page.length < matching.length;
    const endCursor = edges.length === 0 ? null : this.#options.bogusEndCursor ? "not-a-cursor" : edges[edges.length - 1].cursor;
    return new HttpAnswer(200, JSON.stringify({
      data: {
        project: {
          internalId: Buffer.from(`Project:${String(variables.entity)}/${String(variables.project)}`).toString("base64"),
          runCount: matching.length,
          readOnly: false,
          runs: {edges, pageInfo: {endCursor, hasNextPage}}
        }
      }
    }));
  }

  /** `history(minStep, maxStep, samples)` → a list of JSON strings, steps in [minStep, maxStep), ≤ samples rows. */
  #historyPage(variables: Record<string, unknown>): HttpAnswer {
    const runs = this.#project(variables.entity, variables.project);
    if (!runs) return new HttpAnswer(200, '{"data":{"project":null}}');
    const runName = String(variables.run ?? variables.name);
    const run = runs.get(runName);
    if (!run) return new HttpAnswer(200, '{"data":{"project":{"run":null}}}');
    const minStep = Number(variables.minStep ?? 0);
    const maxStep = Number(variables.maxStep ?? Number.MAX_SAFE_INTEGER);
    const samples = Number(variables.pageSize ?? variables.samples ?? 500);
    const [from, to] = run.range(minStep, maxStep);
    const {body, rows} = run.historyPageBody(from, to, samples);
    this.stats.history.push({operation: "HistoryPage", run: runName, minStep, maxStep, samples, rows});
    this.stats.historyRowsServed += rows;
    return new HttpAnswer(200, body);
  }

  /** `parquetHistory(liveKeys)`: signed URLs of the exported rows + the live (not exported) rows' live keys. */
  #parquetHistory(variables: Record<string, unknown>): HttpAnswer {
    const runs = this.#project(variables.entity, variables.project);
    if (!runs) return new HttpAnswer(200, '{"data":{"project":null}}');
    const runName = String(variables.runName ?? variables.name);
    const run = runs.get(runName);
    if (!run) return new HttpAnswer(200, '{"data":{"project":{"run":null}}}');
    const liveKeys = Array.isArray(variables.liveKeys) ? (variables.liveKeys as string[]) : ["_step"];
    const parquetUrls: string[] = [];
    if (run.exported > 0) {
      const path = `/files/parquet/${[String(variables.entity), String(variables.project), runName].map(encodeURIComponent).join("/")}/${run.exported}-0.parquet`;
      parquetUrls.push(`${this.url}${path}?X-Signature=${this.#sign(path)}`);
    }
    const liveData = run.rows().slice(run.exported).map((row) => {
      const out: Record<string, unknown> = {};
      for (const key of liveKeys) if (key in row) out[key] = row[key];
      return out;
    });
    return new HttpAnswer(200, `{"data":{"project":{"run":{"parquetHistory":${stringifyPythonJson({parquetUrls, liveData})}}}}}`);
  }

  /** Mark every row of a run as exported to parquet (appended rows are live until then). */
  exportHistory(runName: string): void {
    const run = this.#findRun(runName);
    run.exported = run.lines.length;
  }

  /** `history(samples)` without a window: the whole history downsampled (what `run.history()` reads). */
  #fullHistory(variables: Record<string, unknown>): HttpAnswer {
    const runs = this.#project(variables.entity, variables.project);
    if (!runs) return new HttpAnswer(200, '{"data":{"project":null}}');
    const runName = String(variables.name ?? variables.run);
    const run = runs.get(runName);
    if (!run) return new HttpAnswer(200, '{"data":{"project":{"run":null}}}');
    const samples = Number(variables.samples ?? 500);
    const encoded = run.encoded();
    const picked = sampleIndices(encoded.length, samples).map((i) => encoded[i]);
    this.stats.history.push({operation: "RunFullHistory", run: runName, minStep: 0, maxStep: Infinity, samples, rows: picked.length});
    this.stats.historyRowsServed += picked.length;
    return new HttpAnswer(200, `{"data":{"project":{"run":{"history":[${picked.join(",")}]}}}}`);
  }

  /** `sampledHistory(specs)`: per spec, rows holding every requested key (spec maxStep inclusive), as JSON. */
  #sampledHistory(operation: string, variables: Record<string, unknown>): HttpAnswer {
    const runs = this.#project(variables.entity, variables.project);
    if (!runs) return new HttpAnswer(200, '{"data":{"project":null}}');
    const runName = String(variables.name ?? variables.run);
    const run = runs.get(runName);
    if (!run) return new HttpAnswer(200, '{"data":{"project":{"run":null}}}');
    const rawSpecs = Array.isArray(variables.specs) ? variables.specs : [variables.spec];
    const results = rawSpecs.map((raw) => {
      const spec = (typeof raw === "string" ? JSON.parse(raw) : raw) as {keys?: string[]; minStep?: number; maxStep?: number; samples?: number};
      const keys = spec.keys ?? [];
      const minStep = spec.minStep ?? 0;
      const maxStep = spec.maxStep ?? Number.MAX_SAFE_INTEGER;
      const rows = run.rows().filter((row) => {
        const step = row._step as number;
        return step >= minStep && step <= maxStep && keys.every((key) => key in row);
      });
      const picked = sampleIndices(rows.length, spec.samples ?? 500).map((i) => {
        const out: Record<string, unknown> = {};
        for (const key of keys) out[key] = rows[i][key];
        return out;
      });
      this.stats.history.push({operation, run: runName, minStep, maxStep: maxStep + 1, samples: spec.samples ?? 500, rows: picked.length});
      this.stats.historyRowsServed += picked.length;
      return picked;
    });
    return new HttpAnswer(200, `{"data":{"project":{"run":{"sampledHistory":${stringifyPythonJson(results)}}}}}`);
  }
}

export interface FakeWandb {
  url: string;
  apiKey: string;
  stats: FakeWandbStats;
  server: FakeWandbServer;
  stop(): Promise<void>;
  appendHistory(runName: string, rows: Array<Record<string, unknown> | string>): void;
  addRun(entity: string, project: string, node: Record<string, unknown>, history?: Array<Record<string, unknown> | string>): void;
  addArtifact(spec: FakeArtifactSpec): FakeArtifactVersion;
  exportHistory(runName: string): void;
  setFaults(options: FaultOptions | null): void;
  script(faults: Array<ScriptedFault | FaultKind | null>): void;
  resetStats(): void;
}

/** Start a fake W&B server on 127.0.0.1 (random port). */
export async function startFakeWandb(options: FakeWandbOptions = {}): Promise<FakeWandb> {
  const server = new FakeWandbServer(options);
  const url = await server.listen();
  return {
    url,
    apiKey: server.apiKey,
    stats: server.stats,
    server,
    stop: () => server.stop(),
    appendHistory: (runName, rows) => server.appendHistory(runName, rows),
    addRun: (entity, project, node, history) => server.addRun(entity, project, node, history),
    addArtifact: (spec) => server.addArtifact(spec),
    exportHistory: (runName) => server.exportHistory(runName),
    setFaults: (faults) => server.faults.setRandom(faults),
    script: (faults) => server.faults.setScript(faults),
    resetStats: () => server.resetStats()
  };
}
