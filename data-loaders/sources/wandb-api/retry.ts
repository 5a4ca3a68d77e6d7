/** Retry policy of the GraphQL client (after wandb-core's `RetryMostFailures` + `ExponentialBackoffWithJitter`). */

export interface RetryOptions {
  /** Retries after the first attempt (so at most maxRetries + 1 requests). Default 8. */
  maxRetries?: number;
  /** First backoff; doubles every retry. Default 1000 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff (not of Retry-After). Default 60 s. */
  maxDelayMs?: number;
  /** Retry-After values above this end the retries at once (the wait would be pointless). Default 120 s. */
  maxRetryAfterMs?: number;
  /** Wall-clock budget for one call, all attempts and waits together. Default 180 s. */
  totalTimeoutMs?: number;
  /** Jitter source in [0, 1) (tests). */
  random?: () => number;
}

export type ResolvedRetry = Required<RetryOptions>;

export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  return {
    maxRetries: options.maxRetries ?? 8,
    baseDelayMs: options.baseDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 60_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    totalTimeoutMs: options.totalTimeoutMs ?? 180_000,
    random: options.random ?? Math.random
  };
}

/** Statuses never retried (wandb-core): the request itself is wrong or not allowed. */
const NO_RETRY = new Set([400, 401, 403, 404, 409, 410, 413, 422, 501]);

/** 429, 5xx (but 501) and the other 4xx not listed above are transient. */
export function isRetryableStatus(status: number): boolean {
  if (status >= 200 && status < 300) return false;
  return !NO_RETRY.has(status);
}

/** min(max, base × 2^retry × (1 + U[0, 0.25])). `retry` counts from 0. */
export function backoffDelay(retry: number, policy: ResolvedRetry): number {
  const exponential = policy.baseDelayMs * 2 ** retry * (1 + 0.25 * policy.random());
  return Math.min(policy.maxDelayMs, exponential);
}

/**
 * `Retry-After` as milliseconds: delta-seconds (decimals accepted) or an HTTP date; null when absent or
 * unparsable. A date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === "") return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, {once: true});
  });
}
