import {createHash} from "node:crypto";
import {existsSync, readFileSync, rmSync} from "node:fs";
import {join} from "node:path";
import {WORKSPACE_TABLES} from "./write-workspace.js";
import type {Workspace} from "./ensure-workspace.js";

function digest(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * Framework reruns a data loader only when the loader file is newer than its cached output, not when the
 * data behind it changed. Drop cached tables that differ from the current workspace so the next
 * `observable build` / `preview` loads the new data. Returns the tables that were invalidated.
 */
export function syncFrameworkCache(workspace: Workspace, siteRoot: string): string[] {
  const cacheDir = join(siteRoot, ".observablehq", "cache", "data");
  const stale: string[] = [];
  for (const table of WORKSPACE_TABLES) {
    const cached = join(cacheDir, `${table}.parquet`);
    if (existsSync(cached) && digest(cached) !== digest(workspace.file(table))) {
      rmSync(cached);
      stale.push(table);
    }
  }
  return stale;
}
