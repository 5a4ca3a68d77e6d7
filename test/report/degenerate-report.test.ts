import {readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {csvParse} from "d3-dsv";
import {describe, expect, it} from "vitest";
import {tempDir} from "../helpers/run-dir.js";
import {readJson, renderMarkdown, renderedTables, runReport, writeProject, type SyntheticRun} from "./helpers.js";

async function reportOn(runs: SyntheticRun[], args: string[] = []) {
  const root = tempDir();
  writeProject(root, runs);
  const out = join(tempDir(), "reports");
  const result = await runReport(["--out", out, "--resamples", "200", ...args], {RUNLENS_RUNS_DIR: root, RUNLENS_WORKSPACE_DIR: tempDir()});
  const text = (file: string) => renderMarkdown(readFileSync(join(out, file), "utf8")).body.textContent ?? "";
  return {...result, out, text, manifest: () => readJson(out, "report.json")};
}

const grid = (seeds: number[], stall: (format: string, optimizer: string) => number): SyntheticRun[] =>
  ["e4m3", "e5m2"].flatMap((format) =>
    ["adamw", "manifold_adamw"].flatMap((optimizer) =>
      seeds.map((seed) => ({
        id: `${format}-${optimizer}-${seed}`.replaceAll("_", ""), name: `${format}-${optimizer}-s${seed}`, format, optimizer, seed,
        stall: stall(format, optimizer), loss0: 3 + seed * 0.01 + (optimizer === "adamw" ? 0.05 : 0), slope: format === "e4m3" ? 0.012 : 0.01
      }))
    )
  );

describe("runlens report on degenerate projects", () => {
  it("single seed: no interval or test for the optimizer effect, small-n caveats in the ranking; exit 0", async () => {
    const r = await reportOn(grid([0], () => 0.5));
    expect(r.code, r.stderr).toBe(0);
    // One seed: each format has one run per optimizer (n = 2 per format), each optimizer arm n = 1.
    const ranking = csvParse(readFileSync(join(r.out, "tables/formats/ranking.csv"), "utf8"));
    expect(new Set(ranking.map((row) => row.n))).toEqual(new Set(["2"]));
    expect(r.text("formats.md")).toContain("n = 2: a bootstrap over so few seeds understates the uncertainty");
    const effects = csvParse(readFileSync(join(r.out, "tables/optimizers/effects.csv"), "utf8"));
    expect(effects.map((e) => [e.format, e.n_baseline, e.n_treatment, e.pairing, e.ci_lower, e.p])).toEqual([["e4m3", "1", "1", "unpaired", "", ""], ["e5m2", "1", "1", "unpaired", "", ""]]);
    expect(r.text("optimizers.md")).toContain("only 1 common seed(s)");
    expect(r.manifest().answer.status).not.toBe("answered");
  });

  it("all runs failed: every mode is bit_stall, rates are 1 with Wilson intervals, no healthy comparison; exit 0", async () => {
    const r = await reportOn(grid([0, 1, 2], () => 0.99));
    expect(r.code, r.stderr).toBe(0);
    const modes = csvParse(readFileSync(join(r.out, "tables/failures/failure_modes.csv"), "utf8"));
    expect(modes.map((m) => [m.mode, m.n])).toEqual([["bit_stall", "12"]]);
    const rates = csvParse(readFileSync(join(r.out, "tables/failures/failure_rates.csv"), "utf8"));
    const all = rates.find((x) => x.by === "all runs")!;
    // Wilson 95% for 12/12: [12/(12 + 1.96²), 1] = [0.7575…, 1] (statsmodels proportion_confint(12, 12, method="wilson")).
    expect([all.failures, all.n, all.rate, all.ci_upper]).toEqual(["12", "12", "1", "1"]);
    expect(Number(all.ci_lower)).toBeCloseTo(12 / (12 + 1.959963984540054 ** 2), 10);
    expect(r.text("failures.md")).toContain("no healthy run to compare with");
    const runs = csvParse(readFileSync(join(r.out, "tables/failures/failure_runs.csv"), "utf8"));
    expect(new Set(runs.map((x) => x.collapse_step))).toEqual(new Set(["95"]));
  });

  it("missing metric: the report explains that it is not logged; exit 0", async () => {
    const r = await reportOn(grid([0, 1], () => 0.5), ["--metric", "not_logged"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.text("formats.md")).toContain('metric "not_logged" is not logged by any compared run');
    expect(r.text("optimizers.md")).toContain('metric "not_logged" is not logged by any compared run: no effect can be computed');
    const m = r.manifest();
    expect(m.answer.status).toBe("not_computable");
    expect(r.text("README.md")).toContain("could not be computed");
    expect(renderedTables(renderMarkdown(readFileSync(join(r.out, "formats.md"), "utf8"))).find((t) => t.heading === "Formats ranked")).toBeUndefined();
  });

  it("escapes hostile run names in every page, links W&B runs, and keeps the names exact in CSV", async () => {
    const hostile = ['<script>alert("x")</script>', "pipe|name", "`tick` *star*", 'comma, "quote"\nnewline'];
    const runs = grid([0, 1], () => 0.5).map((run, i) => ({...run, name: hostile[i % hostile.length] + ` #${i}`, url: `https://wandb.ai/team/proj/runs/${run.id}`}));
    const r = await reportOn(runs);
    expect(r.code, r.stderr).toBe(0);
    for (const file of ["README.md", "formats.md", "failures.md", "optimizers.md"]) {
      const md = readFileSync(join(r.out, file), "utf8");
      expect(md).not.toContain("<script>");
      const doc = renderMarkdown(md);
      expect(doc.querySelectorAll("script").length, file).toBe(0);
    }
    const doc = renderMarkdown(readFileSync(join(r.out, "formats.md"), "utf8"));
    const table = renderedTables(doc).find((t) => t.heading === "Runs")!;
    const nameCol = table.headers.indexOf("run");
    expect(new Set(table.rows.map((row) => row[nameCol]))).toEqual(new Set(runs.map((x) => x.name.replace("\n", " "))));
    const links = Array.from(doc.querySelectorAll("a")).filter((a) => a.getAttribute("href")?.startsWith("https://wandb.ai/"));
    expect(links.length).toBe(2 * runs.length); // run id and name of each run
    const csv = csvParse(readFileSync(join(r.out, "tables/formats/runs.csv"), "utf8"));
    expect(new Set(csv.map((row) => row.name))).toEqual(new Set(runs.map((x) => x.name)));
  });

  it("fails with a clear message and exit 1, leaving the folder alone, when --out is not a report", async () => {
    const root = tempDir();
    writeProject(root, grid([0], () => 0.5));
    const out = tempDir();
    writeFileSync(join(out, "notes.txt"), "mine");
    const r = await runReport(["--out", out, "--resamples", "50"], {RUNLENS_RUNS_DIR: root, RUNLENS_WORKSPACE_DIR: tempDir()});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to replace .*: it holds 1 entry and no report\.json/);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine");
  });

  it("rejects bad options with exit 2 and the usage", async () => {
    for (const args of [["--resamples", "0"], ["--seed", "-1"], ["--bogus"], ["--metric", " "]]) {
      const r = await runReport(args, {});
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: runlens report");
    }
    const missing = await runReport(["--workspace", join(tempDir(), "nope"), "--out", join(tempDir(), "r")], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/workspace table not found/);
  });
});
