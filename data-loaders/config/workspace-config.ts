import {existsSync, readFileSync} from "node:fs";
import {dirname, isAbsolute, join, resolve} from "node:path";
import {SourceError} from "../errors.js";
import {isPlainObject} from "../model/flatten.js";

/**
 * Where a workspace's runs come from. Several sources can be combined; with none configured the
 * embedded sample is used.
 *
 * `runlens.config.json` (or the file named by `--config` / `RUNLENS_CONFIG`):
 *   {
 *     "cacheDir": ".runlens/cache",
 *     "sources": [
 *       {"wandb": "my-team/my-project", "filters": {"state": "finished"}, "order": "+created_at"},
 *       {"offline": "/scratch/wandb"},
 *       {"runs": "exports/old-project"}
 *     ]
 *   }
 * and the W&B conventions: `WANDB_ENTITY` + `WANDB_PROJECT` add a project when the file names none;
 * `RUNLENS_RUNS_DIR` adds a folder of runs in the W&B API's shape.
 */
export type SourceSpec =
  | {kind: "wandb"; entity: string; project: string; filters: Record<string, unknown> | null; order: string | null}
  | {kind: "offline"; path: string}
  | {kind: "runs"; path: string};

export interface WorkspaceConfig {
  /** The config file read, or null. */
  file: string | null;
  cacheDir: string;
  sources: SourceSpec[];
}

export const CONFIG_FILE_NAME = "runlens.config.json";

function fail(file: string, problem: string): never {
  throw new SourceError(file, problem);
}

/** `entity/project` → parts; a bare `project` takes the entity from WANDB_ENTITY. */
export function parseProjectPath(path: string, env: NodeJS.ProcessEnv, where: string): {entity: string; project: string} {
  const parts = path.split("/").filter(Boolean);
  if (parts.length === 2) return {entity: parts[0], project: parts[1]};
  if (parts.length === 1 && env.WANDB_ENTITY) return {entity: env.WANDB_ENTITY, project: parts[0]};
  return fail(where, `W&B project "${path}" should be "entity/project" (or set WANDB_ENTITY)`);
}

function parseSource(raw: unknown, index: number, file: string, base: string, env: NodeJS.ProcessEnv): SourceSpec {
  const where = `sources[${index}]`;
  if (!isPlainObject(raw)) fail(file, `${where} should be an object like {"wandb": "entity/project"}`);
  const kinds = ["wandb", "offline", "runs"].filter((key) => key in raw);
  if (kinds.length !== 1) fail(file, `${where} should have exactly one of "wandb", "offline", "runs"`);
  const [kind] = kinds;
  const value = raw[kind];
  if (typeof value !== "string" || value.trim() === "") fail(file, `${where}.${kind} should be a non-empty string`);
  if (kind === "wandb") {
    const {entity, project} = parseProjectPath(value, env, file);
    const filters = raw.filters ?? null;
    if (filters !== null && !isPlainObject(filters)) fail(file, `${where}.filters should be an object (W&B's MongoDB-style filter)`);
    const order = raw.order ?? null;
    if (order !== null && typeof order !== "string") fail(file, `${where}.order should be a string such as "+created_at"`);
    return {kind: "wandb", entity, project, filters: filters as Record<string, unknown> | null, order: order as string | null};
  }
  const path = isAbsolute(value) ? value : resolve(base, value);
  return kind === "offline" ? {kind: "offline", path} : {kind: "runs", path};
}

/** Read the config file (if any) and the environment into a list of sources. */
export function loadWorkspaceConfig(options: {projectRoot: string; configFile?: string; env?: NodeJS.ProcessEnv}): WorkspaceConfig {
  const env = options.env ?? process.env;
  const explicit = options.configFile ?? env.RUNLENS_CONFIG;
  const file = explicit ? resolve(explicit) : join(options.projectRoot, CONFIG_FILE_NAME);
  const sources: SourceSpec[] = [];
  let cacheDir = join(options.projectRoot, ".runlens", "cache");
  let found: string | null = null;
  if (existsSync(file)) {
    found = file;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      fail(file, `not valid JSON (${(error as Error).message})`);
    }
    if (!isPlainObject(parsed)) fail(file, "should hold a JSON object with a \"sources\" list");
    const base = dirname(file);
    if (parsed.cacheDir !== undefined) {
      if (typeof parsed.cacheDir !== "string") fail(file, `"cacheDir" should be a string`);
      cacheDir = resolve(base, parsed.cacheDir);
    }
    if (parsed.sources !== undefined) {
      if (!Array.isArray(parsed.sources)) fail(file, `"sources" should be a list`);
      parsed.sources.forEach((raw, index) => sources.push(parseSource(raw, index, file, base, env)));
    }
  } else if (explicit) {
    fail(file, "config file does not exist");
  }
  if (!sources.some((source) => source.kind === "wandb") && env.WANDB_PROJECT?.trim()) {
    const path = env.WANDB_PROJECT.includes("/") ? env.WANDB_PROJECT : `${env.WANDB_ENTITY ?? ""}/${env.WANDB_PROJECT}`;
    sources.push({kind: "wandb", ...parseProjectPath(path, env, "WANDB_PROJECT"), filters: null, order: null});
  }
  if (env.RUNLENS_RUNS_DIR?.trim()) sources.push({kind: "runs", path: resolve(env.RUNLENS_RUNS_DIR.trim())});
  return {file: found, cacheDir, sources};
}

/** The cache folder of one W&B project (same layout as the sample). */
export function projectCacheDir(config: WorkspaceConfig, entity: string, project: string): string {
  const safe = (part: string) => encodeURIComponent(part);
  return join(config.cacheDir, "wandb", safe(entity), safe(project));
}
