/**
 * Errors of the W&B API client. Messages never contain the API key: they are built from the base URL,
 * the GraphQL operation name, HTTP statuses and server messages (the latter passed through `redact`).
 */
export type WandbErrorKind =
  | "config" // no key / bad option, nothing was sent
  | "auth" // 401/403, or a null viewer
  | "not-found" // project or run does not exist (data.project / data.project.run null, or HTTP 404)
  | "graphql" // the server answered with GraphQL `errors` (not retried)
  | "http" // a non-retryable HTTP status, or a retryable one that kept coming back
  | "rate-limit" // 429 that kept coming back or asked for a wait beyond the retry budget
  | "network" // connection refused/reset/dropped, every attempt
  | "timeout" // every attempt ran past the per-request timeout
  | "malformed" // the body was not JSON (or not the shape the operation returns), every attempt
  | "incomplete" // a history scan returned a different number of rows than expected
  | "aborted"; // the caller's AbortSignal fired

export class WandbApiError extends Error {
  readonly kind: WandbErrorKind;
  readonly status: number | undefined;
  readonly operation: string | undefined;
  readonly attempts: number | undefined;

  constructor(
    kind: WandbErrorKind,
    message: string,
    details: {status?: number; operation?: string; attempts?: number} = {}
  ) {
    super(message);
    this.name = "WandbApiError";
    this.kind = kind;
    this.status = details.status;
    this.operation = details.operation;
    this.attempts = details.attempts;
  }

  toJSON(): Record<string, unknown> {
    return {name: this.name, kind: this.kind, message: this.message, status: this.status, operation: this.operation, attempts: this.attempts};
  }
}

export function isWandbApiError(error: unknown, kind?: WandbErrorKind): error is WandbApiError {
  return error instanceof WandbApiError && (kind === undefined || error.kind === kind);
}
