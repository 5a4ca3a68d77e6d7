// A research table as CSV (RFC 4180) and as JSON. Both hold the values at full precision; the
// markdown shows them rounded.
import type {Cell, ResearchTable} from "@runlens/analyses/research/index";

/**
 * One CSV field (RFC 4180 §2): quoted when it holds a comma, a double quote, CR or LF (or starts or
 * ends with a space, which some readers trim), with inner quotes doubled. null is the empty field;
 * numbers are written in JavaScript's shortest round-trip form; booleans as true/false.
 */
export function csvField(value: Cell | undefined): string {
  if (value === null || value === undefined) return "";
  const s = typeof value === "string" ? value : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The table as CSV: a header of the columns' stable keys, one record per row, CRLF line breaks. */
export function tableToCsv(table: ResearchTable): string {
  const keys = table.columns.map((c) => c.key);
  const lines = [keys.map(csvField).join(",")];
  for (const row of table.rows) lines.push(keys.map((k) => csvField(row[k])).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** The table as JSON: id, title, description, columns (key, label, type, description) and rows. */
export function tableToJson(table: ResearchTable): string {
  return JSON.stringify({id: table.id, title: table.title, description: table.description, columns: table.columns, rows: table.rows}, null, 1) + "\n";
}
