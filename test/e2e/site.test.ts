// Browser end-to-end test of the built site: `npm run build`, serve dist/ on 127.0.0.1, drive
// Debian Chromium. Expected numbers come from the sample dataset's README
// (../shared/datasets/altgrad-fp8/README.md, copied to sample/altgrad-fp8/README.md), not from the code:
//   80 runs; states: failed 51, finished 29 ("all runs: failed/bit_stall: 51, finished: 29");
//   formats: 8 formats × 2 optimizers × 3 seeds at lr 3e-3 (6 runs per format) plus the lr-sweep arm
//     (2 lrs × 4 formats fp32/e5m2/e4m3/e3m4 × 2 optimizers × 2 seeds: +8 for each of those 4);
//   optimizers: adamw 40, manifold_adamw 40;
//   6609 history rows in total, 2866 of them in the lr-sweep arm (32 runs, tag `lr-sweep`);
//   every history row logs `loss` (logged every 5 steps and at the last step), so `loss` has 6609 values;
//   43 distinct keys per run, 3 of them `_step/_runtime/_timestamp` (not metrics) → 40 metrics;
//   E7M0 exists only at lr 3e-3 → 6 runs named e7m0-*.
import {mkdtemp, readFile, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DuckDBInstance} from "@duckdb/node-api";
import type {Browser, Page} from "playwright-core";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  buildSiteShared,
  canRunOffline,
  findNetworkUse,
  launchBrowser,
  listFiles,
  openPage,
  serveDir,
  type BuildResult,
  type PageRecord,
  type StaticServer
} from "./harness.js";

const EXPECTED = {
  runs: 80,
  states: {failed: 51, finished: 29},
  formats: {fp32: 14, e5m2: 14, e4m3: 14, e3m4: 14, e2m5: 6, e1m6: 6, e0m7: 6, e7m0: 6},
  optimizers: {adamw: 40, manifold_adamw: 40},
  historyRows: 6609,
  lrSweepRuns: 32,
  lrSweepRows: 2866,
  metrics: 40,
  e7m0Runs: 6,
  // fp32-adamw-s0 (edz7o4mn) and fp32-adamw-s1 (vk1hf18l) both finished: 101 loss values each (0..495 + 499)
  finishedLossPoints: 101
};

let build: BuildResult;
let server: StaticServer;
let browser: Browser;
let scratch: string;
const records: PageRecord[] = [];

beforeAll(async () => {
  browser = await launchBrowser(); // first: a missing Chromium fails the suite at once, clearly
  // Build truly offline when the machine allows it (root / user namespaces): any download fails.
  build = await buildSiteShared({offline: canRunOffline()});
  server = await serveDir(build.dist);
  scratch = await mkdtemp(join(tmpdir(), "runlens-e2e-"));
});

afterAll(async () => {
  await Promise.all(records.map((r) => r.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  if (scratch) await rm(scratch, {recursive: true, force: true});
});

async function open(path: string, setup?: (record: PageRecord) => Promise<void>): Promise<PageRecord> {
  const record = await openPage(browser);
  records.push(record);
  if (setup) await setup(record);
  await record.page.goto(`${server.url}${path}`);
  return record;
}

function expectClean(record: PageRecord): void {
  expect(record.foreignRequests(), "requests to hosts other than 127.0.0.1").toEqual([]);
  expect(record.consoleErrors, "console errors").toEqual([]);
  expect(record.pageErrors, "page errors").toEqual([]);
  expect(record.requests.length).toBeGreaterThan(0);
}

/** The built file for a workspace table, e.g. dist/_file/data/runs.<hash>.parquet. */
function builtParquet(table: string): string {
  const file = listFiles(build.dist).find((f) => new RegExp(`^_file/data/${table}\\.[0-9a-f]+\\.parquet$`).test(f));
  if (!file) throw new Error(`no built ${table}.parquet in ${build.dist}`);
  return join(build.dist, file);
}

/** Write a variant of a built Parquet table with a SELECT over `t` (the original), return its bytes. */
async function parquetVariant(table: string, select: string): Promise<Buffer> {
  const out = join(scratch, `${table}-${Math.random().toString(36).slice(2)}.parquet`);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${builtParquet(table).replaceAll("'", "''")}')`);
    await connection.run(`COPY (${select}) TO '${out.replaceAll("'", "''")}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return readFile(out);
}

async function serveVariant(record: PageRecord, table: string, body: Buffer | null): Promise<void> {
  await record.page.route(new RegExp(`/_file/data/${table}\\.[0-9a-f]+\\.parquet$`), (route) =>
    body === null
      ? route.fulfill({status: 404, contentType: "text/plain", body: "not found"})
      : route.fulfill({status: 200, contentType: "application/vnd.apache.parquet", body})
  );
}

/** Titles of the bars of an Overview count chart: {key: count}. */
async function barCounts(page: Page, testid: string): Promise<Record<string, number>> {
  const chart = page.locator(`[data-testid="${testid}"]`);
  await chart.locator("svg").waitFor();
  const titles = await chart.locator('g[aria-label="bar"] rect title').allTextContents();
  const counts: Record<string, number> = {};
  for (const t of titles) {
    const m = /^(.*): (\d+) runs$/.exec(t);
    if (!m) throw new Error(`unexpected bar title ${JSON.stringify(t)}`);
    counts[m[1]!] = Number(m[2]);
  }
  expect(await chart.locator('g[aria-label="bar"] rect').count()).toBe(titles.length);
  return counts;
}

interface CurvesState {
  metric: string | null;
  series: number;
  paths: number;
  points: number;
  dropped: number;
  facets: number;
}

async function curvesState(page: Page): Promise<CurvesState | null> {
  return page.evaluate(() => {
    const charts = document.querySelectorAll('[data-testid="curves-chart"]');
    if (charts.length !== 1) return null;
    const chart = charts[0]!;
    if (!chart.querySelector("svg")) return null;
    const n = (name: string) => Number(chart.getAttribute(`data-${name}`));
    return {
      metric: chart.getAttribute("data-metric"),
      series: n("series"),
      paths: chart.querySelectorAll('g[aria-label="line"] path').length,
      points: n("points"),
      dropped: n("dropped"),
      facets: n("facets")
    };
  });
}

/** Wait until the curves chart satisfies `want` (it re-renders after every input change). */
async function waitForCurves(page: Page, want: Partial<CurvesState>, timeout = 30_000): Promise<CurvesState> {
  const deadline = Date.now() + timeout;
  let state: CurvesState | null = null;
  while (Date.now() < deadline) {
    state = await curvesState(page);
    if (state && Object.entries(want).every(([k, v]) => state![k as keyof CurvesState] === v)) return state;
    await page.waitForTimeout(100);
  }
  throw new Error(`curves chart never reached ${JSON.stringify(want)}; last state ${JSON.stringify(state)}`);
}

function control(page: Page, label: string) {
  return page.locator("form", {has: page.locator("label", {hasText: new RegExp(`^${label}$`)})});
}

async function selectOptionByText(page: Page, label: string, test: (text: string) => boolean): Promise<string> {
  const select = control(page, label).locator("select");
  const options = await select.locator("option").allTextContents();
  const text = options.find(test);
  if (text === undefined) throw new Error(`no option in "${label}" matches; options: ${options.join(" | ")}`);
  await select.selectOption({label: text});
  return text;
}

describe("build", () => {
  it("builds without touching the network", () => {
    console.info(`site build: ${(build.ms / 1000).toFixed(1)} s${build.offline ? " (offline: unshare -n)" : " (network not isolated on this machine)"}`);
    expect(findNetworkUse(build)).toEqual([]);
  });

  it("ships the workspace tables and both wasm modules inside dist/", () => {
    const files = listFiles(build.dist);
    for (const table of ["runs", "history", "metrics"]) expect(builtParquet(table)).toBeTruthy();
    expect(files.some((f) => f.endsWith("/duckdb-eh.wasm"))).toBe(true);
    expect(files.some((f) => f.endsWith("/parquet_wasm_bg.wasm"))).toBe(true);
    expect(files.some((f) => /duckdb-browser-eh\.worker\.[0-9a-f]+\.js$/.test(f))).toBe(true);
  });
});

describe("Overview page", () => {
  it("shows runs by state, format and optimizer with the dataset's counts", async () => {
    const record = await open("/index.html");
    const {page} = record;
    expect(await barCounts(page, "chart-state")).toEqual(EXPECTED.states);
    expect(await barCounts(page, "chart-format")).toEqual(EXPECTED.formats);
    expect(await barCounts(page, "chart-optimizer")).toEqual(EXPECTED.optimizers);
    // printed counts next to the state bars
    const labels = await page.locator('[data-testid="chart-state"] g[aria-label="text"] text').allTextContents();
    expect(labels.sort()).toEqual(["29", "51"]);

    const table = page.locator('[data-testid="runs-table"]');
    await table.waitFor();
    expect(await table.getAttribute("data-total")).toBe(String(EXPECTED.runs));
    expect(await table.getAttribute("data-rows")).toBe(String(EXPECTED.runs));
    await expect.poll(() => page.locator("form:has(input[type=search]) output").textContent()).toBe(`${EXPECTED.runs} of ${EXPECTED.runs} runs`);

    // the ```sql block (compiled by Framework to the page's own `sql`) renders its result table
    const sqlTable = page.locator("table", {has: page.locator("th", {hasText: "median_last_step"})});
    await sqlTable.waitFor();
    const sqlRows = (await sqlTable.locator("tbody tr").allInnerTexts()).map((r) => r.trim().split(/\s+/).slice(0, 2).join(" "));
    expect(sqlRows.sort()).toEqual([`failed ${EXPECTED.states.failed}`, `finished ${EXPECTED.states.finished}`]);

    // prose numbers are computed from the workspace
    const prose = () => page.locator("#observablehq-main").innerText();
    await expect.poll(prose).toContain(`${EXPECTED.runs} runs`);
    await expect.poll(prose).toContain("6,609 history rows");
    await expect.poll(prose).toContain(`${EXPECTED.metrics} metrics`);

    // search filters the table: the lr-sweep tag, then a format
    const search = page.locator('input[type="search"]');
    await search.fill("lr-sweep");
    await expect.poll(() => table.getAttribute("data-rows")).toBe(String(EXPECTED.lrSweepRuns));
    await search.fill("e7m0");
    await expect.poll(() => page.locator('[data-testid="runs-table"]').getAttribute("data-rows")).toBe(String(EXPECTED.e7m0Runs));

    // each table fetched once, everything from the local server
    const parquetRequests = record.requests.filter((u) => /\/_file\/data\/\w+\.[0-9a-f]+\.parquet$/.test(u));
    expect(parquetRequests.filter((u) => u.includes("/runs.")).length).toBe(1);
    expect(parquetRequests.filter((u) => u.includes("/metrics.")).length).toBe(1);
    // "The answer, from the data" is computed in the page from the history: loaded once, like the others
    expect(parquetRequests.filter((u) => u.includes("/history.")).length).toBe(1);
    expect(record.requests.some((u) => u.endsWith("duckdb-eh.wasm"))).toBe(true);
    expect(record.requests.some((u) => u.endsWith("parquet_wasm_bg.wasm"))).toBe(true);
    expectClean(record);
  });

  it("renders hostile run data as text: no markup injection, only http(s) links", async () => {
    const body = await parquetVariant(
      "runs",
      `SELECT * REPLACE (
         CASE WHEN run_id = 'edz7o4mn' THEN '<img src=x onerror="window.__xss=1">' ELSE name END AS name,
         CASE WHEN run_id = 'edz7o4mn' THEN 'javascript:window.__xss=2'
              WHEN run_id = 'vk1hf18l' THEN 'https://wandb.ai/fp8-lab/altgrad/runs/vk1hf18l'
              ELSE url END AS url,
         CASE WHEN run_id = 'edz7o4mn' THEN ['<b>tag</b>', ''' OR 1=1 --'] ELSE tags END AS tags)
       FROM t`
    );
    const record = await open("/index.html", (r) => serveVariant(r, "runs", body));
    const {page} = record;
    const table = page.locator('[data-testid="runs-table"]');
    await table.waitFor();
    await expect.poll(() => table.innerText()).toContain('<img src=x onerror="window.__xss=1">');
    expect(await table.innerText()).toContain("<b>tag</b>, ' OR 1=1 --");
    expect(await table.locator("img, b").count()).toBe(0);
    const hrefs = await table.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(hrefs).toEqual(["https://wandb.ai/fp8-lab/altgrad/runs/vk1hf18l"]);
    expect(await page.evaluate(() => (window as unknown as {__xss?: number}).__xss)).toBeUndefined();
    // the hostile name is also a search term that must not break anything (bound parameter / text match)
    await page.locator('input[type="search"]').fill("onerror");
    await expect.poll(() => table.getAttribute("data-rows")).toBe("1");
    expectClean(record);
  });

  it("shows a visible error naming the table and file when a table cannot be loaded", async () => {
    const record = await open("/index.html", (r) => serveVariant(r, "runs", null));
    const error = record.page.locator('[data-testid="rl-error"]').first();
    await error.waitFor({timeout: 30_000});
    const text = await error.innerText();
    expect(text).toContain('"runs"');
    expect(text).toContain("data/runs.parquet");
    expect(text).toContain("404");
    expect(await error.isVisible()).toBe(true);
    expect(record.foreignRequests()).toEqual([]);
  });
});

describe("Curves page", () => {
  it("draws one line per run and follows the metric, filters and facets", async () => {
    const record = await open("/curves.html");
    const {page} = record;
    let state = await waitForCurves(page, {metric: "loss", series: EXPECTED.runs, paths: EXPECTED.runs});
    expect(state.points).toBe(EXPECTED.historyRows);
    expect(state.dropped).toBe(0);
    expect(await page.locator('[data-testid="curves-status"]').innerText()).toContain("80 runs, 6,609 points");
    expect(await control(page, "Metric").locator("option").count()).toBe(EXPECTED.metrics);

    // tag filter: the learning-rate arm
    await selectOptionByText(page, "Tag", (t) => t === "lr-sweep");
    state = await waitForCurves(page, {series: EXPECTED.lrSweepRuns, paths: EXPECTED.lrSweepRuns});
    expect(state.points).toBe(EXPECTED.lrSweepRows);
    await selectOptionByText(page, "Tag", (t) => t === "any tag");

    // state filter
    await selectOptionByText(page, "State", (t) => t === "finished");
    await waitForCurves(page, {series: EXPECTED.states.finished, paths: EXPECTED.states.finished});
    await selectOptionByText(page, "State", (t) => t === "failed");
    await waitForCurves(page, {series: EXPECTED.states.failed, paths: EXPECTED.states.failed});
    await selectOptionByText(page, "State", (t) => t === "all states");

    // name search
    await control(page, "Run name").locator("input").fill("e7m0");
    await waitForCurves(page, {series: EXPECTED.e7m0Runs, paths: EXPECTED.e7m0Runs});
    await control(page, "Run name").locator("input").fill("");
    await waitForCurves(page, {series: EXPECTED.runs, paths: EXPECTED.runs});

    // another metric: every run logs val_loss
    await selectOptionByText(page, "Metric", (t) => t.startsWith("val_loss "));
    state = await waitForCurves(page, {metric: "val_loss", series: EXPECTED.runs, paths: EXPECTED.runs});
    expect(state.points).toBeLessThan(EXPECTED.historyRows);
    expect(await page.locator('[data-testid="curves-chart"] g[aria-label="y-axis label"]').textContent()).toContain("val_loss");

    // facets: three learning rates, then eight formats; still one line per run
    await selectOptionByText(page, "Facet by", (t) => t === "config.lr");
    await waitForCurves(page, {facets: 3, series: EXPECTED.runs, paths: EXPECTED.runs});
    await selectOptionByText(page, "Facet by", (t) => t === "config.fp8_format");
    await waitForCurves(page, {facets: 8, series: EXPECTED.runs, paths: EXPECTED.runs});

    // log scale on a metric with exact zeros: those points are dropped and reported, never drawn.
    // (README: overflow_rate is 0 throughout for fp32 (14 runs), E7M0 (6) and E5M2-AdamW at 3e-3 (3).)
    await selectOptionByText(page, "Facet by", (t) => t === "(none)");
    await selectOptionByText(page, "Metric", (t) => t.startsWith("quantization/overflow_rate "));
    await control(page, "Log-scale y").locator("input").check();
    state = await waitForCurves(page, {metric: "quantization/overflow_rate"});
    await expect.poll(async () => (await curvesState(page))?.dropped ?? 0).toBeGreaterThan(0);
    state = (await curvesState(page))!;
    expect(state.paths).toBe(state.series);
    expect(state.series).toBeLessThanOrEqual(EXPECTED.runs - 23);
    expect(await page.locator('[data-testid="curves-dropped"]').innerText()).toMatch(/non-positive \(log scale\)/);
    expectClean(record);
  });

  it("drops NaN and ±Inf values, counts them visibly, and still draws every other run", async () => {
    // fp32-adamw-s0: loss NaN at step 100, +Inf at 105, -Inf at 110; fp32-adamw-s1: every loss NaN.
    const body = await parquetVariant(
      "history",
      `SELECT * REPLACE (
         CASE WHEN metric = 'loss' AND run_id = 'edz7o4mn' AND step = 100 THEN 'NaN'::DOUBLE
              WHEN metric = 'loss' AND run_id = 'edz7o4mn' AND step = 105 THEN 'Infinity'::DOUBLE
              WHEN metric = 'loss' AND run_id = 'edz7o4mn' AND step = 110 THEN '-Infinity'::DOUBLE
              WHEN metric = 'loss' AND run_id = 'vk1hf18l' THEN 'NaN'::DOUBLE
              ELSE value END AS value)
       FROM t`
    );
    const record = await open("/curves.html", (r) => serveVariant(r, "history", body));
    const {page} = record;
    const droppedTotal = 3 + EXPECTED.finishedLossPoints;
    const state = await waitForCurves(page, {metric: "loss", series: EXPECTED.runs - 1, paths: EXPECTED.runs - 1});
    expect(state.dropped).toBe(droppedTotal);
    expect(state.points).toBe(EXPECTED.historyRows - droppedTotal);
    const status = await page.locator('[data-testid="curves-dropped"]').innerText();
    expect(status).toContain(`${droppedTotal} points dropped (${1 + EXPECTED.finishedLossPoints} NaN, 1 +Inf, 1 -Inf)`);
    expect(await page.locator('[data-testid="curves-status"]').innerText()).toContain("1 run(s) have no drawable value");
    // one red tick per step with a non-finite value: every logged step of fp32-adamw-s1 (the three
    // steps of fp32-adamw-s0 are among them)
    expect(await page.locator('[data-testid="curves-chart"] g[aria-label="tick"] line').count()).toBe(EXPECTED.finishedLossPoints);
    // the y axis stays finite
    const yTicks = await page.locator('[data-testid="curves-chart"] g[aria-label="y-axis tick label"] text').allTextContents();
    expect(yTicks.length).toBeGreaterThan(1);
    expect(yTicks.join(" ")).not.toMatch(/NaN|Infinity|∞/);
    expectClean(record);
  });
});
