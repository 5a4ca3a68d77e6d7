// Browser end-to-end tests of the research pages (Formats, Failures, Optimizers, and the answer on the
// Overview) on the built site, driven in Debian Chromium. The site is built once per test run
// (buildSiteShared, shared with site.test.ts). Expected numbers come from the sample dataset's README
// (sample/altgrad-fp8/README.md), not from the code:
//   8 formats; fp32/e5m2/e4m3/e3m4 have 14 runs, e2m5/e1m6/e0m7/e7m0 6 (only at lr 3e-3);
//   all runs: failed/bit_stall 51, finished 29; lr 3e-3: failed/bit_stall 39, finished 9;
//   per format (README run table): failed e5m2 14/14, e4m3 8/14, e3m4 5/14, fp32 0/14, the other four 6/6;
//   at lr 3e-3 fp32 ManifoldAdamW beats AdamW (best val_loss 2.08 → 1.63, i.e. +21.6%), and
//   "ManifoldAdamW goes from better than AdamW at 3e-3 to worse at both higher lrs, in all four sweep formats".
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DuckDBInstance} from "@duckdb/node-api";
import {csvParse} from "d3";
import type {Browser, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildSiteShared, canRunOffline, launchBrowser, listFiles, openPage, serveDir, type BuildResult, type PageRecord, type StaticServer} from "./harness.js";

const FORMATS = ["fp32", "e0m7", "e1m6", "e2m5", "e3m4", "e4m3", "e5m2", "e7m0"];
const FAILED_BY_FORMAT: Record<string, [number, number]> = {fp32: [0, 14], e0m7: [6, 6], e1m6: [6, 6], e2m5: [6, 6], e3m4: [5, 14], e4m3: [8, 14], e5m2: [14, 14], e7m0: [6, 6]};

let build: BuildResult;
let server: StaticServer;
let browser: Browser;
let scratch: string;
const records: PageRecord[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  build = await buildSiteShared({offline: canRunOffline()});
  server = await serveDir(build.dist);
  scratch = await mkdtemp(join(tmpdir(), "runlens-e2e-research-"));
});

afterAll(async () => {
  await Promise.all(records.map((r) => r.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  if (scratch) await rm(scratch, {recursive: true, force: true});
});

async function open(path: string, setup?: (record: PageRecord) => Promise<void>): Promise<PageRecord> {
  const record = await openPage(browser, {viewport: {width: 1280, height: 1000}});
  records.push(record);
  if (setup) await setup(record);
  await record.page.goto(`${server.url}${path}`);
  return record;
}

function expectClean(record: PageRecord): void {
  expect(record.foreignRequests(), "requests to hosts other than 127.0.0.1").toEqual([]);
  expect(record.consoleErrors, "console errors").toEqual([]);
  expect(record.pageErrors, "page errors").toEqual([]);
}

async function expectNoPageErrors(page: Page): Promise<void> {
  expect(await page.locator('[data-testid="rl-error"]').allInnerTexts(), "error banner").toEqual([]);
  expect(await page.locator(".observablehq--error").allInnerTexts(), "cell errors").toEqual([]);
}

function control(page: Page, label: string) {
  return page.locator("form", {has: page.locator("label", {hasText: new RegExp(`^${label}$`)})});
}

async function selectByText(page: Page, label: string, test: (text: string) => boolean): Promise<string> {
  const select = control(page, label).locator("select");
  const options = await select.locator("option").allTextContents();
  const text = options.find(test);
  if (text === undefined) throw new Error(`no option of "${label}" matches; options: ${options.join(" | ")}`);
  await select.selectOption({label: text});
  return text;
}

/** Click a table's download button and return the file's bytes. */
async function download(page: Page, tableId: string, format: "csv" | "parquet"): Promise<{name: string; bytes: Buffer}> {
  const button = page.locator(`[data-testid="table-${tableId}"] button[data-format="${format}"]`).first();
  const [file] = await Promise.all([page.waitForEvent("download"), button.click()]);
  const path = await file.path();
  return {name: file.suggestedFilename(), bytes: await readFile(path)};
}

async function csvOf(page: Page, tableId: string): Promise<Record<string, string>[]> {
  const {name, bytes} = await download(page, tableId, "csv");
  expect(name).toMatch(/\.csv$/);
  return csvParse(bytes.toString("utf8"));
}

/** Rows of a downloaded Parquet file, read back with DuckDB (an independent reader). */
async function parquetRows(bytes: Buffer): Promise<Record<string, unknown>[]> {
  expect(bytes.subarray(0, 4).toString("latin1")).toBe("PAR1");
  const file = join(scratch, `t-${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(file, bytes);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function waitTable(page: Page, tableId: string, timeout = 60_000) {
  const t = page.locator(`[data-testid="table-${tableId}"]`).first();
  await t.waitFor({timeout});
  return t;
}

/** Wait until `read()` returns something other than `before`. */
async function changed<T>(read: () => Promise<T>, before: T, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  let now = await read();
  while (JSON.stringify(now) === JSON.stringify(before) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    now = await read();
  }
  return now;
}

describe("Formats page (ANAL-01)", () => {
  it("ranks the 8 formats at lr 0.003 with n and failures per cell; the CSV and Parquet downloads hold the table", async () => {
    const record = await open("/formats.html");
    const {page} = record;
    const ranking = await waitTable(page, "ranking");
    // val_loss and loss × final, best, at step × 8 formats
    expect(await ranking.getAttribute("data-rows")).toBe("48");
    expect(await page.locator('[data-testid="formats-ranking-chart"]').getAttribute("data-categories")).toBe("8");
    const text = () => page.locator("#observablehq-main").innerText();
    await expect.poll(text).toContain("48 of 80 runs: lr = 0.003");
    await expect.poll(text).toContain("The common step is 110, the last step every compared run reached");

    const rows = await csvOf(page, "ranking");
    expect(rows).toHaveLength(48);
    const best = rows.filter((r) => r.metric === "val_loss" && r.selector === "best");
    expect(best.map((r) => r.format).sort()).toEqual([...FORMATS].sort());
    // README, lr 3e-3: every format has 6 runs (3 seeds × 2 optimizers); failed runs: fp32 0, e3m4 3 (manifold), others 6
    for (const r of best) {
      expect(r.n).toBe("6");
      expect(r.n_runs).toBe("6");
      expect(Number(r.n_failed)).toBe(r.format === "fp32" ? 0 : r.format === "e3m4" ? 3 : 6);
    }
    expect(best.find((r) => r.rank === "1")!.format).toBe("fp32");
    // README: mean best val_loss fp32 (2.0836 + 1.6325)/2
    expect(Number(best.find((r) => r.format === "fp32")!.estimate)).toBeCloseTo((2.0836 + 1.6325) / 2, 3);

    const parquet = await download(page, "ranking", "parquet");
    expect(parquet.name).toBe("formats-ranking.parquet");
    const back = await parquetRows(parquet.bytes);
    expect(back).toHaveLength(48);
    expect(Object.keys(back[0]!)).toEqual(Object.keys(rows[0]!));
    const fp32 = back.find((r) => r.metric === "val_loss" && r.selector === "best" && r.format === "fp32")!;
    expect(fp32.n).toBe(6);
    expect(fp32.estimate as number).toBeCloseTo(Number(best.find((r) => r.format === "fp32")!.estimate), 10);
    expect(fp32.reference).toBe(true);

    // pairwise: 28 pairs; layer types: 5 sweet spots (bit_stall), overflow said not to be logged per layer
    expect(await (await waitTable(page, "pairwise")).getAttribute("data-rows")).toBe("28");
    expect(await (await waitTable(page, "sweet_spots")).getAttribute("data-rows")).toBe("5");
    expect(await page.locator('[data-testid="formats-notes"]').innerText()).toContain('no per-layer "overflow/<parameter>" metric is logged');
    await expectNoPageErrors(page);
    expectClean(record);
  });

  it("recomputes when an input changes: another metric, another common step, another learning rate", async () => {
    const record = await open("/formats.html");
    const {page} = record;
    await waitTable(page, "ranking");
    const findings = () => page.locator('[data-testid="formats-findings"]').innerText();
    const before = await findings();
    const beforeRows = await csvOf(page, "ranking");

    await selectByText(page, "Metric", (t) => t === "loss");
    const afterMetric = await changed(findings, before);
    expect(afterMetric).toContain("On best loss");
    const lossRows = await csvOf(page, "ranking");
    expect(lossRows.filter((r) => r.metric === "loss" && r.selector === "best").map((r) => r.estimate)).not.toEqual(
      beforeRows.filter((r) => r.metric === "val_loss" && r.selector === "best").map((r) => r.estimate)
    );

    // a common step of 300: the e7m0 runs (stopped at 110-115) and two e5m2 runs have no value there, and say why
    const range = control(page, "Common step").locator("input[type=number]");
    await range.fill("300");
    await range.press("Enter");
    const at300 = await changed(async () => (await csvOf(page, "ranking")).filter((r) => r.selector === "step").map((r) => r.step), lossRows.filter((r) => r.selector === "step").map((r) => r.step));
    expect(new Set(at300)).toEqual(new Set(["300"]));
    const stepRows = (await csvOf(page, "ranking")).filter((r) => r.selector === "step" && r.metric === "loss");
    const e7 = stepRows.find((r) => r.format === "e7m0")!;
    expect([e7.n, e7.n_excluded]).toEqual(["0", "6"]);
    expect(e7.excluded).toMatch(/run stopped at step 11[05] < 300/);

    // lr = 0.03: 16 runs of 4 formats
    await selectByText(page, "Runs", (t) => t.startsWith("lr = 0.03 "));
    await changed(async () => page.locator("#observablehq-main").innerText().then((t) => t.includes("16 of 80 runs: lr = 0.03")), false);
    const lr3 = await csvOf(page, "ranking");
    expect(new Set(lr3.map((r) => r.format))).toEqual(new Set(["fp32", "e3m4", "e4m3", "e5m2"]));
    await expectNoPageErrors(page);
    expectClean(record);
  });
});

describe("Failures page (ANAL-02)", () => {
  it("shows 51 bit_stall and 29 healthy runs, per-format failure counts with Wilson CIs, windows, associations", async () => {
    const record = await open("/failures.html");
    const {page} = record;
    await waitTable(page, "failure_modes");
    const modes = await csvOf(page, "failure_modes");
    expect(Object.fromEntries(modes.map((r) => [r.mode, Number(r.n)]))).toEqual({bit_stall: 51, none: 29});
    const rates = await csvOf(page, "failure_rates");
    for (const [format, [k, n]] of Object.entries(FAILED_BY_FORMAT)) {
      const r = rates.find((x) => x.by === "fp8_format" && x.group === format)!;
      expect([Number(r.failures), Number(r.n)], format).toEqual([k, n]);
      expect(Number(r.ci_lower)).toBeLessThanOrEqual(Number(r.rate));
      expect(Number(r.ci_upper)).toBeGreaterThanOrEqual(Number(r.rate));
    }
    expect(await page.locator('[data-testid="failures-rate-chart"]').getAttribute("data-categories")).toBe("8");
    const runs = await csvOf(page, "failure_runs");
    expect(runs).toHaveLength(80);
    expect(runs.filter((r) => r.mode === "bit_stall").every((r) => r.evidence.includes("quantization/bit_stall_rate > 0.95 for 20 consecutive logged steps"))).toBe(true);
    // the window chart of the default failed run (one with healthy runs of its format to compare with)
    const chart = page.locator('[data-testid="failures-window-chart"]');
    await chart.locator("svg[viewBox]").waitFor();
    expect(Number(await chart.getAttribute("data-healthy"))).toBeGreaterThan(0);
    expect(await (await waitTable(page, "association_tests")).getAttribute("data-rows")).toBe("7");
    expect(await page.locator('[data-testid="failures-hypotheses"]').innerText()).toMatch(/^Hypothesis: /);
    expect(await page.locator('[data-testid="failures-notes"]').innerText()).toContain("no gradient-sparsity metric is logged");
    await expectNoPageErrors(page);
    expectClean(record);
  });

  it("follows the inputs: lr 0.003 only → 39 bit_stall, 9 healthy (README); another window length", async () => {
    const record = await open("/failures.html");
    const {page} = record;
    await waitTable(page, "failure_modes");
    const count = async () => (await csvOf(page, "failure_modes")).map((r) => `${r.mode} ${r.n}`).join(", ");
    expect(await count()).toBe("bit_stall 51, none 29");
    await selectByText(page, "Runs", (t) => t.startsWith("lr = 0.003 "));
    expect(await changed(count, "bit_stall 51, none 29")).toBe("bit_stall 39, none 9");
    const windowRows = async () => (await waitTable(page, "pre_collapse")).getAttribute("data-rows");
    const before = await windowRows();
    const range = control(page, "Window \\(logged steps\\)").locator("input[type=number]");
    await range.fill("5");
    await range.press("Enter");
    const after = await changed(windowRows, before);
    expect(Number(after)).toBe(Number(before) / 2); // 7 metrics × 10 steps → 7 × 5 per failed run
    await expectNoPageErrors(page);
    expectClean(record);
  });

  it("renders hostile run names as text", async () => {
    const runsFile = listFiles(build.dist).find((f) => /^_file\/data\/runs\.[0-9a-f]+\.parquet$/.test(f))!;
    const out = join(scratch, "hostile-runs.parquet");
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run(`COPY (SELECT * REPLACE (CASE WHEN name = 'e5m2-adamw-s0' THEN '<img src=x onerror="window.__xss=1">' ELSE name END AS name) FROM read_parquet('${join(build.dist, runsFile)}')) TO '${out}' (FORMAT parquet)`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const body = await readFile(out);
    const record = await open("/failures.html", async (r) => {
      await r.page.route(/\/_file\/data\/runs\.[0-9a-f]+\.parquet$/, (route) => route.fulfill({status: 200, body}));
    });
    const {page} = record;
    await waitTable(page, "failure_runs");
    // the name is text in the run table (downloaded: the table renders its first rows lazily) and in the run chooser
    expect((await csvOf(page, "failure_runs")).map((r) => r.name)).toContain('<img src=x onerror="window.__xss=1">');
    await expect.poll(async () => (await control(page, "Failed run").locator("option").allTextContents()).join("\n")).toContain('<img src=x onerror="window.__xss=1">');
    expect(await page.locator("#observablehq-main img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as {__xss?: number}).__xss)).toBeUndefined();
    expectClean(record);
  });
});

describe("Optimizers page (ANAL-03)", () => {
  it("at lr 0.003 manifold_adamw beats AdamW in fp32 (+21.6%), paired by seed; at lr 0.03 it is worse in all four formats", async () => {
    const record = await open("/optimizers.html");
    const {page} = record;
    await waitTable(page, "effects");
    const effects = await csvOf(page, "effects");
    expect(effects.map((r) => r.format)).toEqual(FORMATS);
    const fp32 = effects.find((r) => r.format === "fp32")!;
    // README: fp32 AdamW 2.08 → ManifoldAdamW 1.63 best val_loss at lr 3e-3
    expect(Number(fp32.improvement_pct)).toBeCloseTo((100 * (2.0836 - 1.6325)) / 2.0836, 1);
    expect(fp32.pairing).toBe("paired_by_seed");
    expect(fp32.n_pairs).toBe("3");
    expect(Number(fp32.ci_lower)).toBeGreaterThan(0);
    expect(await (await waitTable(page, "pairs")).getAttribute("data-rows")).toBe("24");
    const curves = page.locator('[data-testid="optimizers-curves-chart"]');
    await curves.locator("svg[viewBox]").waitFor();
    expect(await curves.getAttribute("data-curves")).toBe("16");
    expect(await page.locator('[data-testid="optimizers-across-chart"]').getAttribute("data-strata")).toBe("3");

    await selectByText(page, "Runs", (t) => t.startsWith("lr = 0.03 "));
    const formatsNow = async () => (await csvOf(page, "effects")).map((r) => r.format).join(",");
    await changed(formatsNow, FORMATS.join(","));
    const lr3 = await csvOf(page, "effects");
    expect(lr3.map((r) => r.format)).toEqual(["fp32", "e3m4", "e4m3", "e5m2"]);
    for (const r of lr3) {
      expect(Number(r.improvement_pct), r.format).toBeLessThan(0);
      expect(r.n_pairs).toBe("2"); // seeds 0 and 1 in the sweep
    }
    await expectNoPageErrors(page);
    expectClean(record);
  });
});

describe("Overview: the answer, from the data", () => {
  it("names the format that benefits most, with n and uncertainty, and recomputes for another outcome", async () => {
    const record = await open("/index.html");
    const {page} = record;
    const answer = page.locator('[data-testid="answer"]');
    await answer.waitFor({timeout: 60_000});
    expect(await answer.getAttribute("data-status")).toBe("answered");
    expect(await answer.getAttribute("data-best")).toBe("e3m4");
    const headline = () => page.locator('[data-testid="answer-headline"]').innerText();
    const h1 = await headline();
    expect(h1).toMatch(/^e3m4 benefits most from manifold_adamw: best val_loss \+14\.8% vs adamw \(95% CI \[.+\], 3 seed pairs\)/);
    const text = await answer.innerText();
    expect(text).toContain("Reference fp32: +21.6% (not a candidate)");
    expect(text).toMatch(/quantization\/bit_stall_rate \(mean\): 0\.725 with manifold_adamw vs 0\.664 with adamw/);
    expect(text).toMatch(/at lr = 0\.03, manifold_adamw is better in 0 of 4 formats/i);
    const benefit = await csvOf(page, "benefit");
    expect(benefit[0]!.format).toBe("e3m4");
    expect(benefit.find((r) => r.format === "fp32")!.reference).toBe("true");

    await selectByText(page, "Outcome", (t) => t === "loss");
    const h2 = await changed(headline, h1);
    expect(h2).toContain("best loss");
    expect(h2).not.toBe(h1);
    await expectNoPageErrors(page);
    expectClean(record);
  });
});
