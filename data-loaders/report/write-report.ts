// Write the report folder atomically: every file goes into a temporary sibling folder, which then
// replaces the previous report by rename. A failure before the swap leaves the previous report as it
// was and no partial folder behind.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from "node:fs";
import {basename, dirname, isAbsolute, join, normalize, resolve, sep} from "node:path";

export interface ReportFile {
  /** Path relative to the report folder, "/"-separated. */
  path: string;
  content: string;
}

/** The manifest every report holds; its `generator` marks a folder as one `runlens report` may replace. */
export const MANIFEST = "report.json";
export const GENERATOR = "runlens report";

export class ReportWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportWriteError";
  }
}

/** Is `dir` a folder this command may replace: empty, or holding a manifest written by it? */
export function isReplaceable(dir: string): {ok: boolean; reason?: string} {
  if (!existsSync(dir)) return {ok: true};
  if (!statSync(dir).isDirectory()) return {ok: false, reason: "it is a file, not a folder"};
  const entries = readdirSync(dir);
  if (entries.length === 0) return {ok: true};
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8"));
    if (manifest?.generator === GENERATOR) return {ok: true};
  } catch {
    // fall through
  }
  return {ok: false, reason: `it holds ${entries.length} entr${entries.length === 1 ? "y" : "ies"} and no ${MANIFEST} written by ${GENERATOR}`};
}

function checkRelative(path: string): string {
  const p = normalize(path);
  if (path === "" || isAbsolute(path) || p === ".." || p.startsWith(`..${sep}`)) throw new ReportWriteError(`report file path outside the report folder: ${path}`);
  return p;
}

/**
 * Replace `outDir` with a folder holding exactly `files`. Refuses to replace a folder that is not a
 * previous report (or empty), so `--out .` never deletes a project. Between the two renames of the
 * swap the folder is briefly absent; a failed second rename puts the previous report back.
 */
export function writeReportAtomically(outDir: string, files: readonly ReportFile[]): void {
  const target = resolve(outDir);
  const replaceable = isReplaceable(target);
  if (!replaceable.ok) throw new ReportWriteError(`refusing to replace ${target}: ${replaceable.reason}. Choose another --out folder or remove it.`);
  const parent = dirname(target);
  mkdirSync(parent, {recursive: true});
  const stamp = `${process.pid}-${Date.now()}`;
  const temp = join(parent, `.${basename(target)}.tmp-${stamp}`);
  mkdirSync(temp);
  try {
    for (const file of files) {
      const path = join(temp, checkRelative(file.path));
      mkdirSync(dirname(path), {recursive: true});
      writeFileSync(path, file.content);
    }
  } catch (error) {
    rmSync(temp, {recursive: true, force: true});
    throw error;
  }
  if (!existsSync(target)) {
    renameSync(temp, target);
    return;
  }
  const old = join(parent, `.${basename(target)}.old-${stamp}`);
  renameSync(target, old);
  try {
    renameSync(temp, target);
  } catch (error) {
    renameSync(old, target);
    rmSync(temp, {recursive: true, force: true});
    throw error;
  }
  rmSync(old, {recursive: true, force: true});
}
