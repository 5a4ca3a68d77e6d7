import {readFileSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {downloadBytes, mapLimit, readHistoryParquet, WandbApi, WandbApiError} from "../../data-loaders/sources/wandb-api/index.js";
import {startFakeWandb, type FakeWandb} from "../fake-wandb/server.js";
import {tempDir} from "../helpers/run-dir.js";
import {ENTITY, FAST_RETRY, firstMismatch, PROJECT, sampleHistoryLines, sampleRunIds} from "./helpers.js";

let fake: FakeWandb;
let api: WandbApi;

beforeAll(async () => {
  fake = await startFakeWandb();
  api = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, retry: FAST_RETRY});
});
afterAll(() => fake.stop());

describe("history via the parquet export (RunParquetHistory + signed URLs + live tail)", () => {
  it("every sample run read from its parquet export equals its history.jsonl (the sample has no null values)", async () => {
    fake.resetStats();
    const ids = sampleRunIds();
    const results = await mapLimit(ids, 4, async (id) => ({id, rows: await api.historyFromExports(ENTITY, PROJECT, id)}));
    for (const {id, rows} of results) expect(firstMismatch(rows, sampleHistoryLines(id)), id).toBeNull();
    expect(fake.stats.byOperation.RunParquetHistory).toBe(80);
    expect(fake.stats.byOperation.ParquetDownload).toBe(80);
    expect(fake.stats.byOperation.HistoryPage).toBeUndefined(); // everything exported: no live tail
  });

  it("rows appended after the export are the live tail, fetched with HistoryPage from the first live step only", async () => {
    const id = "vk1hf18l";
    fake.appendHistory(id, [{_step: 600, loss: 1.25}, {_step: 601, loss: NaN}]);
    const info = await api.parquetHistoryInfo(ENTITY, PROJECT, id);
    expect(info.liveData).toEqual([{_step: 600}, {_step: 601}]);
    expect(info.liveMinStep).toBe(600);
    fake.resetStats();
    const rows = await api.historyFromExports(ENTITY, PROJECT, id);
    expect(rows).toHaveLength(101 + 2);
    expect(rows.slice(-2).map((row) => row._step)).toEqual([600, 601]);
    expect(rows.at(-1)!.loss).toBeNaN();
    expect(fake.stats.history.map((page) => page.minStep)).toEqual([600]);
    // minStep also applies to the parquet part.
    expect((await api.historyFromExports(ENTITY, PROJECT, id, {minStep: 495})).map((row) => row._step)).toEqual([495, 499, 600, 601]);
  });

  it("download_history_exports: refuses while rows are live, then writes <entity>_<project>_<run>_<i>.runhistory.parquet", async () => {
    const id = "76r396rm";
    fake.appendHistory(id, [{_step: 700, loss: 2}]);
    const dir = tempDir();
    const error = await api.downloadHistoryExports(ENTITY, PROJECT, id, dir).catch((e) => e);
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.kind).toBe("incomplete");
    expect(error.message).toContain("1 history rows have not been exported");
    fake.exportHistory(id);
    const {files} = await api.downloadHistoryExports(ENTITY, PROJECT, id, dir);
    expect(files).toEqual([join(dir, `${ENTITY}_${PROJECT}_${id}_0.runhistory.parquet`)]);
    const rows = readHistoryParquet(readFileSync(files[0]));
    expect(firstMismatch(rows.slice(0, -1), sampleHistoryLines(id))).toBeNull();
    expect(rows.at(-1)).toEqual({_step: 700, loss: 2});
  });

  it("downloads are retried on 5xx / dropped connections; a bad signature is a 403 that is not retried and not echoed", async () => {
    fake.script([{kind: "server-error", operation: "ParquetDownload", status: 503}, {kind: "drop", operation: "ParquetDownload"}]);
    fake.resetStats();
    const rows = await api.historyFromExports(ENTITY, PROJECT, "unrwohm3");
    expect(firstMismatch(rows, sampleHistoryLines("unrwohm3"))).toBeNull();
    expect(fake.stats.byOperation.ParquetDownload).toBe(3);
    const {parquetUrls} = await api.parquetHistoryInfo(ENTITY, PROJECT, "unrwohm3");
    const forged = parquetUrls[0].replace(/X-Signature=[0-9a-f]+/, "X-Signature=forged0123");
    const error = await downloadBytes(forged, {retry: FAST_RETRY}).catch((e) => e);
    expect(error.status).toBe(403);
    expect(error.message).not.toContain("forged0123");
  });
});
