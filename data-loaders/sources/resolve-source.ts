import {existsSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {loadWorkspaceConfig, projectCacheDir, type WorkspaceConfig} from "../config/workspace-config.js";
import {SourceError} from "../errors.js";
import type {RunSource} from "../model/run-record.js";

/** The repository root (two levels above this file). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The real runs bundled with runlens, used whenever no other source is configured. */
export const SAMPLE_RUNS_DIR = join(PROJECT_ROOT, "sample", "altgrad-fp8");

/** A source ready to read: a folder of runs in the W&B API's shape, or offline `.wandb` logs. */
export type ResolvedSource =
  | {kind: "run-dir"; root: string; source: RunSource; label: string}
  | {kind: "offline"; path: string; label: string};

export const SAMPLE_SOURCE: ResolvedSource = {kind: "run-dir", root: SAMPLE_RUNS_DIR, source: "sample", label: "embedded sample: altgrad-fp8"};

/** Map configured sources to readable ones; W&B projects are read from their pull cache. */
export function resolveSources(config: WorkspaceConfig): ResolvedSource[] {
  if (config.sources.length === 0) return [SAMPLE_SOURCE];
  return config.sources.map((spec): ResolvedSource => {
    if (spec.kind === "wandb") {
      const root = projectCacheDir(config, spec.entity, spec.project);
      if (!existsSync(join(root, "runs"))) {
        throw new SourceError(root, `no pulled runs for W&B project ${spec.entity}/${spec.project}: run \`npx runlens pull\` first`);
      }
      return {kind: "run-dir", root, source: "wandb", label: `W&B ${spec.entity}/${spec.project} (pulled)`};
    }
    if (!existsSync(spec.path)) throw new SourceError(spec.path, `${spec.kind === "offline" ? "offline run folder" : "run folder"} does not exist`);
    if (spec.kind === "offline") return {kind: "offline", path: spec.path, label: `offline runs in ${spec.path}`};
    return {kind: "run-dir", root: spec.path, source: "wandb", label: `runs in ${spec.path}`};
  });
}

/** Sources for this project from its config file and environment (see workspace-config.ts). */
export function resolveSource(env: NodeJS.ProcessEnv = process.env, configFile?: string): ResolvedSource[] {
  return resolveSources(loadWorkspaceConfig({projectRoot: PROJECT_ROOT, env, configFile}));
}
