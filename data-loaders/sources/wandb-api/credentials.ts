import {homedir} from "node:os";
import {inspect} from "node:util";
import {WandbApiError} from "./errors.js";
import {netrcPassword, netrcPath} from "./netrc.js";

export const DEFAULT_BASE_URL = "https://api.wandb.ai";
const REDACTED = "***";

/**
 * An API key that cannot leak by accident: the value lives in a private field, and every way an object is
 * turned into text (String(), template literals, JSON.stringify, util.inspect / console.log) prints "***".
 * Only `reveal()` returns it, and only the GraphQL client calls that, to build the Authorization header.
 */
export class ApiKey {
  readonly #value: string;

  constructor(value: string) {
    const trimmed = value.trim();
    if (trimmed === "") throw new WandbApiError("config", "The W&B API key is empty");
    // Header-safe characters only: an invalid header value would otherwise be echoed by fetch's own error.
    if (!/^[\x21-\x7e]+$/.test(trimmed)) {
      throw new WandbApiError("config", "The W&B API key contains whitespace or non-ASCII characters");
    }
    this.#value = trimmed;
  }

  reveal(): string {
    return this.#value;
  }

  /** Replace every occurrence of the key (and of its Basic-auth encoding) in a text with "***". */
  redact(text: string): string {
    const basic = Buffer.from(`api:${this.#value}`).toString("base64");
    return text.split(this.#value).join(REDACTED).split(basic).join(REDACTED);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `ApiKey(${REDACTED})`;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

export type KeySource = "option" | "env" | "netrc";

export interface Credentials {
  baseUrl: string;
  apiKey: ApiKey | null;
  keySource: KeySource | null;
  /** WANDB_ENTITY / WANDB_PROJECT, when set. */
  entity: string | null;
  project: string | null;
}

export interface CredentialOptions {
  apiKey?: string | ApiKey;
  baseUrl?: string;
  env?: NodeJS.ProcessEnv;
  /** Home folder for ~/.netrc (tests). */
  home?: string;
}

/** `WANDB_BASE_URL` or the option, without trailing slashes; must be http(s). */
export function normalizeBaseUrl(raw: string | undefined): string {
  const value = (raw ?? "").trim() || DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WandbApiError("config", `W&B base URL is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new WandbApiError("config", `W&B base URL must be http(s): ${JSON.stringify(value)}`);
  }
  if (url.username || url.password) throw new WandbApiError("config", "W&B base URL must not contain credentials");
  return value.replace(/\/+$/, "");
}

/**
 * Where the key comes from, in wandb's order: explicit option → `WANDB_API_KEY` → netrc (`$NETRC`, else
 * ~/.netrc, else ~/_netrc; entry `machine <host of the base URL>`, password = key). The base URL comes from
 * the option, else `WANDB_BASE_URL`, else https://api.wandb.ai.
 */
export function resolveCredentials(options: CredentialOptions = {}): Credentials {
  const env = options.env ?? process.env;
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? env.WANDB_BASE_URL);
  const entity = env.WANDB_ENTITY?.trim() || null;
  const project = env.WANDB_PROJECT?.trim() || null;
  if (options.apiKey !== undefined) {
    const apiKey = options.apiKey instanceof ApiKey ? options.apiKey : new ApiKey(options.apiKey);
    return {baseUrl, apiKey, keySource: "option", entity, project};
  }
  if (env.WANDB_API_KEY?.trim()) {
    return {baseUrl, apiKey: new ApiKey(env.WANDB_API_KEY), keySource: "env", entity, project};
  }
  const path = netrcPath(env, options.home ?? homedir());
  const password = path ? netrcPassword(path, new URL(baseUrl).host) : null;
  if (password) return {baseUrl, apiKey: new ApiKey(password), keySource: "netrc", entity, project};
  return {baseUrl, apiKey: null, keySource: null, entity, project};
}

/** Like resolveCredentials, but a missing key is an error that says how to provide one. */
export function requireCredentials(options: CredentialOptions = {}): Credentials & {apiKey: ApiKey} {
  const credentials = resolveCredentials(options);
  if (!credentials.apiKey) {
    const host = new URL(credentials.baseUrl).host;
    throw new WandbApiError(
      "config",
      `No W&B API key configured for ${credentials.baseUrl}: set WANDB_API_KEY, or add "machine ${host} login user password <key>" to ~/.netrc (or $NETRC)`
    );
  }
  return credentials as Credentials & {apiKey: ApiKey};
}
