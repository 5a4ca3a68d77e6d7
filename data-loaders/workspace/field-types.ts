import type {FieldValue} from "../model/run-record.js";

/**
 * One column type per config/summary key across all runs, chosen deterministically from the values seen:
 * BOOLEAN if every non-null value is a boolean, BIGINT if every one is a safe integer, DOUBLE if every one
 * is a number, DOUBLE[] if every one is a list of numbers, VARCHAR otherwise (non-strings as JSON text).
 */
export type FieldType = "BOOLEAN" | "BIGINT" | "DOUBLE" | "DOUBLE[]" | "VARCHAR";

type Kind = "null" | "bool" | "int" | "double" | "numlist" | "text";

function kindOf(value: FieldValue | undefined): Kind {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isSafeInteger(value) ? "int" : "double";
  if (Array.isArray(value) && value.every((item) => typeof item === "number")) return "numlist";
  return "text";
}

export function unifyFieldType(values: Iterable<FieldValue | undefined>): FieldType {
  const kinds = new Set<Kind>();
  for (const value of values) kinds.add(kindOf(value));
  kinds.delete("null");
  if (kinds.size === 0) return "VARCHAR";
  if (kinds.size === 1) {
    const [only] = kinds;
    return ({bool: "BOOLEAN", int: "BIGINT", double: "DOUBLE", numlist: "DOUBLE[]", text: "VARCHAR"} as const)[only as Exclude<Kind, "null">];
  }
  if (kinds.size === 2 && kinds.has("int") && kinds.has("double")) return "DOUBLE";
  return "VARCHAR";
}

/** JSON text for a value stored in a VARCHAR field; NaN/±Infinity spelled as W&B spells them. */
export function textOf(value: FieldValue): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_key, item) =>
    typeof item === "number" && !Number.isFinite(item) ? String(item) : item
  );
}

/**
 * Struct field names for keys. DuckDB struct field names are case-insensitive, so keys that differ only by
 * case (`LR`, `lr`) get a deterministic suffix in sorted order: `lr`, `LR~2`.
 */
export function structFieldNames(keys: string[]): Map<string, string> {
  const names = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const key of [...keys].sort()) {
    const folded = key.toLowerCase();
    const count = (seen.get(folded) ?? 0) + 1;
    seen.set(folded, count);
    names.set(key, count === 1 ? key : `${key}~${count}`);
  }
  return names;
}
