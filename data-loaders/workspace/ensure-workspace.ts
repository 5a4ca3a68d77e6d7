import {createHash} from "node:crypto";
import {existsSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {combineSources} from "../sources/source-reader.js";
import {PROJECT_ROOT, type ResolvedSource} from "../sources/resolve-source.js";
import {publishFingerprintedDir} from "./fingerprinted-dir.js";
import {WORKSPACE_TABLES, writeWorkspace, type WorkspaceCounts, type WorkspaceTable, type WriteProgress} from "./write-workspace.js";

/** Bumped whenever the tables' schema or their derivation changes, so old workspaces are rebuilt. */
export const WORKSPACE_SCHEMA_VERSION = 1;

export const DEFAULT_WORKSPACE_DIR = join(PROJECT_ROOT, ".runlens", "workspace");

export interface Workspace {
  dir: string;
  fingerprint: string;
  built: boolean;
  counts: WorkspaceCounts | null;
  file(table: WorkspaceTable): string;
}

/**
 * The workspace is keyed by a fingerprint of its inputs (every source file's path, size and mtime) so
 * that Framework's three table loaders share one build, and a rebuild happens exactly when data changed.
 */
export function fingerprintSources(sources: ResolvedSource[], files: {path: string; size: number; mtimeMs: number}[]): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({schema: WORKSPACE_SCHEMA_VERSION, sources}));
  for (const file of files) hash.update(`${file.path}\0${file.size}\0${file.mtimeMs}\n`);
  return hash.digest("hex").slice(0, 16);
}

function workspaceAt(dir: string, fingerprint: string, built: boolean, counts: WorkspaceCounts | null): Workspace {
  return {dir, fingerprint, built, counts, file: (table) => join(dir, `${table}.parquet`)};
}

/**
 * Return the workspace for `source`, building it if needed. The tables are written into a private
 * temporary folder and renamed into place in one step: a failed or killed build leaves no Parquet file
 * behind, and concurrent builders (Framework runs loaders in parallel) never see a half-written table.
 */
export async function ensureWorkspace(
  sourceOrSources: ResolvedSource | ResolvedSource[],
  options: {root?: string; progress?: WriteProgress; force?: boolean} = {}
): Promise<Workspace> {
  const root = options.root ?? DEFAULT_WORKSPACE_DIR;
  const sources = Array.isArray(sourceOrSources) ? sourceOrSources : [sourceOrSources];
  const reader = combineSources(sources, (message) => options.progress?.(`warning: ${message}`));
  const fingerprint = fingerprintSources(sources, reader.files());
  const dir = join(root, fingerprint);
  if (!options.force && WORKSPACE_TABLES.every((table) => existsSync(join(dir, `${table}.parquet`)))) {
    return workspaceAt(dir, fingerprint, false, null);
  }
  const counts = await publishFingerprintedDir(
    root,
    fingerprint,
    async (temp) => {
      const counts = await writeWorkspace({runs: await reader.runs(), readHistory: reader.readHistory, readHistoryColumns: reader.readHistoryColumns}, temp, options.progress);
      const manifest = {fingerprint, schema: WORKSPACE_SCHEMA_VERSION, sources: sources.map((source) => source.label), counts, builtAt: new Date().toISOString()};
      writeFileSync(join(temp, "manifest.json"), JSON.stringify(manifest, null, 2));
      return counts;
    },
    {force: options.force}
  );
  return workspaceAt(dir, fingerprint, true, counts);
}
