import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {WandbApi, WandbApiError, type RunNode} from "../../data-loaders/sources/wandb-api/index.js";
import {startFakeWandb, type FakeWandb} from "../fake-wandb/server.js";
import {ENTITY, PROJECT, readmeRuns, sampleRunIds, sampleRunJson} from "./helpers.js";

let fake: FakeWandb;
let api: WandbApi;

beforeAll(async () => {
  fake = await startFakeWandb({bogusEndCursor: true});
  api = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}});
});
afterAll(() => fake.stop());

async function collect(options: Partial<Parameters<WandbApi["listRuns"]>[0]> = {}): Promise<RunNode[]> {
  const runs: RunNode[] = [];
  for await (const run of api.listRuns({entity: ENTITY, project: PROJECT, ...options})) runs.push(run);
  return runs;
}

const FRAGMENT_FIELDS = ["id", "name", "displayName", "state", "config", "summaryMetrics", "tags", "group", "jobType", "notes", "createdAt", "heartbeatAt", "historyLineCount", "user"];

describe("listRuns", () => {
  it("pages through all 80 sample runs 7 at a time (edge cursors, not pageInfo.endCursor) and returns the run folders' nodes", async () => {
    fake.resetStats();
    const runs = await collect({perPage: 7});
    const lastSteps = new Map(readmeRuns().map((run) => [run.runId, run.lastStep]));
    expect(fake.stats.byOperation.Runs).toBe(Math.ceil(80 / 7));
    expect(runs.map((run) => run.name).sort()).toEqual(sampleRunIds());
    expect(new Set(runs.map((run) => run.name)).size).toBe(80);
    for (const run of runs) {
      const onDisk = sampleRunJson(run.name);
      for (const field of FRAGMENT_FIELDS) expect(run[field], `${run.name}.${field}`).toEqual(onDisk[field]);
      expect(typeof run.config).toBe("string"); // JSONString, as the API sends it
      expect(run.historyKeys?.lastStep).toBe(lastSteps.get(run.name));
    }
  });

  it("default order is +created_at (oldest first); -created_at reverses it", async () => {
    const ascending = await collect({perPage: 50});
    const created = ascending.map((run) => run.createdAt as string);
    expect(created).toEqual([...created].sort());
    const descending = await collect({perPage: 50, order: "-created_at"});
    expect(descending.map((run) => run.createdAt)).toEqual([...created].reverse());
  });

  it("orders by config.<key>.value", async () => {
    const runs = await collect({perPage: 100, order: "-config.lr.value"});
    const lrs = runs.map((run) => (JSON.parse(run.config as string) as {lr: {value: number}}).lr.value);
    expect(lrs).toEqual([...lrs].sort((a, b) => b - a));
    expect(lrs[0]).toBe(0.1);
  });

  it("lightweight listing carries no config/summary/historyKeys", async () => {
    const runs = await collect({perPage: 40, lightweight: true});
    expect(runs).toHaveLength(80);
    expect(runs[0].config).toBeUndefined();
    expect(runs[0].summaryMetrics).toBeUndefined();
    expect(runs[0].historyLineCount).toBeTypeOf("number");
  });
});

describe("filters (expected sets computed from the sample README's Runs table)", () => {
  const readme = readmeRuns();
  const ids = (predicate: (run: (typeof readme)[number]) => boolean) => readme.filter(predicate).map((run) => run.runId).sort();
  const names = async (filters: Record<string, unknown>) => (await collect({perPage: 13, filters})).map((run) => run.name).sort();

  it("the README table lists all 80 runs", () => {
    expect(readme).toHaveLength(80);
  });

  it("config.fp8_format = e4m3 (bare value, no .value): 3+3 at lr 3e-3, 2+2 at 3e-2, 2+2 at 1e-1 = 14", async () => {
    const expected = ids((run) => run.format === "e4m3");
    expect(expected).toHaveLength(14);
    expect(await names({"config.fp8_format": "e4m3"})).toEqual(expected);
    expect(await api.runCount({entity: ENTITY, project: PROJECT, filters: {"config.fp8_format": "e4m3"}})).toBe(14);
  });

  it("config.<key>.value spelling gives the same result", async () => {
    expect(await names({"config.fp8_format.value": "e4m3"})).toEqual(ids((run) => run.format === "e4m3"));
  });

  it("$in on config and equality on another key, under $and", async () => {
    const filters = {$and: [{"config.fp8_format": {$in: ["e4m3", "e3m4"]}}, {"config.optimizer": "adamw"}]};
    const expected = ids((run) => (run.format === "e4m3" || run.format === "e3m4") && run.optimizer === "adamw");
    expect(expected).toHaveLength(14);
    expect(await names(filters)).toEqual(expected);
  });

  it("$gt / $lt on config.lr", async () => {
    expect(await names({"config.lr": {$gt: 0.01}})).toEqual(ids((run) => run.lr > 0.01));
    expect(await names({"config.lr.value": {$gt: 0.01, $lt: 0.05}})).toEqual(ids((run) => run.lr === 0.03));
    expect(ids((run) => run.lr > 0.01)).toHaveLength(32);
  });

  it("tags contain / $in / $nin", async () => {
    const sweep = ids((run) => run.lr !== 0.003);
    expect(sweep).toHaveLength(32);
    expect(await names({tags: "lr-sweep"})).toEqual(sweep);
    expect(await names({tags: {$in: ["lr-sweep", "nothing"]}})).toEqual(sweep);
    expect(await names({tags: {$nin: ["lr-sweep"]}})).toEqual(ids((run) => run.lr === 0.003));
  });

  it("$regex on display_name, $or on state, summary_metrics.<key>", async () => {
    expect(await names({display_name: {$regex: "^e4m3-manifold"}})).toEqual(ids((run) => run.displayName.startsWith("e4m3-manifold")));
    expect(await names({$or: [{state: "crashed"}, {state: "finished"}]})).toEqual(ids((run) => run.state === "finished"));
    expect(ids((run) => run.state === "finished")).toHaveLength(29);
    expect(await names({"summary_metrics.failure_reason": "bit_stall"})).toEqual(ids((run) => run.failureReason === "bit_stall"));
  });

  it("an empty result is an empty listing with runCount 0", async () => {
    expect(await names({"config.fp8_format": "e9m9"})).toEqual([]);
    expect(await api.runCount({entity: ENTITY, project: PROJECT, filters: {"config.fp8_format": "e9m9"}})).toBe(0);
  });

  it("an invalid filter is a clear, non-retried error", async () => {
    fake.resetStats();
    const error = await collect({filters: {state: {$bogus: 1}}}).catch((e) => e);
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.message).toMatch(/HTTP 400 for Runs.*unknown operator \$bogus/);
    expect(fake.stats.byOperation.Runs).toBe(1);
  });
});

describe("not found", () => {
  it("a missing project is a clear error", async () => {
    const error = await collect({project: "no-such-project"}).catch((e) => e);
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.kind).toBe("not-found");
    expect(error.message).toContain(`W&B project ${ENTITY}/no-such-project not found`);
    await expect(api.runCount({entity: "nobody", project: PROJECT})).rejects.toThrow(`W&B project nobody/${PROJECT} not found`);
  });

  it("a missing run is a clear error; an existing one comes with the full fragment", async () => {
    await expect(api.run(ENTITY, PROJECT, "zzzzzzzz")).rejects.toThrow(`W&B run ${ENTITY}/${PROJECT}/zzzzzzzz not found`);
    await expect(api.historyRows(ENTITY, PROJECT, "zzzzzzzz")).rejects.toThrow("not found");
    const run = await api.run(ENTITY, PROJECT, "edz7o4mn");
    expect(run.displayName).toBe("fp32-adamw-s0");
    expect(run.summaryMetrics).toBe(sampleRunJson("edz7o4mn").summaryMetrics);
  });
});
