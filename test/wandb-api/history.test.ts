import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {mapLimit, scanHistory, WandbApi, WandbApiError, type GraphqlClient} from "../../data-loaders/sources/wandb-api/index.js";
import {startFakeWandb, type FakeWandb} from "../fake-wandb/server.js";
import {tempDir, writeRun} from "../helpers/run-dir.js";
import {ENTITY, FAST_RETRY, firstMismatch, PROJECT, readmeRuns, sampleHistoryLines, sampleRunIds} from "./helpers.js";

let fake: FakeWandb;
let api: WandbApi;

beforeAll(async () => {
  fake = await startFakeWandb();
  api = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, retry: FAST_RETRY});
});
afterAll(() => fake.stop());

describe("complete history", () => {
  it("every sample run's history equals its history.jsonl line for line (all 80 runs, 6609 rows)", async () => {
    fake.resetStats();
    const ids = sampleRunIds();
    const results = await mapLimit(ids, 4, async (id) => ({id, rows: await api.historyRows(ENTITY, PROJECT, id)}));
    let total = 0;
    for (const {id, rows} of results) {
      expect(firstMismatch(rows, sampleHistoryLines(id)), id).toBeNull();
      total += rows.length;
    }
    expect(total).toBe(6609);
    // Never the sampled endpoints; one RunHistoryKeys + one 1000-step window per run (last step ≤ 499).
    expect(fake.stats.byOperation.RunFullHistory).toBeUndefined();
    expect(fake.stats.byOperation.RunSampledHistory).toBeUndefined();
    expect(fake.stats.byOperation.HistoryPage).toBe(80);
    expect(fake.stats.history.every((page) => page.rows <= page.samples && page.maxStep - page.minStep <= page.samples)).toBe(true);
  });

  it("small pages (3 steps wide) give the same rows; window = [minStep, minStep + pageSize), maxStep exclusive", async () => {
    const id = "7kevf7pk"; // e4m3-adamw-s0, stopped at step 460 (README)
    fake.resetStats();
    const pages = [];
    for await (const page of api.history(ENTITY, PROJECT, id, {pageSize: 3})) pages.push(page);
    const rows = pages.flatMap((page) => page.rows);
    expect(firstMismatch(rows, sampleHistoryLines(id))).toBeNull();
    expect(pages).toHaveLength(Math.ceil(461 / 3)); // steps 0..460, scan ends at lastStep + 1
    expect(pages[0]).toMatchObject({minStep: 0, maxStep: 3});
    expect(pages.at(-1)).toMatchObject({minStep: 459, maxStep: 461});
    // Empty windows (steps 6..8 hold no row: steps are logged every 5) do not end the scan.
    expect(pages.some((page) => page.rows.length === 0)).toBe(true);
    expect(fake.stats.history.map((page) => [page.minStep, page.maxStep])).toEqual(pages.map((page) => [page.minStep, page.maxStep]));
  });

  it("minStep (inclusive) and maxStep (exclusive) select exactly those rows, also on window edges", async () => {
    const id = "edz7o4mn"; // logs steps 0, 5, ..., 495, 499
    const lines = sampleHistoryLines(id);
    const rows = await api.historyRows(ENTITY, PROJECT, id, {minStep: 250, pageSize: 50});
    expect(rows[0]._step).toBe(250);
    expect(firstMismatch(rows, lines.slice(50))).toBeNull();
    const middle = await api.historyRows(ENTITY, PROJECT, id, {minStep: 251, maxStep: 300, pageSize: 10});
    expect(middle.map((row) => row._step)).toEqual([255, 260, 265, 270, 275, 280, 285, 290, 295]);
    expect(await api.historyRows(ENTITY, PROJECT, id, {minStep: 500})).toEqual([]);
  });

  it("expectedRows turns a short scan into an 'incomplete' error", async () => {
    const error = await api.historyRows(ENTITY, PROJECT, "edz7o4mn", {expectedRows: 102}).catch((e) => e);
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.kind).toBe("incomplete");
    expect(await api.historyRows(ENTITY, PROJECT, "edz7o4mn", {expectedRows: 101})).toHaveLength(101);
  });
});

describe("incremental pull", () => {
  it("appended steps are visible, and a pull from cached last step + 1 fetches only them", async () => {
    const id = "edz7o4mn";
    const before = await api.run(ENTITY, PROJECT, id);
    expect(before.historyLineCount).toBe(101);
    const cachedLast = (await api.historyRows(ENTITY, PROJECT, id)).at(-1)!._step;
    expect(cachedLast).toBe(499);
    fake.appendHistory(id, [
      {_step: 500, _runtime: 40.1, loss: 1.5},
      {_step: 505, _runtime: 40.5, loss: NaN},
      {_step: 510, _runtime: 41.0, loss: Infinity, val_loss: -Infinity}
    ]);
    const after = await api.run(ENTITY, PROJECT, id);
    expect(after.historyLineCount).toBe(104);
    expect(after.historyKeys?.lastStep).toBe(510);
    expect(after.heartbeatAt! >= before.heartbeatAt!).toBe(true);
    expect(JSON.parse(after.summaryMetrics!.replace(/-?Infinity|NaN/g, "null"))._step).toBe(510);
    fake.resetStats();
    const fresh = await api.historyRows(ENTITY, PROJECT, id, {minStep: cachedLast + 1, lastStep: after.historyKeys!.lastStep});
    expect(fresh.map((row) => row._step)).toEqual([500, 505, 510]);
    expect(fresh[1].loss).toBeNaN();
    expect(fresh[2].loss).toBe(Infinity);
    expect(fresh[2].val_loss).toBe(-Infinity);
    expect(fake.stats.historyRowsServed).toBe(3);
    expect(fake.stats.history.every((page) => page.minStep >= 500)).toBe(true);
    expect(fake.stats.byOperation).toEqual({HistoryPage: 1}); // lastStep known from the Run node: no RunHistoryKeys
  });
});

describe("NaN / Infinity and sparse steps", () => {
  it("bare NaN/Infinity tokens in history lines decode to numbers; wide step gaps are scanned through", async () => {
    const root = tempDir();
    const lines = [
      '{"_step": 0, "loss": NaN, "note": "NaN inside a string stays text"}',
      '{"_step": 3, "loss": Infinity, "nested": {"a": -Infinity}}',
      '{"_step": 2500, "loss": 0.5}'
    ];
    writeRun(root, "nanrun01", {id: Buffer.from("Run:v1:nanrun01:p:e").toString("base64"), displayName: "nan", state: "crashed", config: "{}", summaryMetrics: '{"loss": NaN}', createdAt: "2026-01-01T00:00:00"}, lines);
    const local = await startFakeWandb({runsDir: root});
    try {
      const client = new WandbApi({baseUrl: local.url, apiKey: local.apiKey, env: {}});
      const rows = await client.historyRows("e", "p", "nanrun01", {pageSize: 100});
      expect(firstMismatch(rows, lines)).toBeNull();
      expect(rows[0].loss).toBeNaN();
      expect(rows[0].note).toBe("NaN inside a string stays text");
      expect((rows[1].nested as {a: number}).a).toBe(-Infinity);
      expect(local.stats.byOperation.HistoryPage).toBe(26); // windows of 100 steps over 0..2500
    } finally {
      await local.stop();
    }
  });

  it("the README's last steps match historyKeys.lastStep", async () => {
    for (const run of readmeRuns().filter((r) => r.runId !== "edz7o4mn").slice(0, 6)) {
      expect(await api.lastHistoryStep(ENTITY, PROJECT, run.runId)).toBe(run.lastStep);
    }
  });
});

describe("row texts of a page", () => {
  /** scanHistory over one canned HistoryPage answer (no HTTP): what it yields for these raw history items. */
  async function pageOf(history: unknown[]) {
    const client = {request: async () => ({project: {run: {history}}})} as unknown as GraphqlClient;
    const pages = [];
    for await (const page of scanHistory(client, "e", "p", "r", {lastStep: 9, pageSize: 10, minStep: 2})) pages.push(page);
    expect(pages).toHaveLength(1);
    return pages[0];
  }

  it("keeps each row's text next to its row: sorted by step (stably), rows outside the window dropped", async () => {
    const texts = ['{"_step": 5, "a": 1}', '{"_step": 1, "a": 0}', '{"_step": 3, "a": 2}', '{"_step":3,"a":3}', '{"_step": 12, "a": 4}', '{"_step": 2, "a": NaN}'];
    const page = await pageOf(texts);
    expect(page.rows.map((row) => [row._step, row.a])).toEqual([[2, NaN], [3, 2], [3, 3], [5, 1]]);
    expect(page.texts).toEqual(['{"_step": 2, "a": NaN}', '{"_step": 3, "a": 2}', '{"_step":3,"a":3}', '{"_step": 5, "a": 1}']);
  });

  it("gives no texts when a row is not one line of JSON text (a line break inside, or an object)", async () => {
    expect((await pageOf(['{"_step": 2}', '{"_step": 3,\n"a": 1}'])).texts).toBeUndefined();
    expect((await pageOf(['{"_step": 2}', '{"_step": 3,\r"a": 1}'])).texts).toBeUndefined();
    expect((await pageOf(['{"_step": 2}', {_step: 3, a: 1}])).texts).toBeUndefined();
    expect((await pageOf(['{"_step": 2}'])).texts).toEqual(['{"_step": 2}']);
  });
});
