// Shared by the report tests: run the command with captured output, write small synthetic projects,
// and read a report back the way a reader sees it (markdown rendered by markdown-it, SVG parsed as XML).
import {readFileSync} from "node:fs";
import {join} from "node:path";
import MarkdownIt from "markdown-it";
import {JSDOM} from "jsdom";
import {reportCommand} from "../../data-loaders/cli/report.js";
import {writeRun} from "../helpers/run-dir.js";

export async function runReport(args: string[], env: NodeJS.ProcessEnv): Promise<{code: number; stdout: string; stderr: string}> {
  let stdout = "";
  let stderr = "";
  const code = await reportCommand(args, {env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t)});
  return {code, stdout, stderr};
}

const dom = new JSDOM("");

/** Markdown → HTML with raw HTML allowed (the worst case for an injected tag) → a DOM to query. */
export function renderMarkdown(markdown: string): Document {
  const html = new MarkdownIt({html: true}).render(markdown);
  return new dom.window.DOMParser().parseFromString(`<!DOCTYPE html><html><body>${html}</body></html>`, "text/html");
}

export interface RenderedTable {
  /** The heading just before the table. */
  heading: string;
  headers: string[];
  rows: string[][];
}

/** Every table of a rendered page with the `##` heading it sits under. */
export function renderedTables(doc: Document): RenderedTable[] {
  const out: RenderedTable[] = [];
  for (const table of Array.from(doc.querySelectorAll("table"))) {
    let node: Element | null = table.previousElementSibling;
    while (node !== null && node.tagName !== "H2") node = node.previousElementSibling;
    out.push({
      heading: node?.textContent ?? "",
      headers: Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent ?? ""),
      rows: Array.from(table.querySelectorAll("tbody tr")).map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent ?? ""))
    });
  }
  return out;
}

export function parseSvg(file: string): Document {
  return new dom.window.DOMParser().parseFromString(readFileSync(file, "utf8"), "image/svg+xml");
}

export function readJson<T = any>(dir: string, path: string): T {
  return JSON.parse(readFileSync(join(dir, path), "utf8"));
}

const config = (values: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, {value: v, desc: null}])));

export interface SyntheticRun {
  id: string;
  name: string;
  format: string;
  optimizer: string;
  seed: number;
  lr?: number;
  /** Bit-stall rate at every logged step (> 0.95 for 20 logged steps triggers the runner's rule). */
  stall: number;
  /** Loss at step 0; it falls linearly by `slope` per step. */
  loss0?: number;
  slope?: number;
  url?: string;
  /** Leave val_loss out of the history. */
  noValLoss?: boolean;
}

/**
 * Write runs in the W&B API's shape: logged every 5 steps to step 100, val_loss every 50 steps, two
 * per-layer bit-stall series. A run whose stall rate is over 0.95 is written the way the sample's
 * runner stops it: history up to the 20th logged step over the threshold (step 95), state failed,
 * failure_reason bit_stall.
 */
export function writeProject(root: string, runs: SyntheticRun[]): void {
  for (const r of runs) {
    const fails = r.stall > 0.95;
    const last = fails ? 95 : 100;
    const lines: string[] = [];
    for (let step = 0; step <= last; step += 5) {
      const loss = (r.loss0 ?? 3) - (r.slope ?? 0.01) * step;
      const row: Record<string, number> = {
        _step: step, _runtime: step / 10, _timestamp: 1_700_000_000 + step, loss, "quantization/bit_stall_rate": r.stall,
        "quantization/overflow_rate": 0, "bit_stall/transformer.h.0.attn.c_attn.weight": r.stall, "bit_stall/transformer.h.0.mlp.c_fc.weight": r.stall
      };
      if (!r.noValLoss && (step % 50 === 0 || step === last)) row.val_loss = loss + 0.1;
      lines.push(JSON.stringify(row));
    }
    const lastLoss = (r.loss0 ?? 3) - (r.slope ?? 0.01) * last;
    writeRun(root, r.id, {
      displayName: r.name,
      state: fails ? "failed" : "finished",
      config: config({fp8_format: r.format, optimizer: r.optimizer, seed: r.seed, lr: r.lr ?? 0.003}),
      summaryMetrics: JSON.stringify({_step: last, loss: lastLoss, ...(fails ? {failure_reason: "bit_stall", failure_step: last} : {})}),
      createdAt: "2026-01-01T00:00:00",
      heartbeatAt: "2026-01-01T00:01:00",
      ...(r.url !== undefined ? {url: r.url} : {})
    }, lines);
  }
}
