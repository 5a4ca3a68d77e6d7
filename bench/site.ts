// Site benchmark: `npm run build` wall time (cold: Framework cache and dist/ removed first, so the data
// loaders run; warm: right after, with the loader cache) and, per page, time to first chart in
// headless Chromium (cold: a fresh browser context per load, so no HTTP cache; navigation start →
// first `.rl-chart svg` or Plot `<svg class="plot-…">` in the DOM, measured in the page with performance.now()).
import {rm} from "node:fs/promises";
import {join} from "node:path";
import {buildSite, canRunOffline, launchBrowser, openPage, REPO_ROOT, serveDir} from "../test/e2e/harness.js";

export interface TableLoad {
  table: string;
  rows: number;
  bytes: number;
  totalMs: number;
}

export interface PageTiming {
  name: string;
  path: string;
  /** expected number of charts on the page (the page is "complete" when they are all drawn) */
  charts: number;
  firstChartMs: number[];
  allChartsMs: number[];
  tables: TableLoad[];
}

export interface SiteBenchResult {
  coldBuildMs: number;
  warmBuildMs: number;
  offline: boolean;
  pages: PageTiming[];
}

const PAGES = [
  {name: "Overview", path: "/index.html", charts: 3},
  {name: "Curves", path: "/curves.html", charts: 1},
  {name: "Formats", path: "/formats.html", charts: 1},
  {name: "Failures", path: "/failures.html", charts: 1},
  {name: "Optimizers", path: "/optimizers.html", charts: 1},
  {name: "Checkpoints", path: "/checkpoints.html", charts: 1}
];

/** Records when each chart (.rl-chart containing an <svg>) first appears, in ms since navigation start. */
const CHART_PROBE = `(() => {
  window.__chartTimes = [];
  const seen = new WeakSet();
  const check = () => {
    for (const chart of document.querySelectorAll(".rl-chart")) {
      if (!seen.has(chart) && chart.querySelector("svg")) { seen.add(chart); window.__chartTimes.push(performance.now()); }
    }
    // Pages that draw Plot charts without the .rl-chart wrapper: each Plot <svg> counts once.
    for (const svg of document.querySelectorAll("svg[class^='plot-']")) {
      if (!seen.has(svg) && !svg.closest(".rl-chart")) { seen.add(svg); window.__chartTimes.push(performance.now()); }
    }
  };
  const start = () => new MutationObserver(check).observe(document.documentElement, {childList: true, subtree: true});
  if (document.documentElement) start(); else document.addEventListener("readystatechange", start, {once: true});
})();`;

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function benchSite({repeats = 5, print = true}: {repeats?: number; print?: boolean} = {}): Promise<SiteBenchResult> {
  const offline = canRunOffline();
  await rm(join(REPO_ROOT, "src", ".observablehq", "cache"), {recursive: true, force: true});
  await rm(join(REPO_ROOT, "dist"), {recursive: true, force: true});
  const cold = await buildSite({offline});
  const warm = await buildSite({offline});
  const server = await serveDir(warm.dist);
  const browser = await launchBrowser();
  const pages: PageTiming[] = [];
  try {
    for (const spec of PAGES) {
      const timing: PageTiming = {...spec, firstChartMs: [], allChartsMs: [], tables: []};
      for (let i = 0; i < repeats; ++i) {
        const record = await openPage(browser);
        try {
          await record.context.addInitScript(CHART_PROBE);
          await record.page.goto(`${server.url}${spec.path}`);
          await record.page.waitForFunction((n) => (window as unknown as {__chartTimes: number[]}).__chartTimes?.length >= n, spec.charts, {timeout: 60_000});
          const times = await record.page.evaluate(() => (window as unknown as {__chartTimes: number[]}).__chartTimes);
          timing.firstChartMs.push(Math.min(...times));
          timing.allChartsMs.push(Math.max(...times.slice(0, spec.charts)));
          if (i === 0) {
            await record.page.waitForLoadState("networkidle");
            timing.tables = await record.page.evaluate(() =>
              performance
                .getEntriesByType("measure")
                .filter((m) => m.name.startsWith("runlens:load:"))
                .map((m) => {
                  const d = (m as PerformanceMeasure).detail as {table: string; rows: number; bytes: number; totalMs: number};
                  return {table: d.table, rows: d.rows, bytes: d.bytes, totalMs: d.totalMs};
                })
            );
          }
          const problems = [...record.foreignRequests(), ...record.consoleErrors, ...record.pageErrors];
          if (problems.length) throw new Error(`${spec.path}: ${problems.join("; ")}`);
        } finally {
          await record.close();
        }
      }
      pages.push(timing);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const result: SiteBenchResult = {coldBuildMs: cold.ms, warmBuildMs: warm.ms, offline, pages};
  if (print) printSiteBench(result);
  return result;
}

export function printSiteBench(result: SiteBenchResult): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const row = (label: string, value: string, note = "") => console.log(`${label.padEnd(44)} ${value.padStart(14)}  ${note}`);
  const network = result.offline ? "offline (unshare -n)" : "network not isolated";
  row("npm run build, cold (no Framework cache)", s(result.coldBuildMs), network);
  row("npm run build, warm (loader cache)", s(result.warmBuildMs), network);
  for (const p of result.pages) {
    const n = p.firstChartMs.length;
    row(`${p.name}: first chart (median of ${n})`, `${median(p.firstChartMs).toFixed(0)} ms`, `min ${Math.min(...p.firstChartMs).toFixed(0)}, max ${Math.max(...p.firstChartMs).toFixed(0)}`);
    row(`${p.name}: all ${p.charts} chart(s) (median of ${n})`, `${median(p.allChartsMs).toFixed(0)} ms`);
    for (const t of p.tables) {
      row(`  ${p.name}: load ${t.table}`, `${t.rows.toLocaleString("en-US")} rows`, `${(t.bytes / 1024).toFixed(0)} kB in ${t.totalMs.toFixed(0)} ms`);
    }
  }
}

// `tsx bench/site.ts` runs it directly.
if (import.meta.url === `file://${process.argv[1]}`) {
  await benchSite();
}
