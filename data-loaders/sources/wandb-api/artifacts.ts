/**
 * W&B Artifacts, read side (what `wandb.Api().artifact(path).download(root)` does), see
 * /work/shared/reference/wandb-api.md §7:
 *
 *   ArtifactMembershipByName     entity/project/name:alias → the artifact version (id, digest, files, …)
 *   FetchArtifactManifest        artifact(id).currentManifest.file.directUrl → GET → manifest JSON
 *                                {"version": 1, "contents": {"<path>": {"digest": <b64 md5>, "size": …}}}
 *   GetArtifactMembershipFileUrls   presigned `directUrl` of every file (paged); `artifact(id).files` on
 *                                servers without membership file listing (ArtifactFileUrls)
 *   RunOutputArtifacts / RunInputArtifacts   what a run logged / used
 *
 * Files are fetched from their presigned URLs with NO credentials (as the Python client's
 * WandbStoragePolicy.load_file does): this module never holds the API key, so it cannot send it to a
 * storage host. Every file is written to `<file>.part`, resumed with an HTTP Range request when a `.part`
 * is already there (restarted from zero when the server ignores the Range), checked against the manifest's
 * size and base64 MD5, and only then renamed into place. A file already present with the right digest is
 * not downloaded again. Transient failures (429 honouring Retry-After, 5xx, dropped connections, stalls)
 * are retried with the client's backoff policy; a digest mismatch deletes the `.part` and downloads the
 * file again (up to `digestRetries` times).
 */
import {createHash, type Hash} from "node:crypto";
import {createReadStream} from "node:fs";
import {mkdir, open, readdir, rename, rm, stat, writeFile} from "node:fs/promises";
import {dirname, isAbsolute, join, relative, resolve, sep} from "node:path";
import {parsePythonJson} from "../../json/python-json.js";
import {WandbApiError, type WandbErrorKind} from "./errors.js";
import type {GraphqlClient, RequestOptions} from "./graphql-client.js";
import {Limiter} from "./limiter.js";
import {downloadBytes} from "./parquet-history.js";
import {backoffDelay, isRetryableStatus, parseRetryAfter, resolveRetry, sleep, type RetryOptions} from "./retry.js";
import {projectNotFound, runNotFound} from "./runs.js";

// ------------------------------------------------------------------------------------------ queries

const ARTIFACT_FIELDS = `id
    artifactSequence {
      name
      project {
        name
        entity {
          name
        }
      }
    }
    versionIndex
    artifactType {
      name
    }
    description
    metadata
    ttlDurationSeconds
    historyStep
    state
    size
    digest
    commitHash
    fileCount
    createdAt
    updatedAt`;

/** `fragment ArtifactFragment` (HEAD: tools/graphql_codegen/artifacts/artifacts.graphql), tags left out. */
export const ARTIFACT_FRAGMENT = `fragment ArtifactFragment on Artifact {
  ${ARTIFACT_FIELDS}
  aliases {
    alias
    artifactCollection {
      name
    }
  }
}`;

/** `api.artifact("entity/project/name:alias")` (HEAD: `Artifact._from_name`). */
export const ARTIFACT_MEMBERSHIP_BY_NAME_QUERY = `query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    artifactCollectionMembership(name: $name) {
      id
      versionIndex
      aliases {
        id
        alias
      }
      artifactCollection {
        name
        project {
          name
          entity {
            name
          }
        }
      }
      artifact {
        ...ArtifactFragment
      }
    }
  }
}

${ARTIFACT_FRAGMENT}`;

export const FETCH_ARTIFACT_MANIFEST_QUERY = `query FetchArtifactManifest($id: ID!) {
  artifact(id: $id) {
    currentManifest {
      file {
        directUrl
      }
    }
  }
}`;

export const ARTIFACT_MEMBERSHIP_FILE_URLS_QUERY = `query GetArtifactMembershipFileUrls($entity: String!, $project: String!, $collection: String!, $alias: String!, $cursor: String, $perPage: Int) {
  project(name: $project, entityName: $entity) {
    artifactCollection(name: $collection) {
      artifactMembership(aliasName: $alias) {
        files(after: $cursor, first: $perPage) {
          pageInfo {
            endCursor
            hasNextPage
          }
          edges {
            node {
              name
              directUrl
            }
          }
        }
      }
    }
  }
}`;

/** Older form, still used by wandb-core (`core/api/graphql/query_artifact_file_urls.graphql`). */
export const ARTIFACT_FILE_URLS_QUERY = `query ArtifactFileUrls($id: ID!, $cursor: String, $perPage: Int) {
  artifact(id: $id) {
    files(after: $cursor, first: $perPage) {
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          name
          directUrl
        }
      }
    }
  }
}`;

function runArtifactsQuery(direction: "output" | "input"): string {
  const name = direction === "output" ? "RunOutputArtifacts" : "RunInputArtifacts";
  return `query ${name}($entity: String!, $project: String!, $run: String!, $cursor: String, $perPage: Int) {
  project(entityName: $entity, name: $project) {
    run(name: $run) {
      artifacts: ${direction}Artifacts(after: $cursor, first: $perPage) {
        totalCount
        pageInfo {
          endCursor
          hasNextPage
        }
        edges {
          node {
            ...ArtifactFragment
          }
        }
      }
    }
  }
}

${ARTIFACT_FRAGMENT}`;
}

export const RUN_OUTPUT_ARTIFACTS_QUERY = runArtifactsQuery("output");
export const RUN_INPUT_ARTIFACTS_QUERY = runArtifactsQuery("input");

// ------------------------------------------------------------------------------------------- types

export interface ArtifactPath {
  entity: string;
  project: string;
  /** Collection (sequence) name, without alias. */
  name: string;
  /** Alias or version, e.g. "latest", "v3", "best". */
  alias: string;
}

export interface ArtifactInfo {
  /** Global id of the artifact version. */
  id: string;
  entity: string;
  project: string;
  /** Collection name. */
  name: string;
  /** "v<versionIndex>". */
  version: string;
  versionIndex: number;
  /** Aliases of this version in its collection ("latest", "best", …; versions not included). */
  aliases: string[];
  type: string;
  description: string | null;
  metadata: Record<string, unknown>;
  state: string | null;
  /** Bytes, all files. */
  size: number | null;
  fileCount: number | null;
  /** Manifest digest (hex MD5 over "wandb-artifact-manifest-v1\n" + "path:digest\n" lines). */
  digest: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  historyStep: number | null;
  /** `entity/project/name:version`. */
  qualifiedName: string;
}

export interface ManifestEntry {
  /** Path inside the artifact ("checkpoints/checkpoint_epoch_00100.safetensors"). */
  path: string;
  /** Base64 MD5 of the content (etag-like for reference entries). */
  digest: string;
  size: number | null;
  /** Set for reference entries (s3://, gs://, https://, file://): not stored by W&B, not downloaded. */
  ref: string | null;
  birthArtifactId: string | null;
}

export interface ArtifactManifest {
  version: number;
  storagePolicy: string | null;
  storagePolicyConfig: Record<string, unknown>;
  entries: ManifestEntry[];
}

export type ArtifactErrorCode =
  | "bad-path" // not entity/project/name:alias
  | "not-found" // project, collection, version or alias missing
  | "bad-manifest" // manifest not JSON / not version 1 / unusable entry
  | "unsafe-path" // an entry path escapes the target folder
  | "no-url" // the server listed no download URL for a file
  | "digest-mismatch" // the content's MD5 differs from the manifest, every attempt
  | "size-mismatch" // more bytes than the manifest says, every attempt
  | "download-failed"; // one or more files failed (see `failures`)

export class ArtifactError extends WandbApiError {
  readonly code: ArtifactErrorCode;
  /** Artifact path of the file concerned, when there is one. */
  readonly file: string | null;

  constructor(code: ArtifactErrorCode, kind: WandbErrorKind, message: string, details: {file?: string; status?: number; operation?: string; attempts?: number} = {}) {
    super(kind, message, details);
    this.name = "ArtifactError";
    this.code = code;
    this.file = details.file ?? null;
  }

  toJSON(): Record<string, unknown> {
    return {...super.toJSON(), code: this.code, file: this.file};
  }
}

export interface ArtifactProgress {
  event: "listed" | "present" | "start" | "data" | "retry" | "digest-mismatch" | "done" | "failed";
  /** The file the event is about (all but "listed"). */
  path?: string;
  /** For "retry" / "digest-mismatch" / "failed": what happened (no secrets, no signed query strings). */
  message?: string;
  /** For "start": bytes already in `.part` that are being resumed. */
  resumeFrom?: number;
  filesTotal: number;
  /** Files in place: downloaded + already present. */
  filesDone: number;
  filesPresent: number;
  filesFailed: number;
  bytesTotal: number;
  /** Bytes in place or in `.part` files (present + resumed + received). */
  bytesDone: number;
  /** Bytes received over the network in this call. */
  bytesTransferred: number;
  elapsedMs: number;
}

export interface DownloadArtifactOptions {
  /** Glob(s) on the path inside the artifact: `*` (not `/`), `**`, `?`, `{a,b}`; a pattern without `/` matches the file name at any depth. */
  filter?: string | string[];
  /** Files in flight at once. Default 8. */
  concurrency?: number;
  onProgress?: (progress: ArtifactProgress) => void;
  signal?: AbortSignal;
  /** Fetch for storage GETs (default: global fetch). */
  fetch?: typeof fetch;
  /** Abort a storage request when no byte arrives for this long. Default 30 s. */
  idleTimeoutMs?: number;
  /** Backoff policy; `maxRetries` counts consecutive failures that brought no new bytes. Default: the client's. */
  retry?: RetryOptions;
  /** Fresh downloads after a digest mismatch. Default 2. */
  digestRetries?: number;
  /** Page size of the file-URL listing. Default 1000. */
  perPage?: number;
}

export interface DownloadedFile {
  path: string;
  /** Absolute local path. */
  file: string;
  size: number;
  status: "downloaded" | "present";
  /** Bytes of a `.part` left by an earlier run that were kept (0 = downloaded from the start). */
  resumedFrom: number;
  /** HTTP requests made for this file. */
  requests: number;
  digestMismatches: number;
}

export interface ArtifactDownloadResult {
  artifact: ArtifactInfo;
  dir: string;
  files: DownloadedFile[];
  /** Reference entries (not stored by W&B): listed, not downloaded. */
  references: string[];
  downloaded: number;
  present: number;
  resumed: number;
  bytesTotal: number;
  bytesTransferred: number;
  requests: number;
  retries: number;
  digestMismatches: number;
  elapsedMs: number;
  /** e.g. the manifest does not hash to the artifact's digest (files are still verified one by one). */
  warnings: string[];
}

export class ArtifactDownloadError extends ArtifactError {
  readonly failures: Array<{path: string; message: string}>;
  readonly result: ArtifactDownloadResult;

  constructor(message: string, failures: Array<{path: string; message: string}>, result: ArtifactDownloadResult, kind: WandbErrorKind) {
    super("download-failed", kind, message);
    this.name = "ArtifactDownloadError";
    this.failures = failures;
    this.result = result;
  }
}

// ------------------------------------------------------------------------------------ name parsing

/**
 * `entity/project/name:alias`, `project/name:alias` or `name:alias` (entity/project from `defaults`);
 * without `:alias` the alias is "latest" (as `wandb.Api().artifact`). A W&B URL path
 * (`entity/project/artifacts/type/name/alias`) is accepted too.
 */
export function parseArtifactPath(path: string, defaults: {entity?: string | null; project?: string | null} = {}): ArtifactPath {
  const text = path.trim();
  const bad = (why: string) => new ArtifactError("bad-path", "config", `Not an artifact path ${JSON.stringify(path)}: ${why} (expected ENTITY/PROJECT/NAME:ALIAS)`);
  if (text === "") throw bad("empty");
  let parts = text.split("/");
  // https://wandb.ai/entity/project/artifacts/type/name/v3
  if (parts.length === 6 && parts[2] === "artifacts") parts = [parts[0], parts[1], `${parts[4]}:${parts[5]}`];
  if (parts.length > 3 || parts.some((part) => part === "")) throw bad("too many or empty segments");
  const last = parts[parts.length - 1];
  const colon = last.indexOf(":");
  const name = colon === -1 ? last : last.slice(0, colon);
  const alias = colon === -1 ? "latest" : last.slice(colon + 1);
  if (name === "" || alias === "") throw bad("empty name or alias");
  const project = parts.length >= 2 ? parts[parts.length - 2] : defaults.project ?? null;
  const entity = parts.length === 3 ? parts[0] : defaults.entity ?? null;
  if (!project) throw bad("no project (give ENTITY/PROJECT/NAME:ALIAS or set WANDB_PROJECT)");
  if (!entity) throw bad("no entity (give ENTITY/PROJECT/NAME:ALIAS or set WANDB_ENTITY)");
  return {entity, project, name, alias};
}

export function formatArtifactPath(path: ArtifactPath): string {
  return `${path.entity}/${path.project}/${path.name}:${path.alias}`;
}

// ---------------------------------------------------------------------------------------- GraphQL

type RawArtifact = {
  id?: unknown;
  artifactSequence?: {name?: unknown; project?: {name?: unknown; entity?: {name?: unknown} | null} | null} | null;
  versionIndex?: unknown;
  artifactType?: {name?: unknown} | null;
  description?: unknown;
  metadata?: unknown;
  state?: unknown;
  size?: unknown;
  digest?: unknown;
  fileCount?: unknown;
  createdAt?: unknown;
  updatedAt?: unknown;
  historyStep?: unknown;
  aliases?: Array<{alias?: unknown; artifactCollection?: {name?: unknown} | null}> | null;
};

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function parseMetadata(value: unknown): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value !== "string" || value.trim() === "") return {};
  try {
    const parsed = parsePythonJson(value);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Normalize an ArtifactFragment. `fallback` names the collection/project when the fragment lacks them;
 * `collectionAliases` (membership aliases) win over the artifact's own alias list, which spans every
 * collection the version is linked to and is filtered to this collection here.
 */
function toArtifactInfo(raw: RawArtifact, fallback: {entity: string; project: string; name?: string}, collectionAliases?: string[]): ArtifactInfo {
  const id = str(raw.id);
  const versionIndex = num(raw.versionIndex);
  if (id === null || versionIndex === null) {
    throw new WandbApiError("malformed", `W&B returned an artifact without id/versionIndex in ${fallback.entity}/${fallback.project}`);
  }
  const entity = str(raw.artifactSequence?.project?.entity?.name) ?? fallback.entity;
  const project = str(raw.artifactSequence?.project?.name) ?? fallback.project;
  const name = str(raw.artifactSequence?.name) ?? fallback.name ?? "";
  const version = `v${versionIndex}`;
  const aliases =
    collectionAliases ??
    (raw.aliases ?? [])
      .filter((alias) => alias && (alias.artifactCollection?.name === undefined || alias.artifactCollection?.name === null || alias.artifactCollection.name === name))
      .map((alias) => str(alias.alias))
      .filter((alias): alias is string => alias !== null);
  return {
    id,
    entity,
    project,
    name,
    version,
    versionIndex,
    aliases: [...new Set(aliases.filter((alias) => !/^v\d+$/.test(alias)))],
    type: str(raw.artifactType?.name) ?? "",
    description: str(raw.description),
    metadata: parseMetadata(raw.metadata),
    state: str(raw.state),
    size: num(raw.size),
    fileCount: num(raw.fileCount),
    digest: str(raw.digest),
    createdAt: str(raw.createdAt),
    updatedAt: str(raw.updatedAt),
    historyStep: num(raw.historyStep),
    qualifiedName: `${entity}/${project}/${name}:${version}`
  };
}

/** The artifact version `entity/project/name:alias` (alias or `vN`). Missing project/artifact/alias → ArtifactError "not-found". */
export async function getArtifact(client: GraphqlClient, path: ArtifactPath, options: RequestOptions = {}): Promise<ArtifactInfo> {
  type Membership = {versionIndex?: unknown; aliases?: Array<{alias?: unknown}> | null; artifactCollection?: {name?: unknown} | null; artifact?: RawArtifact | null};
  const data = await client.request<{project: {artifactCollectionMembership: Membership | null} | null}>(
    ARTIFACT_MEMBERSHIP_BY_NAME_QUERY,
    {entity: path.entity, project: path.project, name: `${path.name}:${path.alias}`},
    options
  );
  if (!data.project) {
    const error = projectNotFound(path.entity, path.project, "ArtifactMembershipByName");
    throw new ArtifactError("not-found", "not-found", `${error.message} (looking up artifact ${formatArtifactPath(path)})`, {operation: "ArtifactMembershipByName"});
  }
  const membership = data.project.artifactCollectionMembership;
  if (!membership || !membership.artifact) {
    throw new ArtifactError(
      "not-found",
      "not-found",
      `W&B artifact ${formatArtifactPath(path)} not found: project ${path.entity}/${path.project} has no artifact "${path.name}" with version or alias "${path.alias}"`,
      {operation: "ArtifactMembershipByName"}
    );
  }
  const aliases = Array.isArray(membership.aliases) ? membership.aliases.map((a) => str(a?.alias)).filter((a): a is string => a !== null) : undefined;
  const info = toArtifactInfo(membership.artifact, {entity: path.entity, project: path.project, name: str(membership.artifactCollection?.name) ?? path.name}, aliases);
  // A linked (registry/portfolio) membership has its own version index and collection name.
  const membershipIndex = num(membership.versionIndex);
  const collection = str(membership.artifactCollection?.name);
  if (collection) info.name = collection;
  if (membershipIndex !== null) {
    info.versionIndex = membershipIndex;
    info.version = `v${membershipIndex}`;
  }
  info.entity = path.entity;
  info.project = path.project;
  info.qualifiedName = `${info.entity}/${info.project}/${info.name}:${info.version}`;
  return info;
}

export interface RunArtifactsOptions extends RequestOptions {
  /** "output" (logged by the run, default) or "input" (used by the run). */
  direction?: "output" | "input";
  perPage?: number;
}

/** Every artifact version a run logged (or used), paged with pageInfo.endCursor. */
export async function listRunArtifacts(client: GraphqlClient, entity: string, project: string, runName: string, options: RunArtifactsOptions = {}): Promise<ArtifactInfo[]> {
  const direction = options.direction ?? "output";
  const query = direction === "output" ? RUN_OUTPUT_ARTIFACTS_QUERY : RUN_INPUT_ARTIFACTS_QUERY;
  const operation = direction === "output" ? "RunOutputArtifacts" : "RunInputArtifacts";
  type Page = {project: {run: {artifacts: {pageInfo?: {endCursor?: unknown; hasNextPage?: unknown} | null; edges?: Array<{node?: RawArtifact | null}> | null} | null} | null} | null};
  const out: ArtifactInfo[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const data: Page = await client.request<Page>(query, {entity, project, run: runName, cursor, perPage: options.perPage ?? 100}, {signal: options.signal});
    if (!data.project) throw projectNotFound(entity, project, operation);
    if (!data.project.run) throw runNotFound(entity, project, runName, operation);
    const connection = data.project.run.artifacts;
    if (!connection || !Array.isArray(connection.edges)) {
      throw new WandbApiError("malformed", `W&B answered ${operation} for ${entity}/${project}/${runName} without artifacts.edges`, {operation});
    }
    for (const edge of connection.edges) if (edge?.node) out.push(toArtifactInfo(edge.node, {entity, project}));
    const next = str(connection.pageInfo?.endCursor);
    if (connection.pageInfo?.hasNextPage !== true) return out;
    if (next === null || next === cursor || connection.edges.length === 0) {
      throw new WandbApiError("malformed", `W&B answered ${operation} with hasNextPage but no usable cursor (page ${page + 1})`, {operation});
    }
    cursor = next;
  }
}

// ------------------------------------------------------------------------------------ storage GETs

/** A URL as it may be shown: no query string (a presigned URL's query is a credential). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url.split("?")[0];
  }
}

/** The `<Code>` of an S3/GCS XML error body, if any (never the rest: it can echo the signature). */
function storageErrorCode(body: string): string {
  const code = /<Code>([A-Za-z0-9_.-]{1,64})<\/Code>/.exec(body)?.[1];
  return code ? ` (${code})` : "";
}

interface StorageContext {
  fetch: typeof fetch;
  idleTimeoutMs: number;
  signal?: AbortSignal;
  /** A 429 with Retry-After pauses every request of the download until then. */
  pausedUntil: number;
}

function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current; depth++) {
    const {code, message} = current as {code?: unknown; message?: unknown};
    if (typeof code === "string") parts.push(code);
    else if (typeof message === "string" && message) parts.push(message);
    current = (current as {cause?: unknown}).cause;
  }
  // Never echo a URL with its query string.
  return ([...new Set(parts)].join(": ") || "network error").replace(/\?[^\s"']*/g, "?…");
}

// ---------------------------------------------------------------------------------------- manifest

/** Parse manifest JSON (version 1): entries sorted by path. */
export function parseManifest(text: string, label = "artifact manifest"): ArtifactManifest {
  let json: unknown;
  try {
    json = parsePythonJson(text);
  } catch (error) {
    throw new ArtifactError("bad-manifest", "malformed", `${label} is not JSON (${(error as Error).message.slice(0, 120)})`);
  }
  const object = json as {version?: unknown; storagePolicy?: unknown; storagePolicyConfig?: unknown; contents?: unknown};
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ArtifactError("bad-manifest", "malformed", `${label} is not a JSON object`);
  if (object.version !== 1) throw new ArtifactError("bad-manifest", "malformed", `${label} has version ${JSON.stringify(object.version)}; only version 1 is supported`);
  if (typeof object.contents !== "object" || object.contents === null || Array.isArray(object.contents)) {
    throw new ArtifactError("bad-manifest", "malformed", `${label} has no "contents" object`);
  }
  const entries: ManifestEntry[] = [];
  for (const [path, raw] of Object.entries(object.contents as Record<string, unknown>)) {
    const value = raw as {digest?: unknown; size?: unknown; ref?: unknown; birthArtifactID?: unknown};
    if (typeof value !== "object" || value === null || typeof value.digest !== "string") {
      throw new ArtifactError("bad-manifest", "malformed", `${label}: entry ${JSON.stringify(path)} has no digest`, {file: path});
    }
    const size = num(value.size);
    entries.push({path, digest: value.digest, size, ref: str(value.ref), birthArtifactId: str(value.birthArtifactID)});
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const config = object.storagePolicyConfig;
  return {
    version: 1,
    storagePolicy: str(object.storagePolicy),
    storagePolicyConfig: typeof config === "object" && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {},
    entries
  };
}

/** The artifact digest a manifest implies: hex MD5 of "wandb-artifact-manifest-v1\n" + "path:digest\n" (sorted). */
export function manifestDigest(manifest: ArtifactManifest): string {
  const hash = createHash("md5").update("wandb-artifact-manifest-v1\n");
  for (const entry of manifest.entries) hash.update(`${entry.path}:${entry.digest}\n`);
  return hash.digest("hex");
}

export interface ManifestOptions extends RequestOptions {
  fetch?: typeof fetch;
  idleTimeoutMs?: number;
  retry?: RetryOptions;
}

/** FetchArtifactManifest, then GET its presigned URL (no credentials). */
export async function fetchArtifactManifest(client: GraphqlClient, artifact: ArtifactInfo, options: ManifestOptions = {}): Promise<ArtifactManifest> {
  const data = await client.request<{artifact: {currentManifest: {file: {directUrl?: unknown} | null} | null} | null}>(
    FETCH_ARTIFACT_MANIFEST_QUERY,
    {id: artifact.id},
    {signal: options.signal}
  );
  if (!data.artifact) {
    throw new ArtifactError("not-found", "not-found", `W&B artifact ${artifact.qualifiedName} (id ${artifact.id}) not found when fetching its manifest`, {operation: "FetchArtifactManifest"});
  }
  const url = str(data.artifact.currentManifest?.file?.directUrl);
  if (!url) throw new ArtifactError("bad-manifest", "malformed", `W&B artifact ${artifact.qualifiedName} has no manifest URL (state ${artifact.state ?? "unknown"})`, {operation: "FetchArtifactManifest"});
  // A presigned URL: downloadBytes attaches no credentials and retries like the GraphQL client.
  const bytes = await downloadBytes(url, {fetch: options.fetch, timeoutMs: options.idleTimeoutMs ?? 30_000, retry: options.retry ?? client.retry, signal: options.signal});
  return parseManifest(Buffer.from(bytes).toString("utf8"), `the manifest of ${artifact.qualifiedName}`);
}

type FilesConnection = {pageInfo?: {endCursor?: unknown; hasNextPage?: unknown} | null; edges?: Array<{node?: {name?: unknown; directUrl?: unknown} | null}> | null};

/**
 * Presigned download URL of every stored file (name → directUrl): GetArtifactMembershipFileUrls, or
 * ArtifactFileUrls (by id) when the server has no membership file listing (GraphQL error, or a null
 * membership).
 */
export async function fetchArtifactFileUrls(client: GraphqlClient, artifact: ArtifactInfo, options: RequestOptions & {perPage?: number} = {}): Promise<Map<string, string>> {
  const perPage = options.perPage ?? 1000;
  const urls = new Map<string, string>();
  const collect = async (fetchPage: (cursor: string | null) => Promise<FilesConnection | null>, operation: string): Promise<boolean> => {
    let cursor: string | null = null;
    for (;;) {
      const connection = await fetchPage(cursor);
      if (!connection) return false;
      if (!Array.isArray(connection.edges)) throw new WandbApiError("malformed", `W&B answered ${operation} without files.edges`, {operation});
      for (const edge of connection.edges) {
        const name = str(edge?.node?.name);
        const url = str(edge?.node?.directUrl);
        if (name !== null && url) urls.set(name, url);
      }
      const next = str(connection.pageInfo?.endCursor);
      if (connection.pageInfo?.hasNextPage !== true) return true;
      if (next === null || next === cursor || connection.edges.length === 0) {
        throw new WandbApiError("malformed", `W&B answered ${operation} with hasNextPage but no usable cursor`, {operation});
      }
      cursor = next;
    }
  };
  let membershipWorked = false;
  try {
    membershipWorked = await collect(async (cursor) => {
      type Data = {project: {artifactCollection: {artifactMembership: {files: FilesConnection | null} | null} | null} | null};
      const data = await client.request<Data>(
        ARTIFACT_MEMBERSHIP_FILE_URLS_QUERY,
        {entity: artifact.entity, project: artifact.project, collection: artifact.name, alias: artifact.version, cursor, perPage},
        options
      );
      return data.project?.artifactCollection?.artifactMembership?.files ?? null;
    }, "GetArtifactMembershipFileUrls");
  } catch (error) {
    // Older servers do not know artifactCollection.artifactMembership: a GraphQL validation error.
    if (!(error instanceof WandbApiError) || !(error.kind === "graphql" || (error.kind === "http" && error.status === 400))) throw error;
  }
  if (!membershipWorked) {
    urls.clear();
    const ok = await collect(async (cursor) => {
      const data = await client.request<{artifact: {files: FilesConnection | null} | null}>(ARTIFACT_FILE_URLS_QUERY, {id: artifact.id, cursor, perPage}, options);
      return data.artifact?.files ?? null;
    }, "ArtifactFileUrls");
    if (!ok) throw new ArtifactError("not-found", "not-found", `W&B listed no files for artifact ${artifact.qualifiedName}`, {operation: "ArtifactFileUrls"});
  }
  return urls;
}

// ------------------------------------------------------------------------------------------- glob

/** Glob → RegExp: `**` any (incl. `/`), `*` and `?` within a segment, `{a,b}` alternatives, `[...]` classes. */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        const slashAfter = pattern[i + 2] === "/";
        out += slashAfter ? "(?:.*/)?" : ".*";
        i += slashAfter ? 2 : 1;
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "{") (braces++, (out += "(?:"));
    else if (c === "}" && braces > 0) (braces--, (out += ")"));
    else if (c === "," && braces > 0) out += "|";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) out += "\\[";
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
        out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^$()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** A predicate on artifact paths; a pattern without `/` is matched against the file name only. */
export function pathFilter(patterns: string | string[] | undefined): (path: string) => boolean {
  const list = (Array.isArray(patterns) ? patterns : patterns === undefined ? [] : [patterns]).filter((p) => p.trim() !== "");
  if (list.length === 0) return () => true;
  const tests = list.map((pattern) => {
    const regex = globToRegExp(pattern.replace(/^\.?\//, ""));
    return pattern.includes("/") ? (path: string) => regex.test(path) : (path: string) => regex.test(path.slice(path.lastIndexOf("/") + 1));
  });
  return (path) => tests.some((test) => test(path));
}

// -------------------------------------------------------------------------------------- local files

/** Where an entry goes under `root`; throws for absolute paths and `..` escapes. */
export function entryTarget(root: string, path: string): string {
  const bad = () => new ArtifactError("unsafe-path", "malformed", `artifact entry ${JSON.stringify(path)} would be written outside the target folder`, {file: path});
  if (path === "" || isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.includes("\0")) throw bad();
  const segments = path.split(/[\\/]/);
  if (segments.some((segment) => segment === "..")) throw bad();
  const target = resolve(root, ...segments.filter((segment) => segment !== "" && segment !== "."));
  const rel = relative(root, target);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) throw bad();
  return target;
}

async function hashFile(file: string, hash: Hash = createHash("md5"), signal?: AbortSignal): Promise<Hash> {
  const stream = createReadStream(file, {highWaterMark: 1 << 20, signal});
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash;
}

/** Base64 MD5 of a file (the digest W&B stores for artifact files: hashutil.md5_file_b64). */
export async function md5FileBase64(file: string): Promise<string> {
  return (await hashFile(file)).digest("base64");
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function isMd5Base64(digest: string): boolean {
  return /^[A-Za-z0-9+/]{22}==$/.test(digest);
}

// ------------------------------------------------------------------------------------ the download

interface FileTask {
  entry: ManifestEntry & {size: number | null};
  target: string;
}

type FetchOutcome =
  | {ok: true}
  | {ok: false; retryable: boolean; error: WandbApiError; retryAfterMs?: number | null; expired?: boolean; restart?: boolean; tooLong?: boolean};

/**
 * Download the files of `artifact` (all, or those matching `filter`) into `dir`, keeping the artifact's
 * relative paths. See the module comment for resume / verification / retry behaviour. Throws
 * ArtifactDownloadError (with the partial result) when any file failed; other files are still finished.
 */
export async function downloadArtifact(client: GraphqlClient, artifact: ArtifactInfo, dir: string, options: DownloadArtifactOptions = {}): Promise<ArtifactDownloadResult> {
  const started = Date.now();
  const root = resolve(dir);
  const retry = resolveRetry(options.retry ?? client.retry);
  const digestRetries = options.digestRetries ?? 2;
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new WandbApiError("config", `concurrency must be a positive integer, got ${concurrency}`);
  const context: StorageContext = {fetch: options.fetch ?? globalThis.fetch, idleTimeoutMs: options.idleTimeoutMs ?? client.timeoutMs ?? 30_000, signal: options.signal, pausedUntil: 0};

  const manifest = await fetchArtifactManifest(client, artifact, {signal: options.signal, fetch: context.fetch, idleTimeoutMs: context.idleTimeoutMs, retry});
  const warnings: string[] = [];
  if (artifact.digest && /^[0-9a-f]{32}$/.test(artifact.digest) && manifestDigest(manifest) !== artifact.digest) {
    warnings.push(`the manifest of ${artifact.qualifiedName} does not hash to the artifact digest ${artifact.digest} (files are still verified one by one)`);
  }
  const wanted = pathFilter(options.filter);
  const references: string[] = [];
  const tasks: FileTask[] = [];
  for (const entry of manifest.entries) {
    if (!wanted(entry.path)) continue;
    if (entry.ref !== null) {
      references.push(entry.path);
      continue;
    }
    if (!isMd5Base64(entry.digest)) {
      throw new ArtifactError("bad-manifest", "malformed", `manifest entry ${JSON.stringify(entry.path)} of ${artifact.qualifiedName} has digest ${JSON.stringify(entry.digest)}, not a base64 MD5`, {file: entry.path});
    }
    tasks.push({entry, target: entryTarget(root, entry.path)});
  }
  if (references.length) warnings.push(`${references.length} reference entries (stored outside W&B) were not downloaded`);

  const result: ArtifactDownloadResult = {
    artifact,
    dir: root,
    files: [],
    references,
    downloaded: 0,
    present: 0,
    resumed: 0,
    bytesTotal: tasks.reduce((sum, task) => sum + (task.entry.size ?? 0), 0),
    bytesTransferred: 0,
    requests: 0,
    retries: 0,
    digestMismatches: 0,
    elapsedMs: 0,
    warnings
  };
  const counters = {filesDone: 0, filesPresent: 0, filesFailed: 0, bytesDone: 0};
  const emit = (event: ArtifactProgress["event"], extra: Partial<ArtifactProgress> = {}) => {
    if (!options.onProgress) return;
    options.onProgress({
      event,
      ...extra,
      filesTotal: tasks.length,
      filesDone: counters.filesDone,
      filesPresent: counters.filesPresent,
      filesFailed: counters.filesFailed,
      bytesTotal: result.bytesTotal,
      bytesDone: counters.bytesDone,
      bytesTransferred: result.bytesTransferred,
      elapsedMs: Date.now() - started
    });
  };

  // Presigned URLs, fetched once and refreshed (once per generation) when one has expired.
  let urls: Map<string, string> | null = null;
  let generation = 0;
  let refreshing: Promise<void> | null = null;
  const loadUrls = async () => {
    urls = await fetchArtifactFileUrls(client, artifact, {signal: options.signal, perPage: options.perPage});
    generation++;
  };
  const refreshUrls = async (seen: number) => {
    if (generation !== seen) return; // someone already refreshed
    refreshing ??= loadUrls().finally(() => (refreshing = null));
    await refreshing;
  };
  if (tasks.length > 0) await loadUrls();
  emit("listed");

  const failures: Array<{path: string; message: string; kind: WandbErrorKind}> = [];
  const limiter = new Limiter(concurrency);
  await Promise.all(
    tasks.map((task) =>
      limiter.run(async () => {
        if (options.signal?.aborted) {
          failures.push({path: task.entry.path, message: "aborted", kind: "aborted"});
          return;
        }
        try {
          const file = await downloadOne(task);
          result.files.push(file);
        } catch (error) {
          counters.filesFailed++;
          const message = error instanceof Error ? error.message : String(error);
          failures.push({path: task.entry.path, message, kind: error instanceof WandbApiError ? error.kind : "network"});
          emit("failed", {path: task.entry.path, message});
        }
      })
    )
  );
  result.files.sort((a, b) => (a.path < b.path ? -1 : 1));
  result.elapsedMs = Date.now() - started;
  if (failures.length > 0) {
    failures.sort((a, b) => (a.path < b.path ? -1 : 1));
    const aborted = options.signal?.aborted;
    const head = failures.slice(0, 5).map((f) => `  ${f.path}: ${f.message}`).join("\n");
    const more = failures.length > 5 ? `\n  … and ${failures.length - 5} more` : "";
    const message = `${aborted ? "aborted: " : ""}${failures.length} of ${tasks.length} files of ${artifact.qualifiedName} could not be downloaded into ${root}:\n${head}${more}`;
    throw new ArtifactDownloadError(message, failures.map(({path, message}) => ({path, message})), result, aborted ? "aborted" : failures[0].kind);
  }
  return result;

  async function downloadOne({entry, target}: FileTask): Promise<DownloadedFile> {
    const expected = entry.size;
    const record: DownloadedFile = {path: entry.path, file: target, size: expected ?? 0, status: "downloaded", resumedFrom: 0, requests: 0, digestMismatches: 0};
    // Already there and right? (size first: cheap; then the digest.)
    const existing = await sizeOf(target);
    if (existing !== null && (expected === null || existing === expected) && (await md5FileBase64(target)) === entry.digest) {
      await rm(`${target}.part`, {force: true}); // left by an interrupted re-download of a file that is fine now
      record.status = "present";
      record.size = existing;
      result.present++;
      counters.filesPresent++;
      counters.filesDone++;
      counters.bytesDone += existing;
      emit("present", {path: entry.path});
      return record;
    }
    await mkdir(dirname(target), {recursive: true});
    const part = `${target}.part`;
    let countedBytes = 0; // what this file contributes to counters.bytesDone right now
    const setCounted = (bytes: number) => {
      counters.bytesDone += bytes - countedBytes;
      countedBytes = bytes;
    };
    let failuresWithoutProgress = 0;
    let refreshes = 0;
    let first = true;
    for (;;) {
      if (options.signal?.aborted) throw new WandbApiError("aborted", `download of ${entry.path} was aborted`);
      let offset = (await sizeOf(part)) ?? 0;
      if (expected !== null && offset > expected) {
        await rm(part, {force: true});
        offset = 0;
      }
      const state = {offset, hash: createHash("md5")};
      if (offset > 0) await hashFile(part, state.hash, options.signal);
      if (first) {
        record.resumedFrom = offset;
        if (offset > 0) result.resumed++;
        emit("start", {path: entry.path, resumeFrom: offset});
        first = false;
      }
      setCounted(offset);
      if (expected === null || offset < expected) {
        const seen = generation;
        const url = urls?.get(entry.path);
        if (!url) throw new ArtifactError("no-url", "not-found", `W&B listed no download URL for ${entry.path} of ${artifact.qualifiedName}`, {file: entry.path});
        const before = state.offset;
        record.requests++;
        result.requests++;
        const outcome = await fetchInto(url, part, state, expected, entry.path, setCounted);
        if (!outcome.ok) {
          const progressed = state.offset > before;
          if (outcome.restart) {
            await rm(part, {force: true});
            setCounted(0);
          }
          if (outcome.tooLong) {
            await rm(part, {force: true});
            setCounted(0);
            record.digestMismatches++;
            result.digestMismatches++;
            if (record.digestMismatches > digestRetries) {
              throw new ArtifactError("size-mismatch", "malformed", `${entry.path}: the server sent more than the ${expected} bytes the manifest lists, ${record.digestMismatches} times`, {file: entry.path});
            }
            emit("digest-mismatch", {path: entry.path, message: outcome.error.message});
            continue;
          }
          if (outcome.expired && refreshes < 2) {
            refreshes++;
            result.retries++;
            emit("retry", {path: entry.path, message: `${outcome.error.message}; fetching fresh download URLs`});
            await refreshUrls(seen);
            continue;
          }
          if (!outcome.retryable) throw new ArtifactError("download-failed", outcome.error.kind, `${entry.path}: ${outcome.error.message}`, {file: entry.path, status: outcome.error.status});
          failuresWithoutProgress = progressed ? 1 : failuresWithoutProgress + 1;
          if (failuresWithoutProgress > retry.maxRetries) {
            throw new ArtifactError("download-failed", outcome.error.kind, `${entry.path}: ${outcome.error.message} (gave up after ${failuresWithoutProgress} attempts without progress)`, {
              file: entry.path,
              status: outcome.error.status,
              attempts: failuresWithoutProgress
            });
          }
          let delay = backoffDelay(failuresWithoutProgress - 1, retry);
          if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs !== null) {
            if (outcome.retryAfterMs > retry.maxRetryAfterMs) {
              throw new ArtifactError("download-failed", outcome.error.kind, `${entry.path}: ${outcome.error.message} (the server asked to wait ${(outcome.retryAfterMs / 1000).toFixed(1)} s, more than allowed)`, {file: entry.path, status: outcome.error.status});
            }
            delay = outcome.retryAfterMs;
            context.pausedUntil = Math.max(context.pausedUntil, Date.now() + delay);
          }
          result.retries++;
          emit("retry", {path: entry.path, message: `${outcome.error.message}; retrying in ${(delay / 1000).toFixed(1)} s${state.offset > 0 ? ` from byte ${state.offset}` : ""}`});
          await sleep(delay, options.signal).catch(() => undefined);
          continue;
        }
      }
      // The whole file is in .part (an empty file may not exist yet): verify, then rename into place.
      if (state.offset === 0 && (await sizeOf(part)) === null) await writeFile(part, "");
      const size = (await sizeOf(part)) ?? 0;
      const digest = state.hash.digest("base64");
      if ((expected !== null && size !== expected) || digest !== entry.digest) {
        await rm(part, {force: true});
        setCounted(0);
        record.digestMismatches++;
        result.digestMismatches++;
        const what = expected !== null && size !== expected ? `size ${size} instead of ${expected}` : `MD5 ${digest} instead of ${entry.digest}`;
        if (record.digestMismatches > digestRetries) {
          throw new ArtifactError("digest-mismatch", "malformed", `${entry.path}: downloaded content has ${what} (${record.digestMismatches} downloads, all wrong)`, {file: entry.path, attempts: record.digestMismatches});
        }
        emit("digest-mismatch", {path: entry.path, message: `downloaded content has ${what}; downloading it again`});
        continue;
      }
      await rename(part, target);
      record.size = size;
      result.downloaded++;
      counters.filesDone++;
      emit("done", {path: entry.path});
      return record;
    }
  }

  /**
   * One GET of `url` into `part` from `state.offset` (Range when > 0). Appends and hashes what arrives,
   * advancing `state`; a 200 to a Range request restarts the file from zero.
   */
  async function fetchInto(url: string, part: string, state: {offset: number; hash: Hash}, expected: number | null, path: string, setCounted: (bytes: number) => void): Promise<FetchOutcome> {
    const shown = displayUrl(url);
    const pause = context.pausedUntil - Date.now();
    if (pause > 0) await sleep(pause, options.signal).catch(() => undefined);
    const controller = new AbortController();
    let idle = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ((idle = true), controller.abort()), context.idleTimeoutMs);
    };
    const onAbort = () => controller.abort();
    options.signal?.addEventListener("abort", onAbort, {once: true});
    const fail = (kind: WandbErrorKind, message: string, extra: Partial<Extract<FetchOutcome, {ok: false}>> & {status?: number} = {}): FetchOutcome => ({
      ok: false,
      retryable: true,
      ...extra,
      error: new WandbApiError(kind, message, {status: extra.status})
    });
    let handle: Awaited<ReturnType<typeof open>> | null = null;
    try {
      arm();
      const headers: Record<string, string> = {"Accept-Encoding": "identity"};
      if (state.offset > 0) headers.Range = `bytes=${state.offset}-`;
      // No Authorization, ever: presigned URLs carry their own signature (and may be any host).
      const response = await context.fetch(url, {headers, signal: controller.signal, redirect: "follow"});
      const status = response.status;
      if (status === 416) {
        await response.body?.cancel().catch(() => undefined);
        return fail("http", `download of ${path} from ${shown}: range ${state.offset}- not satisfiable (HTTP 416); starting over`, {restart: true, status});
      }
      if (status !== 200 && status !== 206) {
        const body = await response.text().catch(() => "");
        const kind: WandbErrorKind = status === 429 ? "rate-limit" : status === 404 ? "not-found" : "http";
        const message = `download of ${path} from ${shown} failed with HTTP ${status}${storageErrorCode(body)}`;
        // An expired or revoked presigned URL: S3 403, GCS 400 (ExpiredToken), Azure 403.
        if (status === 400 || status === 401 || status === 403) return fail(kind, message, {retryable: false, expired: true, status});
        return fail(kind, message, {retryable: isRetryableStatus(status), retryAfterMs: parseRetryAfter(response.headers.get("retry-after")), status});
      }
      let append = false;
      if (status === 206) {
        const range = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(response.headers.get("content-range") ?? "");
        if (!range || Number(range[1]) !== state.offset || (expected !== null && range[3] !== "*" && Number(range[3]) !== expected)) {
          await response.body?.cancel().catch(() => undefined);
          return fail("malformed", `download of ${path} from ${shown}: unexpected Content-Range ${JSON.stringify(response.headers.get("content-range"))} for a request from byte ${state.offset}; starting over`, {restart: true, status});
        }
        append = true;
      } else if (state.offset > 0) {
        // The server ignored the Range header: the body is the whole file.
        state.offset = 0;
        state.hash = createHash("md5");
        setCounted(0);
      }
      handle = await open(part, append ? "a" : "w");
      if (!response.body) return fail("malformed", `download of ${path} from ${shown}: no body`, {status});
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        const bytes = chunk;
        if (expected !== null && state.offset + bytes.length > expected) {
          controller.abort();
          return fail("malformed", `download of ${path} from ${shown}: more bytes than the ${expected} the manifest lists`, {retryable: false, tooLong: true, status});
        }
        await handle.write(bytes);
        state.hash.update(bytes);
        state.offset += bytes.length;
        result.bytesTransferred += bytes.length;
        setCounted(state.offset);
        emit("data", {path});
      }
      if (expected !== null && state.offset < expected) {
        return fail("network", `download of ${path} from ${shown}: the response ended at byte ${state.offset} of ${expected}`, {status});
      }
      return {ok: true};
    } catch (error) {
      if (options.signal?.aborted) return fail("aborted", `download of ${path} was aborted`, {retryable: false});
      if (idle) return fail("timeout", `download of ${path} from ${shown} stalled (no data for ${context.idleTimeoutMs} ms) at byte ${state.offset}`);
      return fail("network", `download of ${path} from ${shown} failed at byte ${state.offset} (${describeError(error)})`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      await handle?.close().catch(() => undefined);
    }
  }
}

/** Absolute paths of `.part` files left under `dir` (tests, `--clean`). */
export async function partFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string) => {
    let entries;
    try {
      entries = await readdir(folder, {withFileTypes: true});
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith(".part")) out.push(full);
    }
  };
  await walk(resolve(dir));
  return out.sort();
}
