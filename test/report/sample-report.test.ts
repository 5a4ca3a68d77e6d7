import {existsSync, readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {csvParse} from "d3-dsv";
import {beforeAll, describe, expect, it} from "vitest";
import type {ColumnType, ResearchTable} from "@runlens/analyses/research/index";
import {computeResearch, type ResearchResults} from "../../data-loaders/report/build-report.js";
import {loadWorkspaceColumns, loadWorkspaceRows} from "../../data-loaders/report/load-workspace-rows.js";
import {tempDir} from "../helpers/run-dir.js";
import {parseSvg, readJson, renderMarkdown, renderedTables, runReport, type RenderedTable} from "./helpers.js";

// Expected counts are from sample/altgrad-fp8/README.md, written by the dataset's authors independently of
// this code: "all runs: failed/bit_stall: 51, finished: 29"; 8 formats (fp32, E5M2, E4M3, E3M4, E2M5, E1M6,
// E0M7, E7M0); the main study is 48 runs at lr 3e-3 (8 formats x 2 optimizers x 3 seeds); the table
// "Failure modes by lr / format / optimizer" and the per-run table give the failures per format and the
// stop steps.
const FORMATS = ["fp32", "e5m2", "e4m3", "e3m4", "e2m5", "e1m6", "e0m7", "e7m0"];

let out: string;
let workspace: string;
let stdout: string;
let stderr: string;
let code: number;
let results: ResearchResults;
let fromColumns: ResearchResults;

/** JSON with NaN and ±Infinity kept apart (JSON.stringify would write all three as null). */
const exact = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? `number:${v}` : v));

beforeAll(async () => {
  out = join(tempDir(), "reports");
  workspace = tempDir();
  ({code, stdout, stderr} = await runReport(["--out", out], {RUNLENS_WORKSPACE_DIR: workspace}));
  // The research functions called independently on the same workspace, with the site's default options.
  const [dir] = readdirSync(workspace).filter((d) => !d.startsWith("."));
  results = computeResearch(await loadWorkspaceRows(join(workspace, dir)));
  fromColumns = computeResearch(await loadWorkspaceColumns(join(workspace, dir)));
}, 600_000);

const csvRows = (path: string) => csvParse(readFileSync(join(out, path), "utf8"));
const page = (file: string) => renderMarkdown(readFileSync(join(out, file), "utf8"));

describe("runlens report on the sample", () => {
  it("exits 0, prints progress and a summary, and writes pages, charts, tables and a manifest", () => {
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/read 80 runs and 258467 history rows/);
    expect(stderr).toMatch(/ANAL-01 formats compared \(\d+\.\d+ s\)/);
    expect(stdout).toMatch(/wrote .* 4 pages, 6 charts, 24 tables/);
    expect(stdout).toMatch(/51 of 80 runs failed/);
    for (const f of ["README.md", "formats.md", "failures.md", "optimizers.md", "report.json"]) expect(existsSync(join(out, f))).toBe(true);
    expect(readJson(out, "report.json").generator).toBe("runlens report");
    // Nothing temporary left next to the report.
    expect(readdirSync(join(out, "..")).filter((e) => e.startsWith("."))).toEqual([]);
  });

  it("counts 51 bit_stall and 29 healthy runs, and the README's failures per format", () => {
    const modes = csvRows("tables/failures/failure_modes.csv");
    expect(modes.map((r) => [r.mode, Number(r.n)])).toEqual([["bit_stall", 51], ["none", 29]]);
    const rates = csvRows("tables/failures/failure_rates.csv").filter((r) => r.by === "fp8_format");
    const byFormat = Object.fromEntries(rates.map((r) => [r.group, `${r.failures}/${r.n}`]));
    // All lrs: e5m2 3+3 (3e-3) + 2+2 + 2+2; e4m3 6 + 2 (3e-2 manifold) + 0; e3m4 3 (manifold) + 2 + 0.
    expect(byFormat).toEqual({fp32: "0/14", e5m2: "14/14", e4m3: "8/14", e3m4: "5/14", e2m5: "6/6", e1m6: "6/6", e0m7: "6/6", e7m0: "6/6"});
    // The same counts on the page a reader opens.
    const md = renderedTables(page("failures.md")).find((t) => t.heading === "Runs per failure mode")!;
    expect(md.rows.map((r) => [r[0], r[1]])).toEqual([["bit_stall", "51"], ["none", "29"]]);
    // Stop steps from the README's per-run table.
    const runs = csvRows("tables/failures/failure_runs.csv");
    const step = (name: string) => runs.find((r) => r.name === name)!.collapse_step;
    expect([step("e7m0-adamw-s0"), step("e7m0-manifold-s0"), step("e5m2-adamw-s0"), step("e3m4-manifold-lr3e-2-s1"), step("fp32-adamw-s0")]).toEqual(["110", "115", "325", "455", ""]);
  });

  it("ranks the 8 formats on the 48 runs of the main study (lr 3e-3), failures per format kept in", () => {
    const ranking = csvRows("tables/formats/ranking.csv");
    const best = ranking.filter((r) => r.metric === "val_loss" && r.selector === "best");
    expect(new Set(best.map((r) => r.format))).toEqual(new Set(FORMATS));
    expect(best.every((r) => r.n_runs === "6" && r.n === "6")).toBe(true);
    // lr 3e-3: every 8-bit format failed in all 6 runs except e3m4 (3 AdamW runs finished); fp32 never.
    const failed = Object.fromEntries(best.map((r) => [r.format, Number(r.n_failed)]));
    expect(failed).toEqual({fp32: 0, e5m2: 6, e4m3: 6, e3m4: 3, e2m5: 6, e1m6: 6, e0m7: 6, e7m0: 6});
    expect(csvRows("tables/formats/runs.csv")).toHaveLength(48);
    // Best val_loss means from the README's "Per lr / format / optimizer" table (mean of the two optimizers' means).
    const estimate = Object.fromEntries(best.map((r) => [r.format, Number(r.estimate)]));
    expect(estimate.fp32).toBeCloseTo((2.0836 + 1.6325) / 2, 3);
    expect(estimate.e3m4).toBeCloseTo((2.2819 + 1.9433) / 2, 3);
    expect(estimate.e7m0).toBeCloseTo((3.5824 + 3.6647) / 2, 3);
  });

  it("prints in the markdown the numbers the research functions return (to the digits shown)", () => {
    const sections: [string, Record<string, ResearchTable>][] = [
      ["formats.md", results.formats.tables as unknown as Record<string, ResearchTable>],
      ["failures.md", results.failures.tables as unknown as Record<string, ResearchTable>],
      ["optimizers.md", results.optimizers.tables as unknown as Record<string, ResearchTable>],
      ["README.md", results.answer.tables as unknown as Record<string, ResearchTable>]
    ];
    let checked = 0;
    for (const [file, tables] of sections) {
      const rendered = renderedTables(page(file));
      for (const table of Object.values(tables)) {
        const md = rendered.find((t) => t.heading === table.title);
        if (table.rows.length === 0 || table.rows.length > 100) {
          expect(md, `${file}: ${table.title} is not inlined`).toBeUndefined();
          continue;
        }
        expect(md, `${file}: ${table.title}`).toBeDefined();
        checked += compareTable(table, md!);
      }
    }
    expect(checked).toBeGreaterThan(5000);
    // The answer's headline and the findings, as the functions wrote them.
    const readme = page("README.md").body.textContent!;
    expect(readme).toContain(results.answer.headline);
    expect(results.answer.headline).toMatch(/^e3m4 benefits most/);
    const failures = page("failures.md").body.textContent!;
    for (const f of results.failures.findings) expect(failures).toContain(f);
    for (const n of results.failures.notes) expect(failures).toContain(n);
  });

  it("writes every table as JSON equal to the function's table and as CSV that parses back to the same rows", () => {
    const all: [string, ResearchTable][] = [
      ...Object.values(results.formats.tables).map((t) => ["formats", t] as [string, ResearchTable]),
      ...Object.values(results.failures.tables).map((t) => ["failures", t] as [string, ResearchTable]),
      ...Object.values(results.optimizers.tables).map((t) => ["optimizers", t] as [string, ResearchTable]),
      ...Object.values(results.answer.tables).map((t) => ["answer", t] as [string, ResearchTable])
    ];
    expect(all).toHaveLength(24);
    for (const [section, table] of all) {
      const json = readJson(out, `tables/${section}/${table.id}.json`);
      expect(json.rows).toEqual(table.rows);
      expect(json.columns).toEqual(table.columns);
      const csv = csvRows(`tables/${section}/${table.id}.csv`);
      expect(csv.columns).toEqual(table.columns.map((c) => c.key));
      expect(csv.map((row) => fromCsv(row, table))).toEqual(table.rows.map((row) => Object.fromEntries(table.columns.map((c) => [c.key, row[c.key] ?? null]))));
    }
  });

  it("renders valid SVG charts with one series per format (× optimizer for the curves)", () => {
    const charts = readdirSync(join(out, "charts")).sort();
    expect(charts).toEqual(["failures-by-step.svg", "failures-rates.svg", "formats-layer-types.svg", "formats-ranking.svg", "optimizers-curves.svg", "optimizers-effects.svg"]);
    for (const c of charts) {
      const doc = parseSvg(join(out, "charts", c));
      expect(doc.getElementsByTagName("parsererror"), c).toHaveLength(0);
      expect(doc.documentElement.namespaceURI).toBe("http://www.w3.org/2000/svg");
      expect(doc.documentElement.localName).toBe("svg");
    }
    const count = (chart: string, mark: string, element: string) =>
      Array.from(parseSvg(join(out, "charts", chart)).querySelectorAll(`g[aria-label="${mark}"]`)).reduce((n, g) => n + g.getElementsByTagName(element).length, 0);
    // lr 3e-3: 8 formats x 2 optimizers = 16 IQM curves.
    expect(count("optimizers-curves.svg", "line", "path")).toBe(16);
    expect(count("formats-ranking.svg", "dot", "circle")).toBe(8);
    expect(count("failures-rates.svg", "dot", "circle")).toBe(8);
    expect(count("optimizers-effects.svg", "dot", "circle")).toBe(8);
    expect(count("formats-layer-types.svg", "cell", "rect")).toBe(8 * 5); // 8 formats x 5 layer types
    // Embedded by relative link from the pages.
    const images = Array.from(page("optimizers.md").querySelectorAll("img")).map((img) => img.getAttribute("src"));
    expect(images).toEqual(["charts/optimizers-effects.svg", "charts/optimizers-curves.svg"]);
  });

  it("the research functions give the same results on history read as columns (the CLI's path) as on rows", () => {
    for (const key of ["formats", "failures", "optimizers", "answer"] as const) expect(exact(fromColumns[key]), key).toBe(exact(results[key]));
  });

  it("says in each page what could not be computed (from the functions' notes)", () => {
    const formats = page("formats.md");
    const h2 = Array.from(formats.querySelectorAll("h2")).map((h) => h.textContent);
    expect(h2.at(-1)).toBe("What could not be computed, and caveats");
    const last = Array.from(formats.querySelectorAll("ul")).at(-1)!.textContent!;
    expect(last).toContain('no per-layer "overflow/<parameter>" metric is logged');
    expect(last).toContain("32 run(s) are outside this comparison");
  });
});

/** Check a rendered markdown table cell by cell against the function's table; returns the cells checked. */
function compareTable(table: ResearchTable, md: RenderedTable): number {
  expect(md.headers).toEqual(table.columns.map((c) => c.label));
  expect(md.rows).toHaveLength(table.rows.length);
  let n = 0;
  table.rows.forEach((row, i) => {
    table.columns.forEach((c, j) => {
      expectCell(md.rows[i][j], row[c.key] ?? null, c.type, `${table.id}[${i}].${c.key}`);
      ++n;
    });
  });
  return n;
}

/** A displayed number must be the value rounded to the digits shown: 4 significant, p-values 2. */
function expectCell(text: string, value: unknown, type: ColumnType, where: string): void {
  if (value === null) return void expect(text, where).toBe("–");
  if (typeof value === "boolean") return void expect(text, where).toBe(value ? "yes" : "no");
  if (typeof value === "number") {
    if (type === "integer") return void expect(Number(text), where).toBe(value);
    if (type === "p" && text === "<0.0001") return void expect(value, where).toBeLessThan(1e-4);
    const shown = Number(text);
    expect(Number.isNaN(shown), `${where}: "${text}"`).toBe(false);
    const digits = type === "p" ? 2 : 4;
    const halfUnit = value === 0 ? 0 : 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(value))) - digits + 1);
    expect(Math.abs(shown - value), `${where}: "${text}" vs ${value}`).toBeLessThanOrEqual(halfUnit * (1 + 1e-9) + 1e-300);
    return;
  }
  expect(text, where).toBe(String(value).replace(/\r\n|\r|\n/g, " "));
}

function fromCsv(row: Record<string, string>, table: ResearchTable): Record<string, unknown> {
  return Object.fromEntries(
    table.columns.map((c) => {
      const s = row[c.key];
      if (s === "") return [c.key, null];
      if (c.type === "boolean") return [c.key, s === "true"];
      if (c.type !== "text") return [c.key, Number(s)];
      return [c.key, s];
    })
  );
}
