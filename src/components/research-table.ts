// A result table from analyses/research as an Observable Inputs table: formatted by column type,
// the row count, the table's description and CSV / Parquet downloads of exactly the rows shown.
// Cells are text nodes (Inputs.table), so run names, tags and config values cannot inject markup.
import * as Inputs from "@observablehq/inputs";
import {el} from "./dom.js";
import {downloadButtons} from "./download.js";

export interface ViewColumn {
  key: string;
  label: string;
  type: string;
  description?: string;
}
export interface ViewTable {
  id: string;
  title: string;
  description: string;
  columns: ViewColumn[];
  rows: Record<string, unknown>[];
}

/** 4 significant digits; very small / large in exponent notation. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return x.toLocaleString("en-US");
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(digits)));
}

export function formatP(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  if (p < 1e-4) return "< 0.0001";
  return String(Number(p.toPrecision(2)));
}

export function formatPercent(x: number): string {
  const t = Math.abs(x).toFixed(1);
  return Number(t) === 0 ? `${t}%` : `${x >= 0 ? "+" : "−"}${t}%`;
}

/** Cell formatter for a column type. */
export function formatterFor(type: string): (v: unknown) => string | Node {
  switch (type) {
    case "integer":
      return (v) => (typeof v === "number" ? String(v) : String(v));
    case "number":
      return (v) => (typeof v === "number" ? formatNumber(v) : String(v));
    case "proportion":
      return (v) => (typeof v === "number" ? (v === 0 || v === 1 ? String(v) : v.toFixed(3)) : String(v));
    case "percent":
      return (v) => (typeof v === "number" ? formatPercent(v) : String(v));
    case "p":
      return (v) => (typeof v === "number" ? formatP(v) : String(v));
    case "boolean":
      return (v) => (v === true ? "yes" : v === false ? "no" : String(v));
    default:
      // long text (evidence, notes): the cell shows the start, the tooltip the whole (both text nodes)
      return (v) => {
        const s = typeof v === "string" ? v : JSON.stringify(v);
        return s.length > 60 ? el("span", {title: s}, s) : s;
      };
  }
}

export interface TableViewOptions {
  /** File name stem of the downloads (e.g. "formats-ranking"). */
  name: string;
  /** Column keys to show, in order (default: every column). Downloads hold every column. */
  columns?: readonly string[];
  /** Rows to show and download (default: every row of the table). */
  rows?: readonly Record<string, unknown>[];
  /** Visible rows before scrolling (default 12). */
  maxRows?: number;
  sort?: string;
  reverse?: boolean;
  /** Caption before the count (default: the table's description). */
  caption?: string | null;
}

/** The table element: caption with the row count and downloads, then the Inputs table. */
export function tableView(table: ViewTable, options: TableViewOptions): HTMLElement {
  const rows = options.rows ?? table.rows;
  const shown = options.columns ? options.columns.map((k) => table.columns.find((c) => c.key === k)).filter((c): c is ViewColumn => c !== undefined) : table.columns;
  const format: Record<string, (v: unknown) => string | Node> = {};
  const header: Record<string, string> = {};
  for (const c of shown) {
    format[c.key] = formatterFor(c.type);
    header[c.key] = c.label;
  }
  const exported = {columns: table.columns, rows};
  const caption = options.caption === undefined ? table.description : options.caption;
  const meta = el(
    "div",
    {class: "rl-table-meta"},
    el("span", {class: "rl-table-count"}, `${rows.length.toLocaleString("en-US")} row${rows.length === 1 ? "" : "s"}`),
    caption ? el("span", {class: "rl-note"}, ` · ${caption}`) : null,
    " ",
    downloadButtons(exported, {name: options.name})
  );
  const view =
    rows.length === 0
      ? el("p", {class: "rl-empty"}, "No rows: nothing could be computed here (see the notes).")
      : Inputs.table(rows as Record<string, unknown>[], {
          columns: shown.map((c) => c.key),
          header,
          format,
          rows: options.maxRows ?? 12,
          select: false,
          layout: "auto",
          ...(options.sort ? {sort: options.sort, reverse: options.reverse ?? false} : {})
        });
  return el("div", {class: "rl-table", "data-testid": `table-${table.id}`, "data-rows": rows.length, "data-columns": shown.length}, meta, view);
}

/** A bulleted list of plain-text notes (what could not be computed, caveats). */
export function notesList(notes: readonly string[], {testid = "notes"}: {testid?: string} = {}): HTMLElement {
  if (notes.length === 0) return el("p", {class: "rl-note", "data-testid": testid, "data-count": 0}, "Nothing was left out: every quantity on this page could be computed.");
  return el("ul", {class: "rl-notes", "data-testid": testid, "data-count": notes.length}, notes.map((n) => el("li", {}, n)));
}

/** Computed findings as paragraphs of plain text. */
export function findingsList(findings: readonly string[], {testid = "findings"}: {testid?: string} = {}): HTMLElement {
  return el("div", {class: "rl-findings", "data-testid": testid}, findings.map((f) => el("p", {}, f)));
}
