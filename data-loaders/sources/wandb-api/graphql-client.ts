import {parsePythonJson} from "../../json/python-json.js";
import {ApiKey} from "./credentials.js";
import {WandbApiError, type WandbErrorKind} from "./errors.js";
import {Limiter} from "./limiter.js";
import {backoffDelay, isRetryableStatus, parseRetryAfter, resolveRetry, sleep, type ResolvedRetry, type RetryOptions} from "./retry.js";
import {fetchTransport, nodeHttpTransport, type Transport} from "./transport.js";

export const DEFAULT_USER_AGENT = "W&B Public Client (runlens 0.1.0)";

export interface GraphqlClientOptions {
  /** e.g. https://api.wandb.ai (no trailing slash needed). */
  baseUrl: string;
  apiKey: ApiKey | string;
  /** Per-attempt limit, connect + full body. Default 30 s (wandb-core's per-attempt timeout). */
  timeoutMs?: number;
  /** Requests in flight at once, across every call on this client. Default 8. */
  concurrency?: number;
  retry?: RetryOptions;
  /**
   * Send requests with this fetch (Node's global fetch = undici, a mock, a proxying fetch). Without it (and
   * without `transport`) requests go through node:http(s) keep-alive agents, which read large bodies faster.
   */
  fetch?: typeof fetch;
  /** Lower-level alternative to `fetch`. */
  transport?: Transport;
  userAgent?: string;
  /** Called before every retry wait; the info holds no secrets. */
  onRetry?: (info: RetryInfo) => void;
  /** Called with every successful response body (benchmarks capture bytes with it). */
  onResponseText?: (operation: string, text: string) => void;
}

export interface RetryInfo {
  operation: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  kind: WandbErrorKind;
  status?: number;
  message: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/**
 * A fast decoder for one operation's successful (2xx) response body: its `data` object straight from the
 * bytes, or undefined to have the body parsed the general way (as text, with every check). It must give the
 * same data the general way would.
 */
export type BodyDecoder = (bytes: Buffer) => Record<string, unknown> | undefined;

export interface ClientStats {
  requests: number;
  retries: number;
  responseBytes: number;
  byOperation: Record<string, number>;
}

type Attempt =
  | {ok: true; data: Record<string, unknown>}
  | {ok: false; retryable: boolean; error: WandbApiError; retryAfterMs?: number | null};

/** The operation name of a GraphQL document (`query Runs(...)` → "Runs"); "anonymous" when it has none. */
export function operationName(query: string): string {
  return /^\s*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(query)?.[1] ?? "anonymous";
}

/** Messages from a GraphQL/back-end error body: `error` (string or {message}) first, then `errors[*]`. */
export function errorMessages(body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const messages: string[] = [];
  const {error, errors} = body as {error?: unknown; errors?: unknown};
  const add = (item: unknown) => {
    if (typeof item === "string") messages.push(item);
    else if (typeof item === "object" && item !== null && typeof (item as {message?: unknown}).message === "string") {
      messages.push((item as {message: string}).message);
    }
  };
  add(error);
  if (Array.isArray(errors)) errors.forEach(add);
  return messages;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A GraphQL JSON scalar may carry bare NaN/Infinity tokens; accept them, nothing else.
    try {
      return parsePythonJson(text);
    } catch {
      return undefined;
    }
  }
}

/** A short description of a fetch failure (undici wraps the socket error in `cause`). */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current; depth++) {
    const {code, message} = current as {code?: unknown; message?: unknown};
    if (typeof code === "string") parts.push(code);
    else if (typeof message === "string" && message) parts.push(message);
    current = (current as {cause?: unknown}).cause;
  }
  return [...new Set(parts)].join(": ") || "network error";
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * POST {base}/graphql with Basic auth (user `api`), a per-attempt timeout, bounded parallelism and retries
 * (429, 5xx but 501, other transient 4xx, network errors, timeouts, malformed bodies) with exponential
 * backoff + jitter that honours Retry-After. 401/403 and GraphQL `errors` fail at once with a clear
 * message. No message, log line or serialized field ever holds the key.
 */
export class GraphqlClient {
  readonly baseUrl: string;
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly retry: ResolvedRetry;
  readonly limiter: Limiter;
  readonly stats: ClientStats = {requests: 0, retries: 0, responseBytes: 0, byOperation: {}};
  readonly #apiKey: ApiKey;
  readonly #transport: Transport;
  readonly #userAgent: string;
  readonly #onRetry?: (info: RetryInfo) => void;
  readonly #onResponseText?: (operation: string, text: string) => void;
  /** Set by a 429 with Retry-After: every request waits until then (one rate limit for the whole client). */
  #pausedUntil = 0;

  constructor(options: GraphqlClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.endpoint = `${this.baseUrl}/graphql`;
    this.#apiKey = options.apiKey instanceof ApiKey ? options.apiKey : new ApiKey(options.apiKey);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = resolveRetry(options.retry);
    this.limiter = new Limiter(options.concurrency ?? 8);
    this.#transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : nodeHttpTransport({maxSockets: this.limiter.limit}));
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#onRetry = options.onRetry;
    this.#onResponseText = options.onResponseText;
  }

  /** Run a query; resolves to its `data` object. */
  async request<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, options: RequestOptions = {}, decode?: BodyDecoder): Promise<T> {
    const operation = operationName(query);
    const body = JSON.stringify({query, variables});
    const started = Date.now();
    const deadline = started + this.retry.totalTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      this.#checkAborted(options.signal, operation);
      const pause = this.#pausedUntil - Date.now();
      if (pause > 0) await this.#wait(Math.min(pause, Math.max(0, deadline - Date.now())), options.signal, operation);
      const result = await this.limiter.run(() => this.#attempt(body, operation, options.signal, decode));
      if (result.ok) return result.data as T;
      if (!result.retryable) throw result.error;
      const giveUp = (why: string) =>
        new WandbApiError(result.error.kind, `${result.error.message} (${why})`, {
          status: result.error.status,
          operation,
          attempts: attempt
        });
      if (attempt > this.retry.maxRetries) throw giveUp(`gave up after ${attempt} attempts`);
      let delay = backoffDelay(attempt - 1, this.retry);
      if (result.retryAfterMs !== undefined && result.retryAfterMs !== null) {
        if (result.retryAfterMs > this.retry.maxRetryAfterMs) {
          throw giveUp(`the server asked to retry after ${(result.retryAfterMs / 1000).toFixed(1)} s, more than the allowed ${(this.retry.maxRetryAfterMs / 1000).toFixed(1)} s`);
        }
        delay = result.retryAfterMs;
        this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + delay);
      }
      if (Date.now() + delay > deadline) {
        throw giveUp(`gave up after ${attempt} attempts: the next wait would pass the ${(this.retry.totalTimeoutMs / 1000).toFixed(1)} s retry budget`);
      }
      this.stats.retries++;
      this.#onRetry?.({operation, attempt, delayMs: delay, kind: result.error.kind, status: result.error.status, message: result.error.message});
      await this.#wait(delay, options.signal, operation);
    }
  }

  #checkAborted(signal: AbortSignal | undefined, operation: string): void {
    if (signal?.aborted) throw new WandbApiError("aborted", `W&B request ${operation} was aborted`, {operation});
  }

  async #wait(ms: number, signal: AbortSignal | undefined, operation: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch {
      this.#checkAborted(signal, operation);
    }
  }

  async #attempt(body: string, operation: string, signal: AbortSignal | undefined, decode: BodyDecoder | undefined): Promise<Attempt> {
    this.stats.requests++;
    this.stats.byOperation[operation] = (this.stats.byOperation[operation] ?? 0) + 1;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const onCallerAbort = () => controller.abort();
    signal?.addEventListener("abort", onCallerAbort, {once: true});
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await this.#transport(this.endpoint, {
        headers: {
          Authorization: `Basic ${Buffer.from(`api:${this.#apiKey.reveal()}`).toString("base64")}`,
          "Content-Type": "application/json",
          Accept: "application/json",
          "User-Agent": this.#userAgent
        },
        body,
        signal: controller.signal
      });
      status = response.status;
      retryAfter = response.header("retry-after");
      if (decode && response.bytes && status >= 200 && status < 300) {
        const bytes = await response.bytes();
        const data = decode(bytes);
        if (data !== undefined) {
          this.stats.responseBytes += bytes.length;
          if (this.#onResponseText) this.#onResponseText(operation, bytes.toString("utf8"));
          return {ok: true, data};
        }
        text = bytes.toString("utf8");
      } else text = await response.text();
    } catch (error) {
      if (signal?.aborted) {
        return {ok: false, retryable: false, error: new WandbApiError("aborted", `W&B request ${operation} was aborted`, {operation})};
      }
      if (timedOut) {
        const message = `W&B request ${operation} to ${this.endpoint} timed out after ${this.timeoutMs} ms`;
        return {ok: false, retryable: true, error: new WandbApiError("timeout", message, {operation})};
      }
      const reason = this.#apiKey.redact(describeNetworkError(error));
      const message = `W&B request ${operation} to ${this.endpoint} failed: ${reason}`;
      return {ok: false, retryable: true, error: new WandbApiError("network", message, {operation})};
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onCallerAbort);
    }
    this.stats.responseBytes += text.length;
    const parsed = parseBody(text);
    const serverSays = () => {
      const messages = errorMessages(parsed).map((message) => this.#apiKey.redact(message));
      return messages.length ? `: ${clip(messages.join("; "))}` : "";
    };
    if (status === 401 || status === 403) {
      const message = `W&B rejected the API key (${status}) for ${this.baseUrl}${serverSays()}`;
      return {ok: false, retryable: false, error: new WandbApiError("auth", message, {status, operation})};
    }
    if (status < 200 || status >= 300) {
      const retryable = isRetryableStatus(status);
      const kind: WandbErrorKind = status === 429 ? "rate-limit" : status === 404 ? "not-found" : "http";
      const message = `W&B returned HTTP ${status} for ${operation} at ${this.endpoint}${serverSays()}`;
      return {ok: false, retryable, error: new WandbApiError(kind, message, {status, operation}), retryAfterMs: parseRetryAfter(retryAfter)};
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      const message = `W&B returned a response that is not valid JSON for ${operation} (HTTP ${status}, ${text.length} bytes)`;
      return {ok: false, retryable: true, error: new WandbApiError("malformed", message, {status, operation})};
    }
    const messages = errorMessages(parsed);
    if (messages.length > 0) {
      const message = `W&B GraphQL error in ${operation}: ${clip(messages.map((m) => this.#apiKey.redact(m)).join("; "))}`;
      return {ok: false, retryable: false, error: new WandbApiError("graphql", message, {status, operation})};
    }
    const data = (parsed as {data?: unknown}).data;
    if (typeof data !== "object" || data === null) {
      const message = `W&B returned no "data" for ${operation} (HTTP ${status})`;
      return {ok: false, retryable: true, error: new WandbApiError("malformed", message, {status, operation})};
    }
    this.#onResponseText?.(operation, text);
    return {ok: true, data: data as Record<string, unknown>};
  }

  toJSON(): Record<string, unknown> {
    return {baseUrl: this.baseUrl, timeoutMs: this.timeoutMs, concurrency: this.limiter.limit};
  }
}
