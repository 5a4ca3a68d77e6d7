// Pure helpers that turn a `sql` tagged template into SQL text + bound parameters.
// No DOM, no DuckDB: imported by the browser component (db.js) and by the unit tests.
//
// Rules (values in a template are untrusted: run names, tags, config values):
// - a plain value `${v}` becomes a `?` placeholder and `v` a bound parameter; it is never spliced;
// - an array `${[a, b]}` becomes `?, ?` (write `IN (${list})`); an empty array becomes `NULL`,
//   so `x IN (NULL)` matches nothing, which is what filtering by an empty list means;
// - an identifier must be wrapped: `${ident("config", key)}` → `"config"."key"` with `"` doubled;
// - a fragment built by `sqlFragment` / `ident` / `joinSql` nests with its own parameters.

export type SqlParam = string | number | boolean | null;

/** A piece of SQL text with its own bound parameters (already compiled, safe to splice). */
export class SqlFragment {
  readonly text: string;
  readonly params: readonly SqlParam[];
  constructor(text: string, params: readonly SqlParam[] = []) {
    this.text = text;
    this.params = params;
  }
}

/** Quote an SQL identifier: always double-quoted, embedded `"` doubled; NUL is rejected. */
export function quoteIdent(name: string): string {
  if (typeof name !== "string" || name.length === 0) throw new TypeError(`invalid SQL identifier: ${String(name)}`);
  if (name.includes("\u0000")) throw new TypeError("SQL identifier contains a NUL character");
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quote a value as an SQL literal, for the rare places where a parameter cannot be bound.
 * Strings: single-quoted with `'` doubled; numbers: finite ones as-is, NaN/±Inf as DOUBLE casts.
 */
export function quoteLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (Number.isFinite(value)) return String(value);
    return Number.isNaN(value) ? "'NaN'::DOUBLE" : value > 0 ? "'Infinity'::DOUBLE" : "'-Infinity'::DOUBLE";
  }
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace("T", " ").replace("Z", "")}'`;
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw new TypeError("SQL string literal contains a NUL character");
    return `'${value.replaceAll("'", "''")}'`;
  }
  throw new TypeError(`cannot quote a ${typeof value} as an SQL literal`);
}

/** `"a"."b"…`: a (possibly qualified) identifier, each part quoted. */
export function ident(...parts: string[]): SqlFragment {
  if (parts.length === 0) throw new TypeError("ident() needs at least one name");
  return new SqlFragment(parts.map(quoteIdent).join("."));
}

/** Join fragments with a separator (e.g. `, ` for a select list, ` AND ` for conditions). */
export function joinSql(fragments: readonly SqlFragment[], separator = ", "): SqlFragment {
  return new SqlFragment(
    fragments.map((f) => f.text).join(separator),
    fragments.flatMap((f) => f.params)
  );
}

/** Normalize one JS value into a parameter DuckDB can bind. */
export function toParam(value: unknown): SqlParam {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return value;
    case "bigint":
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return value.toString();
      return Number(value);
  }
  if (value instanceof Date) return value.toISOString();
  throw new TypeError(`cannot bind a ${Object.prototype.toString.call(value)} as an SQL parameter`);
}

/** Compile a tagged template (strings + values) into one fragment. */
export function compileSql(strings: readonly string[], values: readonly unknown[]): SqlFragment {
  let text = strings[0] ?? "";
  const params: SqlParam[] = [];
  for (let i = 0; i < values.length; ++i) {
    const value = values[i];
    if (value instanceof SqlFragment) {
      text += value.text;
      params.push(...value.params);
    } else if (Array.isArray(value)) {
      if (value.length === 0) text += "NULL";
      else {
        text += value.map(() => "?").join(", ");
        for (const v of value) params.push(toParam(v));
      }
    } else {
      text += "?";
      params.push(toParam(value));
    }
    text += strings[i + 1] ?? "";
  }
  return new SqlFragment(text, params);
}

/** Tagged template that builds a fragment (for composing queries); it does not run anything. */
export function sqlFragment(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  return compileSql(strings, values);
}

/**
 * Which of the known table names does the SQL text mention (as a whole word, outside string
 * literals)? Used to load tables lazily before a query runs. Over-matching only loads a table
 * that was not needed; quoted identifiers ("runs") are matched too.
 */
export function referencedTables(text: string, known: readonly string[]): string[] {
  const stripped = text.replace(/'(?:[^']|'')*'/g, "''"); // drop string literals
  const lower = stripped.toLowerCase();
  return known.filter((name) => {
    const re = new RegExp(`(^|[^A-Za-z0-9_$])"?${escapeRegExp(name.toLowerCase())}"?($|[^A-Za-z0-9_$])`);
    return re.test(lower);
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
