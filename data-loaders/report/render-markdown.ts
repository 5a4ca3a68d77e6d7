// Markdown for the report: untrusted text escaped, cells formatted by column type, run names linked to
// their W&B pages. Every number printed here comes from a research table; nothing is recomputed.
import type {Cell, ColumnType, ResearchTable, TableRow} from "@runlens/analyses/research/index";

/** Where a run's page is: run_id → {name, url}; url only for runs that came from W&B. */
export type RunLinks = ReadonlyMap<string, {name: string | null; url: string | null}>;

/**
 * Inline text that renders as itself. Run names, config values and notes are untrusted: `<script>`,
 * `|` (a table cell boundary), backticks, emphasis and link brackets must not become markup. HTML
 * specials become entities (so no tag survives, even where a renderer allows raw HTML), inline
 * markup characters are backslash-escaped (CommonMark allows it for any ASCII punctuation), and line
 * breaks become spaces (a line break would end a table row or a list item).
 */
export function escapeMarkdown(text: string): string {
  let s = text.replace(/\r\n|\r|\n/g, " ");
  s = s.replace(/[\\`*_[\]|~$]/g, (c) => `\\${c}`);
  s = s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
  // Block markers at the start (a heading, list item or break inside a list item): they need a space after.
  s = s.replace(/^(\s*)([-+#])(?=[-+#]*(\s|$))/, "$1\\$2").replace(/^(\s*\d{1,9})([.)])(?=\s|$)/, "$1\\$2");
  return s;
}

/** A link destination, or null for anything but http(s) (a `javascript:` url is never linked). */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== "string" || url.trim() === "") return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  return parsed.href.replace(/[()|<> \\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export function link(text: string, url: unknown): string {
  const href = safeUrl(url);
  return href === null ? escapeMarkdown(text) : `[${escapeMarkdown(text)}](${href})`;
}

/** Significant digits shown per numeric column type (CSV and JSON keep every digit). */
export const SIGNIFICANT_DIGITS: Partial<Record<ColumnType, number>> = {number: 4, proportion: 4, percent: 4, p: 2};

/** x with `digits` significant digits, as plain ASCII a number parser reads back (no Unicode minus). */
export function roundForDisplay(x: number, digits: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

/** One cell as markdown text; null is "–" (the row's note or status column says why). */
export function formatCell(value: Cell | undefined, type: ColumnType): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return escapeMarkdown(String(value));
    if (type === "integer") return String(value);
    if (type === "p" && value !== 0 && value < 1e-4) return "<0.0001";
    return roundForDisplay(value, SIGNIFICANT_DIGITS[type] ?? 4);
  }
  return escapeMarkdown(String(value));
}

/** Columns whose cell is a run: shown linked to the run's W&B page when it has one. */
const RUN_ID_COLUMNS = new Set(["run_id", "baseline_run", "treatment_run"]);

function cellText(row: TableRow, key: string, type: ColumnType, runs: RunLinks | undefined): string {
  const value = row[key];
  if (runs !== undefined && typeof value === "string") {
    if (RUN_ID_COLUMNS.has(key)) return link(value, runs.get(value)?.url);
    if (key === "name" && typeof row.run_id === "string") return link(value, runs.get(row.run_id)?.url);
  }
  return formatCell(value, type);
}

const NUMERIC: ReadonlySet<ColumnType> = new Set(["integer", "number", "proportion", "percent", "p"]);

/** A GitHub-flavoured markdown table of a research table (all columns, rows in table order). */
export function markdownTable(table: ResearchTable, runs?: RunLinks): string {
  const head = `| ${table.columns.map((c) => escapeMarkdown(c.label)).join(" | ")} |`;
  const rule = `|${table.columns.map((c) => (NUMERIC.has(c.type) ? "---:" : "---")).join("|")}|`;
  const body = table.rows.map((row) => `| ${table.columns.map((c) => cellText(row, c.key, c.type, runs)).join(" | ")} |`);
  return [head, rule, ...body].join("\n");
}

/** Column definitions as a compact list (the ones with a description). */
export function columnLegend(table: ResearchTable): string {
  const described = table.columns.filter((c) => c.description);
  if (described.length === 0) return "";
  return described.map((c) => `*${escapeMarkdown(c.label)}*: ${escapeMarkdown(c.description!)}`).join("; ") + ".";
}

export function bulletList(lines: readonly string[]): string {
  return lines.map((line) => `- ${escapeMarkdown(line)}`).join("\n");
}
