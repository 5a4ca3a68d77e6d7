import {describe, expect, it} from "vitest";
import type {ResearchTable} from "@runlens/analyses/research/index";
import {escapeMarkdown, formatCell, markdownTable, safeUrl} from "../../data-loaders/report/render-markdown.js";
import {renderMarkdown, renderedTables} from "./helpers.js";

const HOSTILE = [
  "<script>alert(1)</script>",
  "a|b|c",
  "`code` and ``more``",
  "*bold* _em_ ~~strike~~",
  "[link](javascript:alert(1))",
  "![img](x.png)",
  "# heading",
  "- item",
  "1. item",
  "&lt;already escaped&gt; &amp;",
  "back\\slash\\|",
  "<img src=x onerror=alert(1)>",
  "${1 + 1}"
];

describe("markdown escaping", () => {
  it("renders every hostile run name as its own text, in prose and in a table cell (raw HTML allowed)", () => {
    for (const name of HOSTILE) {
      const prose = renderMarkdown(`- ${escapeMarkdown(name)}`);
      expect(prose.querySelectorAll("script, img, a, code, strong, em, s, h1, ol, ul ul").length, name).toBe(0);
      expect(prose.querySelector("li")!.textContent, name).toBe(name);
      const table: ResearchTable = {id: "t", title: "T", description: "", columns: [{key: "name", label: "run", type: "text"}, {key: "n", label: "n", type: "integer"}], rows: [{name, n: 1}]};
      const doc = renderMarkdown(`## T\n\n${markdownTable(table)}\n`);
      expect(doc.querySelectorAll("script, img, a, code").length, name).toBe(0);
      const [rendered] = renderedTables(doc);
      expect(rendered.rows, name).toEqual([[name, "1"]]);
    }
  });

  it("turns line breaks into spaces (a break would end the table row)", () => {
    expect(renderedTables(renderMarkdown(`## T\n\n${markdownTable({id: "t", title: "T", description: "", columns: [{key: "name", label: "run", type: "text"}], rows: [{name: "two\nlines\r\nhere"}]})}\n`))[0].rows).toEqual([["two lines here"]]);
  });

  it("links run names to http(s) pages only", () => {
    expect(safeUrl("https://wandb.ai/team/proj/runs/abc")).toBe("https://wandb.ai/team/proj/runs/abc");
    expect(safeUrl("https://wandb.ai/a (b)|c")).toBe("https://wandb.ai/a%20%28b%29%7Cc");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("data:text/html,x")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
    const table: ResearchTable = {id: "t", title: "T", description: "", columns: [{key: "run_id", label: "id", type: "text"}, {key: "name", label: "run", type: "text"}], rows: [{run_id: "r1", name: "x|<b>"}, {run_id: "r2", name: "evil"}]};
    const links = new Map([["r1", {name: "x|<b>", url: "https://wandb.ai/t/p/runs/r1"}], ["r2", {name: "evil", url: "javascript:alert(1)"}]]);
    const doc = renderMarkdown(`## T\n\n${markdownTable(table, links)}\n`);
    const anchors = Array.from(doc.querySelectorAll("a"));
    expect(anchors.map((a) => [a.textContent, a.getAttribute("href")])).toEqual([["r1", "https://wandb.ai/t/p/runs/r1"], ["x|<b>", "https://wandb.ai/t/p/runs/r1"]]);
    expect(renderedTables(doc)[0].rows).toEqual([["r1", "x|<b>"], ["r2", "evil"]]);
  });

  it("formats cells by column type: 4 significant digits, p-values 2, integers exact, null as a dash", () => {
    expect(formatCell(2.0835999, "number")).toBe("2.084");
    expect(formatCell(-0.000123456, "number")).toBe("-1.235e-4");
    expect(formatCell(1234567.8, "number")).toBe("1.235e+6");
    expect(formatCell(499, "integer")).toBe("499");
    expect(formatCell(0.04321, "p")).toBe("0.043");
    expect(formatCell(3e-7, "p")).toBe("<0.0001");
    expect(formatCell(0, "p")).toBe("0");
    expect(formatCell(null, "number")).toBe("–");
    expect(formatCell(true, "boolean")).toBe("yes");
    expect(formatCell(14.8367, "percent")).toBe("14.84");
  });
});
