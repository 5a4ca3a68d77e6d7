// Browser end-to-end test of the Checkpoints page on the embedded sample (sample/grokking), in the site
// built once for all browser tests (buildSiteShared). Expected numbers come from the dataset's README
// and metadata (../shared/datasets/grokking), not from the code:
//   seed 0: 26 checkpoints (metadata.json checkpoint_epochs), memorised at epoch 120, test accuracy
//   0.5 at 21050, grokked (test_acc > 0.99) at epoch 25300; the final embedding's key frequencies are
//   23, 12, 20, 28; seed 1 has 4 checkpoints (0, 1000, 8800, 13600).
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {ensureCheckpointTables} from "../../data-loaders/checkpoints/tables/ensure-tables.js";
import {CHECKPOINT_TABLES} from "../../data-loaders/checkpoints/tables/write-tables.js";
import type {Browser, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildSiteShared, canRunOffline, launchBrowser, openPage, serveDir, type BuildResult, type PageRecord, type StaticServer} from "./harness.js";

const SHARED = join(import.meta.dirname, "../../../shared/datasets/grokking/results");
const META0 = JSON.parse(readFileSync(join(SHARED, "model_p59_seed0/metadata.json"), "utf8")) as {checkpoint_epochs: number[]; grok_epoch: number; memorization_epoch: number};
const EXPECTED = {
  epochs: META0.checkpoint_epochs,
  keyFrequencies: [12, 20, 23, 28],
  grok: 25300,
  memorised: 120,
  seed1Epochs: [0, 1000, 8800, 13600]
};

let build: BuildResult;
let server: StaticServer;
let browser: Browser;
const records: PageRecord[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  build = await buildSiteShared({offline: canRunOffline()});
  server = await serveDir(build.dist);
});

afterAll(async () => {
  await Promise.all(records.map((r) => r.close().catch(() => {})));
  await browser?.close();
  await server?.close();
});

async function open(path: string): Promise<PageRecord> {
  const record = await openPage(browser, {viewport: {width: 1280, height: 1000}});
  records.push(record);
  await record.page.goto(`${server.url}${path}`);
  return record;
}

function expectClean(record: PageRecord): void {
  expect(record.foreignRequests(), "requests to hosts other than 127.0.0.1").toEqual([]);
  expect(record.consoleErrors, "console errors").toEqual([]);
  expect(record.pageErrors, "page errors").toEqual([]);
}

const control = (page: Page, label: string) => page.locator("form", {has: page.locator("label", {hasText: new RegExp(`^${label}$`)})});
const attr = (page: Page, testid: string, name: string) => page.locator(`[data-testid="${testid}"]`).first().getAttribute(`data-${name}`);
const parquetRequests = (record: PageRecord) => record.requests.filter((u) => /\/_file\/data\/\w+\.[0-9a-f]+\.parquet$/.test(u));

/** The data: URLs of the activation rasters (one <image> per neuron). */
async function rasterImages(page: Page): Promise<string[]> {
  return page.locator('[data-testid="activation-heatmaps"] figure image').evaluateAll((images) => images.map((i) => i.getAttribute("href") ?? ""));
}

describe("Checkpoints page on the embedded sample", () => {
  let record: PageRecord;
  beforeAll(async () => {
    record = await open("/checkpoints.html");
    await record.page.locator('[data-testid="activation-heatmaps"] image').first().waitFor({timeout: 60_000});
    await record.page.locator('[data-testid="progress-chart"] svg').first().waitFor({timeout: 60_000});
  });

  it("shows seed 0's 26 checkpoint epochs, the key frequencies 12, 20, 23, 28 and the grokking epoch, computed from the data", async () => {
    const {page} = record;
    expect(await attr(page, "checkpoint-epochs", "epochs")).toBe(EXPECTED.epochs.join(","));
    expect(await attr(page, "key-frequencies", "freqs")).toBe(EXPECTED.keyFrequencies.join(","));
    expect(await page.locator('[data-testid="key-frequencies"]').textContent()).toBe("12, 20, 23 and 28");
    expect(await page.locator('[data-testid="grok-epoch"]').textContent()).toBe(`epoch ${EXPECTED.grok.toLocaleString("en-US")}`);
    const prose = await page.locator('[data-testid="training-prose"]').innerText();
    expect(prose).toContain(`Train accuracy reaches 100% at epoch ${EXPECTED.memorised}`);
    expect(prose).toContain("reaches 50% at epoch 21,050");
    // progress measures, checked against the independent numpy reference (test/checkpoints/fixtures/
    // progress-reference.json): restricted loss 1.043 at 7600, 0.722 at 9800; test loss 1.042 at 22200,
    // 0.448 at 22700; excluded loss minimum 0.005 at 1000, 2.22 at 9800, 8.26 at 16400 (ln 59 = 4.08).
    const progress = await page.locator('[data-testid="progress-prose"]').innerText();
    expect(progress).toContain("The restricted loss falls below 1 nat at epoch 9,800, the test loss only at epoch 22,700");
    expect(progress).toContain("(epoch 1,000)");
    expect(progress).toContain("From epoch 16,400 it is above ln 59");
    // clusters at the final checkpoint use the same frequencies
    expect(await attr(page, "cluster-bars", "key")).toBe(EXPECTED.keyFrequencies.join(","));
    expect(await page.locator('[data-testid="cluster-prose"]').innerText()).toContain("fall into the clusters of frequencies 12, 20, 23 and 28");
  });

  it("draws every chart: curves, spectrum heatmap (26 checkpoints × 29 frequencies), activations of 8 neurons, progress measures", async () => {
    const {page} = record;
    for (const id of ["loss-curves", "acc-curves", "spectrum-heatmap", "spectrum-bars", "cluster-bars", "neuron-scatter", "activation-heatmaps", "progress-chart"]) {
      expect(await page.locator(`[data-testid="${id}"] svg`).count(), id).toBeGreaterThan(0);
    }
    expect(await attr(page, "spectrum-heatmap", "epochs")).toBe("26");
    expect(await attr(page, "spectrum-heatmap", "freqs")).toBe("29");
    expect(await attr(page, "spectrum-heatmap", "cells")).toBe(String(26 * 29));
    expect(await attr(page, "activation-heatmaps", "neurons")).toBe("8");
    const images = await rasterImages(page);
    expect(images).toHaveLength(8);
    expect(images.every((href) => href.startsWith("data:image/png"))).toBe(true);
    expect(await attr(page, "progress-chart", "checkpoints")).toBe("26");
    expect(await page.locator('[data-testid="checkpoint-notes"]').innerText()).toContain("No missing pieces");
    expectClean(record);
  });

  it("changing the epoch changes the activation heatmap and the cursor, without fetching anything new", async () => {
    const {page} = record;
    await expect.poll(() => attr(page, "activation-heatmaps", "epoch")).toBe("28300");
    const before = await rasterImages(page);
    const fetched = parquetRequests(record).length;
    expect(await attr(page, "epoch-status", "epoch")).toBe("28300");
    await control(page, "Epoch").locator("input[type=number]").fill("0");
    await expect.poll(() => attr(page, "activation-status", "epoch"), {timeout: 30_000}).toBe("0");
    await expect.poll(() => attr(page, "spectrum-heatmap", "epoch")).toBe("0");
    await expect.poll(() => attr(page, "activation-heatmaps", "epoch"), {timeout: 30_000}).toBe("0");
    const after = await rasterImages(page);
    expect(after).toHaveLength(before.length);
    expect(after.every((href, i) => href !== before[i])).toBe(true);
    // snapping: 9,700 is nearest to the 9,800 checkpoint
    await control(page, "Epoch").locator("input[type=number]").fill("9700");
    await expect.poll(() => attr(page, "epoch-status", "epoch")).toBe("9800");
    await expect.poll(() => attr(page, "activation-status", "epoch")).toBe("9800");
    await expect.poll(() => attr(page, "activation-heatmaps", "epoch")).toBe("9800");
    expect(parquetRequests(record).length).toBe(fetched); // every table was fetched once, before
    expectClean(record);
  });

  it("a colour scale or threshold change re-renders from the loaded tables", async () => {
    const {page} = record;
    const fetched = parquetRequests(record).length;
    await control(page, "Colour scale").first().locator("label", {hasText: /^log$/}).click();
    await expect.poll(() => attr(page, "spectrum-heatmap", "scale")).toBe("log");
    await control(page, "Scheme").first().locator("select").selectOption("magma");
    await expect.poll(() => attr(page, "spectrum-heatmap", "scheme")).toBe("magma");
    await control(page, "Threshold").locator("input[type=number]").fill("0.9");
    await expect.poll(() => attr(page, "cluster-bars", "threshold")).toBe("0.9");
    expect(parquetRequests(record).length).toBe(fetched);
    expect(parquetRequests(record).filter((u) => u.includes("/neuron_activations.")).length).toBe(1);
    expectClean(record);
  });

  it("the second model (seed 1, analyze outputs only, no checkpoint files) renders too", async () => {
    const {page} = record;
    const select = control(page, "Model").locator("select");
    const options = await select.locator("option").allTextContents();
    await select.selectOption({label: options.find((o) => o.startsWith("model_p59_seed1"))!});
    await expect.poll(() => attr(page, "checkpoint-epochs", "epochs")).toBe(EXPECTED.seed1Epochs.join(","));
    await expect.poll(() => attr(page, "activation-heatmaps", "neurons")).toBe("8");
    expect(await page.locator('[data-testid="epoch-status"]').innerText()).toContain("no checkpoint file in this results folder");
    expectClean(record);
  });
});

describe("Checkpoints page without checkpoint results", () => {
  it("says what is missing instead of failing (tables of a results folder that does not exist)", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "runlens-e2e-ckpt-"));
    try {
      const missing = join(scratch, "no-results-here");
      const empty = await ensureCheckpointTables(missing, {root: join(scratch, "tables")});
      const record = await openPage(browser, {viewport: {width: 1280, height: 1000}});
      records.push(record);
      for (const table of CHECKPOINT_TABLES) {
        const body = readFileSync(empty.file(table));
        await record.page.route(new RegExp(`/_file/data/${table}\\.[0-9a-f]+\\.parquet$`), (route) => route.fulfill({status: 200, contentType: "application/vnd.apache.parquet", body}));
      }
      await record.page.goto(`${server.url}/checkpoints.html`);
      const page = record.page;
      await expect.poll(() => page.locator('[data-testid="checkpoint-epochs"]').textContent(), {timeout: 60_000}).toContain("No checkpoint results were found");
      await expect.poll(() => page.locator('[data-testid="checkpoint-notes"]').textContent(), {timeout: 30_000}).toContain(`${missing}: results folder does not exist`);
      // Cells resolve independently: wait for the later sections rather than reading the page once.
      const main = () => page.locator("#observablehq-main").innerText();
      await expect.poll(main, {timeout: 30_000}).toContain("No embedding Fourier norms for this model");
      await expect.poll(main, {timeout: 30_000}).toContain("No restricted/excluded loss for this model");
      expect(await page.locator('[data-testid="rl-error"]').count()).toBe(0);
      expectClean(record);
    } finally {
      rmSync(scratch, {recursive: true, force: true});
    }
  });
});

