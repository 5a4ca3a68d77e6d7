import {spawnSync} from "node:child_process";
import {existsSync, mkdirSync, readdirSync, rmSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {describe, expect, it} from "vitest";
import {SourceError} from "../../data-loaders/errors.js";
import {ensureWorkspace} from "../../data-loaders/workspace/ensure-workspace.js";
import {tempDir, writeRun} from "../helpers/run-dir.js";

const GOOD_RUN = {displayName: "ok", state: "finished", config: '{"lr": {"value": 0.1}}', summaryMetrics: "{}"};
const GOOD_HISTORY = ['{"_step": 0, "loss": 1.0}', '{"_step": 1, "loss": 0.5}'];

/** Build from a run folder that has one good run and whatever `breakIt` does to a second one. */
async function buildBroken(breakIt: (root: string) => void): Promise<{error: unknown; workspaceRoot: string}> {
  const root = tempDir();
  writeRun(root, "good", GOOD_RUN, GOOD_HISTORY);
  breakIt(root);
  const workspaceRoot = tempDir();
  try {
    await ensureWorkspace({kind: "run-dir", root, source: "wandb", label: "test"}, {root: workspaceRoot});
    return {error: undefined, workspaceRoot};
  } catch (error) {
    return {error, workspaceRoot};
  }
}

/** After a failed build, no Parquet file (and no temp folder) may be left anywhere in the workspace root. */
function leftovers(workspaceRoot: string): string[] {
  return existsSync(workspaceRoot) ? readdirSync(workspaceRoot, {recursive: true}).map(String) : [];
}

describe("bad input fails with one clear message and leaves nothing behind", () => {
  it.each([
    [
      "run.json is not JSON",
      (root: string) => {
        writeRun(root, "r2", GOOD_RUN, GOOD_HISTORY);
        writeFileSync(join(root, "runs", "r2", "run.json"), "{not json");
      },
      /runs\/r2\/run\.json: not valid JSON/
    ],
    [
      "config is a broken JSON string",
      (root: string) => writeRun(root, "r2", {...GOOD_RUN, config: '{"lr": '}, GOOD_HISTORY),
      /runs\/r2\/run\.json: field "config" is not a valid JSON object string/
    ],
    [
      "history line is malformed",
      (root: string) => writeRun(root, "r2", GOOD_RUN, ['{"_step": 0, "loss": 1}', '{"_step": 1, "loss": }']),
      /runs\/r2\/history\.jsonl:2: not valid JSON/
    ],
    [
      "history line has no _step",
      (root: string) => writeRun(root, "r2", GOOD_RUN, ['{"loss": 1}']),
      /runs\/r2\/history\.jsonl:1: "_step" should be a non-negative integer/
    ],
    [
      "history.jsonl is missing",
      (root: string) => {
        mkdirSync(join(root, "runs", "r2"), {recursive: true});
        writeFileSync(join(root, "runs", "r2", "run.json"), JSON.stringify({name: "r2", ...GOOD_RUN}));
      },
      /runs\/r2\/history\.jsonl: missing/
    ],
    [
      "run.json is missing",
      (root: string) => {
        mkdirSync(join(root, "runs", "r2"), {recursive: true});
        writeFileSync(join(root, "runs", "r2", "history.jsonl"), GOOD_HISTORY.join("\n"));
      },
      /runs\/r2\/run\.json: missing/
    ],
    [
      "tags are not strings",
      (root: string) => writeRun(root, "r2", {...GOOD_RUN, tags: [1, 2]}, GOOD_HISTORY),
      /runs\/r2\/run\.json: field "tags" should be a list of strings/
    ],
    [
      "createdAt is not a time",
      (root: string) => writeRun(root, "r2", {...GOOD_RUN, createdAt: "yesterday"}, GOOD_HISTORY),
      /runs\/r2\/run\.json: field "createdAt" is not an ISO 8601 time/
    ]
  ])("%s", async (_label, breakIt, message) => {
    const {error, workspaceRoot} = await buildBroken(breakIt);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(message);
    expect(leftovers(workspaceRoot)).toEqual([]);
  });

  it("an empty run folder is an error, not an empty workspace", async () => {
    const root = tempDir();
    mkdirSync(join(root, "runs"));
    await expect(ensureWorkspace({kind: "run-dir", root, source: "wandb", label: "t"}, {root: tempDir()})).rejects.toThrow(
      /contains no run folders/
    );
  });

  it("the data loader exits non-zero with one line naming the file, and writes no Parquet bytes", () => {
    const root = tempDir();
    writeRun(root, "r2", {...GOOD_RUN, config: "{oops"}, GOOD_HISTORY);
    const workspaceRoot = tempDir();
    const loader = resolve(import.meta.dirname, "../../src/data/runs.parquet.ts");
    const result = spawnSync(process.execPath, ["--import", "tsx", loader], {
      env: {...process.env, RUNLENS_RUNS_DIR: root, RUNLENS_WORKSPACE_DIR: workspaceRoot},
      encoding: "buffer"
    });
    expect(result.status).toBe(1);
    expect(result.stdout.length).toBe(0);
    const stderr = result.stderr.toString();
    expect(stderr).toContain(`${join(root, "runs", "r2", "run.json")}: field "config" is not a valid JSON object string`);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(leftovers(workspaceRoot)).toEqual([]);
    rmSync(workspaceRoot, {recursive: true, force: true});
  });
});
