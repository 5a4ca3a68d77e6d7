import {spawn} from "node:child_process";
import {existsSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {parsePythonJson} from "../../data-loaders/json/python-json.js";
import {join, resolve} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {pullProject} from "../../data-loaders/pull/pull-project.js";
import {SAMPLE_SOURCE} from "../../data-loaders/sources/resolve-source.js";
import {WandbApi} from "../../data-loaders/sources/wandb-api/index.js";
import {ensureWorkspace, type Workspace} from "../../data-loaders/workspace/ensure-workspace.js";
import {startFakeWandb, type FakeWandb} from "../fake-wandb/server.js";
import {queryParquet} from "../helpers/duckdb.js";
import {tempDir} from "../helpers/run-dir.js";

const REPO = resolve(import.meta.dirname, "../..");
const quiet = {write: () => {}, isTTY: false};
let sample: Workspace;

beforeAll(async () => {
  sample = await ensureWorkspace(SAMPLE_SOURCE, {root: tempDir()});
});

/** Rows in one workspace's table that the other lacks, both ways (source and url differ by design). */
async function differences(a: Workspace, b: Workspace): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const [table, columns] of [["runs", "* EXCLUDE (source, url)"], ["history", "*"], ["metrics", "*"]] as const) {
    const [row] = await queryParquet<{n: bigint}>(`
      SELECT (SELECT count(*) FROM (SELECT ${columns} FROM '${a.file(table)}' EXCEPT ALL SELECT ${columns} FROM '${b.file(table)}'))
           + (SELECT count(*) FROM (SELECT ${columns} FROM '${b.file(table)}' EXCEPT ALL SELECT ${columns} FROM '${a.file(table)}')) AS n`);
    result[table] = Number(row.n);
  }
  return result;
}

function pulledWorkspace(cacheRoot: string): Promise<Workspace> {
  return ensureWorkspace({kind: "run-dir", root: cacheRoot, source: "wandb", label: "pulled"}, {root: tempDir()});
}

function api(fake: FakeWandb): WandbApi {
  return new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, concurrency: 8, timeoutMs: 2000, retry: {baseDelayMs: 1, maxDelayMs: 10}, env: {}});
}

describe("pull from a fake W&B server", () => {
  let fake: FakeWandb;
  afterAll(async () => fake?.stop());

  it("reproduces the sample exactly, with run links", async () => {
    fake = await startFakeWandb();
    const cacheRoot = tempDir();
    const summary = await pullProject(api(fake), {entity: "fp8-lab", project: "altgrad", cacheRoot, sink: quiet});
    expect(summary).toMatchObject({runs: 80, newRuns: 80, rows: 6609});
    const pulled = await pulledWorkspace(cacheRoot);
    expect(await differences(sample, pulled)).toEqual({runs: 0, history: 0, metrics: 0});
    const [row] = await queryParquet<{url: string; source: string}>(`SELECT url, source FROM '${pulled.file("runs")}' WHERE run_id = '1qxlkm02'`);
    expect(row).toEqual({url: `${fake.url}/fp8-lab/altgrad/runs/1qxlkm02`, source: "wandb"});

    // Incremental: new steps on one run → only that run's history is fetched, from the step after the cache.
    fake.appendHistory("1qxlkm02", [
      {_step: 330, _runtime: 30, _timestamp: 1795456050, loss: 2.5},
      {_step: 335, _runtime: 31, _timestamp: 1795456051, loss: NaN}
    ]);
    fake.resetStats();
    const again = await pullProject(api(fake), {entity: "fp8-lab", project: "altgrad", cacheRoot, sink: quiet});
    expect(again).toMatchObject({runs: 80, unchanged: 79, updated: 1, rows: 2});
    expect(fake.stats.history.map((request) => [request.run, request.minStep])).toEqual([["1qxlkm02", 326]]);
    const updated = await pulledWorkspace(cacheRoot);
    const tail = await queryParquet<{step: bigint; value: number}>(
      `SELECT step, value FROM '${updated.file("history")}' WHERE run_id = '1qxlkm02' AND metric = 'loss' AND step >= 325 ORDER BY step`
    );
    expect(tail.map((r) => [Number(r.step), r.value])).toEqual([[325, 2.6526684761047363], [330, 2.5], [335, NaN]]);
    await fake.stop();
  });

  it("stores the server's row texts as they came; a row text with a line break is written again as one line", async () => {
    fake = await startFakeWandb();
    const cacheRoot = tempDir();
    await pullProject(api(fake), {entity: "fp8-lab", project: "altgrad", cacheRoot, sink: quiet});
    const cached = (run: string) => readFileSync(join(cacheRoot, "runs", run, "history.jsonl"), "utf8");
    for (const run of ["1qxlkm02", "edz7o4mn"]) expect(cached(run)).toBe(fake.server.historyLines(run).join("\n") + "\n");

    // A JSON text spread over two lines (legal JSON, not one JSON-lines line): that page is serialised again.
    const lines = fake.server.historyLines("1qxlkm02");
    fake.appendHistory("1qxlkm02", ['{"_step": 400,\n "loss": 1.5, "note": "two\\nlines"}', '{"_step": 401, "loss": NaN}']);
    await pullProject(api(fake), {entity: "fp8-lab", project: "altgrad", cacheRoot, sink: quiet});
    const tail = cached("1qxlkm02").split("\n").slice(lines.length);
    expect(tail).toHaveLength(3);
    expect(tail[2]).toBe("");
    expect(parsePythonJson(tail[0])).toEqual({_step: 400, loss: 1.5, note: "two\nlines"});
    expect((parsePythonJson(tail[1]) as {loss: number}).loss).toBeNaN();
    await fake.stop();
  });

  it("reads new runs from the parquet history export when asked, with the same result", async () => {
    fake = await startFakeWandb();
    const cacheRoot = tempDir();
    await pullProject(api(fake), {entity: "fp8-lab", project: "altgrad", cacheRoot, sink: quiet, useParquetExport: true});
    expect(fake.stats.byOperation.HistoryPage ?? 0).toBe(0);
    expect(fake.stats.byOperation.RunParquetHistory).toBe(80);
    expect(await differences(sample, await pulledWorkspace(cacheRoot))).toEqual({runs: 0, history: 0, metrics: 0});
    await fake.stop();
  });

  it("loses nothing in a storm of 429s (Retry-After), 5xx, dropped connections and malformed bodies", async () => {
    fake = await startFakeWandb({
      faults: {rate: 0.35, seed: 7, kinds: ["rate-limit", "server-error", "drop", "reset", "malformed"], retryAfter: "0"}
    });
    const cacheRoot = tempDir();
    await pullProject(api(fake), {entity: "fp8-lab", project: "altgrad", cacheRoot, sink: quiet});
    const faults = Object.values(fake.stats.faults).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(20);
    expect(await differences(sample, await pulledWorkspace(cacheRoot))).toEqual({runs: 0, history: 0, metrics: 0});
    await fake.stop();
  });

  it("kill -9 in the middle of `runlens pull`, then a re-run, gives identical tables", async () => {
    fake = await startFakeWandb({latencyMs: 15});
    const project = tempDir();
    writeFileSync(join(project, "runlens.config.json"), JSON.stringify({cacheDir: "cache", sources: [{wandb: "fp8-lab/altgrad"}]}));
    const runsDir = join(project, "cache", "wandb", "fp8-lab", "altgrad", "runs");
    const env = {...process.env, WANDB_BASE_URL: fake.url, WANDB_API_KEY: fake.apiKey, RUNLENS_WORKSPACE_DIR: join(project, "ws"), CI: "true"};
    const pull = () => spawn(process.execPath, [join(REPO, "bin/runlens.js"), "pull", "--config", join(project, "runlens.config.json"), "--concurrency", "3"], {env, stdio: ["ignore", "pipe", "pipe"]});

    const child = pull();
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // Kill once some runs are complete and others are still being written.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const entries = existsSync(runsDir) ? readdirSync(runsDir) : [];
      if (entries.filter((e) => !e.startsWith(".")).length >= 10 && entries.some((e) => e.startsWith(".pulling-"))) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const complete = readdirSync(runsDir).filter((e) => !e.startsWith("."));
    expect(complete.length, stderr).toBeGreaterThanOrEqual(10);
    expect(complete.length).toBeLessThan(80);

    const rerun = pull();
    let out = "";
    rerun.stderr.on("data", (chunk) => (out += chunk));
    const code = await new Promise((r) => rerun.on("close", r));
    expect(code, out).toBe(0);
    expect(out).toMatch(/80 runs \(\d+ new, \d+ updated, \d+ unchanged\)/);
    expect(out).not.toContain(fake.apiKey);
    expect(readdirSync(runsDir).filter((e) => e.startsWith("."))).toEqual([]);
    expect(await differences(sample, await pulledWorkspace(join(project, "cache", "wandb", "fp8-lab", "altgrad")))).toEqual({runs: 0, history: 0, metrics: 0});
    await fake.stop();
  });

  it("a bad API key fails with a clear message and a non-zero exit, without printing the key", async () => {
    fake = await startFakeWandb();
    const project = tempDir();
    const wrongKey = "k".repeat(40);
    writeFileSync(join(project, "runlens.config.json"), "{}");
    const args = ["pull", "--project", "fp8-lab/altgrad", "--no-workspace", "--config", join(project, "runlens.config.json")];
    const child = spawn(process.execPath, [join(REPO, "bin/runlens.js"), ...args], {
      cwd: project,
      env: {...process.env, WANDB_BASE_URL: fake.url, WANDB_API_KEY: wrongKey, CI: "true"},
      stdio: ["ignore", "pipe", "pipe"]
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(1);
    expect(out).toMatch(/rejected the API key \(401\)/);
    expect(out).not.toContain(wrongKey);
    await fake.stop();
  });
});
