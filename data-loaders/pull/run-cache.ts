import {closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync} from "node:fs";
import {open} from "node:fs/promises";
import {join} from "node:path";
import {parsePythonJson, stringifyPythonJson} from "../json/python-json.js";

/**
 * The pull cache of one W&B project, in the same layout as the embedded sample so the run-dir reader
 * reads it: `<root>/runs/<run_id>/run.json` + `history.jsonl`.
 *
 * Crash safety (kill -9 at any moment loses nothing and duplicates nothing):
 * - a run pulled for the first time is assembled in `runs/.pulling-<run_id>/` (ignored by readers) and
 *   renamed into place once complete;
 * - history is append-only; a partial last line (a write cut by a kill) is truncated before appending,
 *   and rows at or below the last cached `_step` are never appended again;
 * - `run.json` is written last, through a temporary file and a rename, so its `historyLineCount` /
 *   `heartbeatAt` only claim history that is already on disk.
 */
export class ProjectCache {
  readonly runsDir: string;

  constructor(readonly root: string) {
    this.runsDir = join(root, "runs");
  }

  runDir(runId: string): string {
    return join(this.runsDir, runId);
  }

  stagingDir(runId: string): string {
    return join(this.runsDir, `.pulling-${runId}`);
  }

  /** The cached run node, or null when the run was never completely pulled. */
  readRunNode(runId: string): Record<string, unknown> | null {
    const file = join(this.runDir(runId), "run.json");
    if (!existsSync(file)) return null;
    try {
      return parsePythonJson(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch {
      return null; // a corrupt node is refetched; the history next to it is kept
    }
  }

  /** Where this run's history lives right now (complete folder, else staging), creating staging if needed. */
  historyFile(runId: string): string {
    const done = join(this.runDir(runId), "history.jsonl");
    if (existsSync(done)) return done;
    mkdirSync(this.stagingDir(runId), {recursive: true});
    return join(this.stagingDir(runId), "history.jsonl");
  }

  /**
   * Last `_step` in a history file; truncates a trailing partial line (a write cut short by a kill).
   * Reads only the tail, so resuming a run with millions of rows stays cheap.
   */
  repairHistory(file: string): {lastStep: number | null} {
    if (!existsSync(file)) return {lastStep: null};
    const fd = openSync(file, "r+");
    try {
      let window = 1 << 16;
      for (;;) {
        const size = fstatSync(fd).size;
        window = Math.min(size, window);
        if (size === 0) return {lastStep: null};
        const tail = Buffer.alloc(window);
        readSync(fd, tail, 0, window, size - window);
        const lastNewline = tail.lastIndexOf(10);
        const complete = lastNewline + 1;
        if (lastNewline === -1 && window < size) {
          window = Math.min(size, window * 4);
          continue;
        }
        if (complete < window) ftruncateSync(fd, size - window + complete);
        if (lastNewline === -1) return {lastStep: null};
        const previous = lastNewline === 0 ? -1 : tail.lastIndexOf(10, lastNewline - 1);
        if (previous === -1 && window < size) {
          window = Math.min(size, window * 4);
          continue;
        }
        const line = tail.subarray(previous + 1, lastNewline).toString("utf8");
        const row = parsePythonJson(line) as Record<string, unknown>;
        return {lastStep: typeof row._step === "number" ? row._step : null};
      }
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Append rows (already filtered to steps beyond the cache). `texts[i]`, when given, is row i's JSON text as
   * the server sent it (one line, no line break): written as is instead of serialising the row again.
   * Asynchronous, so one run's writes overlap the others' downloads. Not flushed to disk here: a kill loses
   * nothing the kernel already has, and `syncHistory` flushes once per run before `commitRun` claims it.
   */
  async appendHistory(file: string, rows: Record<string, unknown>[], texts?: readonly string[]): Promise<void> {
    if (rows.length === 0) return;
    if (texts !== undefined && texts.length !== rows.length) throw new Error(`appendHistory: ${texts.length} texts for ${rows.length} rows`);
    const lines = texts ?? rows.map((row) => stringifyPythonJson(row));
    const handle = await open(file, "a");
    try {
      // In pieces of ~64 KB: joining a whole page into one string costs far more (V8's large strings).
      for (let start = 0; start < lines.length; ) {
        let end = start;
        let size = 0;
        while (end < lines.length && (size < 65536 || end === start)) size += lines[end++].length + 1;
        await handle.writeFile(lines.slice(start, end).join("\n") + "\n"); // writeFile: loops until every byte is written
        start = end;
      }
    } finally {
      await handle.close();
    }
  }

  /** Flush a history file to disk (before run.json, written next, says how much history there is). */
  async syncHistory(file: string): Promise<void> {
    if (!existsSync(file)) return;
    const handle = await open(file, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Write run.json atomically and, for a first pull, move the staged folder into place. */
  commitRun(runId: string, node: Record<string, unknown>): void {
    const staging = this.stagingDir(runId);
    const target = this.runDir(runId);
    const dir = existsSync(target) ? target : staging;
    mkdirSync(dir, {recursive: true});
    if (!existsSync(join(dir, "history.jsonl"))) writeFileSync(join(dir, "history.jsonl"), "");
    const temp = join(dir, `.run.json.${process.pid}.tmp`);
    writeFileSync(temp, JSON.stringify(node, null, 1));
    renameSync(temp, join(dir, "run.json"));
    if (dir === staging) renameSync(staging, target);
  }

  /** Remove leftovers of runs that no longer need staging (e.g. a run deleted on the server mid-pull). */
  discardStaging(runId: string): void {
    rmSync(this.stagingDir(runId), {recursive: true, force: true});
  }

  writeState(state: Record<string, unknown>): void {
    mkdirSync(this.root, {recursive: true});
    const temp = join(this.root, `.pull-state.${process.pid}.tmp`);
    writeFileSync(temp, JSON.stringify(state, null, 2));
    renameSync(temp, join(this.root, "pull-state.json"));
  }

  readState(): Record<string, unknown> | null {
    const file = join(this.root, "pull-state.json");
    if (!existsSync(file)) return null;
    try {
      return JSON.parse(readFileSync(file, "utf8"));
    } catch {
      return null;
    }
  }
}

