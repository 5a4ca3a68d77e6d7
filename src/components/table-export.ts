// Pure exports of a result table (no DOM): CSV text and an Arrow IPC stream (which download.ts
// turns into Parquet with parquet-wasm). A table is {columns: [{key, type}], rows: [{key: cell}]}
// as analyses/research returns it; for other tables the column types are inferred from the values.
import {Bool, Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray, type Vector} from "apache-arrow";

export type ExportCell = string | number | boolean | null | undefined | Date;
export interface ExportColumn {
  key: string;
  type?: string; // "text" | "integer" | "number" | "proportion" | "percent" | "p" | "boolean"
}
export interface ExportTable {
  columns?: readonly ExportColumn[];
  rows: readonly Record<string, unknown>[];
}

/** The columns of a table: declared ones, else the keys of the rows (first appearance order), types inferred. */
export function exportColumns(table: ExportTable): ExportColumn[] {
  if (table.columns && table.columns.length > 0) return table.columns.map((c) => ({key: c.key, type: c.type ?? inferType(table.rows, c.key)}));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of table.rows) for (const k of Object.keys(r)) if (!seen.has(k)) seen.add(k), keys.push(k);
  return keys.map((key) => ({key, type: inferType(table.rows, key)}));
}

function inferType(rows: readonly Record<string, unknown>[], key: string): string {
  let type: string | null = null;
  for (const r of rows) {
    const v = r[key];
    if (v === null || v === undefined) continue;
    const t = typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v === "boolean" ? "boolean" : "text";
    if (type === null) type = t;
    else if (type !== t) type = type === "integer" && t === "number" ? "number" : type === "number" && t === "integer" ? "number" : "text";
  }
  return type ?? "text";
}

/**
 * Spreadsheet formula injection: a text cell starting with = + - @ (or a tab / carriage return)
 * is prefixed with an apostrophe, as OWASP recommends. Numbers are never touched.
 */
function csvText(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvCell(v: unknown, type: string | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Date) return v.toISOString();
  if (type !== "text" && typeof v === "string" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) return v;
  return csvText(typeof v === "string" ? v : JSON.stringify(v));
}

/** RFC 4180 CSV (comma, CRLF, quotes doubled) with a header of the column keys. */
export function toCsv(table: ExportTable): string {
  const columns = exportColumns(table);
  const lines = [columns.map((c) => csvText(c.key)).join(",")];
  for (const r of table.rows) lines.push(columns.map((c) => csvCell(r[c.key], c.type)).join(","));
  return lines.join("\r\n") + "\r\n";
}

function vectorFor(values: unknown[], type: string | undefined): Vector {
  switch (type) {
    case "integer": {
      const ok = values.every((v) => v === null || v === undefined || (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 2 ** 31));
      if (ok) return vectorFromArray(values.map((v) => (v === undefined ? null : v)), new Int32());
      return vectorFromArray(values.map((v) => (typeof v === "number" ? v : null)), new Float64());
    }
    case "number":
    case "proportion":
    case "percent":
    case "p":
      return vectorFromArray(values.map((v) => (typeof v === "number" ? v : null)), new Float64());
    case "boolean":
      return vectorFromArray(values.map((v) => (typeof v === "boolean" ? v : null)), new Bool());
    default:
      return vectorFromArray(values.map((v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v))), new Utf8());
  }
}

/** The table as an Arrow IPC stream with typed columns (text → Utf8, integer → Int32, numbers → Float64, boolean → Bool). */
export function toArrowIPC(table: ExportTable): Uint8Array {
  const columns = exportColumns(table);
  const vectors: Record<string, Vector> = {};
  for (const c of columns) vectors[c.key] = vectorFor(table.rows.map((r) => r[c.key]), c.type);
  const arrow = columns.length === 0 ? new Table() : new Table(vectors);
  return tableToIPC(arrow, "stream");
}


/** A file name from a page and table id: letters, digits, - and _ only. */
export function exportName(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "")).filter(Boolean).join("-") || "table";
}
