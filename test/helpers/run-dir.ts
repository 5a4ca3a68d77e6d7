import {mkdirSync, mkdtempSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";

export function tempDir(prefix = "runlens-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write one run folder in the W&B API's shape; `history` lines are written verbatim. */
export function writeRun(root: string, runId: string, run: Record<string, unknown>, history: string[]): string {
  const dir = join(root, "runs", runId);
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, "run.json"), JSON.stringify({name: runId, ...run}));
  writeFileSync(join(dir, "history.jsonl"), history.join("\n") + "\n");
  return dir;
}
