import {parsePythonJson} from "../json/python-json.js";
import {flattenObject, isPlainObject} from "./flatten.js";
import type {FieldValue} from "./run-record.js";

/** W&B keys that describe the SDK, not the experiment. */
const INTERNAL_KEYS = new Set(["_wandb", "wandb_version"]);

/** Parse a W&B JSONString field (config, summaryMetrics); an object already parsed is taken as is. */
export function parseJsonString(raw: unknown, what: string): Record<string, unknown> {
  if (raw === null || raw === undefined || raw === "") return {};
  const parsed = typeof raw === "string" ? parsePythonJson(raw) : raw;
  if (!isPlainObject(parsed)) throw new Error(`${what} is not a JSON object`);
  return parsed;
}

/** Config: top-level values are wrapped `{value, desc}`; nested dicts inside `value` become dotted keys. */
export function decodeConfig(raw: unknown): Record<string, FieldValue> {
  const wrapped = parseJsonString(raw, "config");
  const unwrapped: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(wrapped)) {
    if (INTERNAL_KEYS.has(key)) continue;
    unwrapped[key] = isPlainObject(entry) && "value" in entry ? entry.value : entry;
  }
  const config: Record<string, FieldValue> = {};
  flattenObject(unwrapped, (key, value) => {
    config[key] = value as FieldValue;
  });
  return config;
}

/** Summary: nested dicts become dotted keys; `_wandb` bookkeeping is dropped. */
export function decodeSummary(raw: unknown): Record<string, FieldValue> {
  const parsed = parseJsonString(raw, "summaryMetrics");
  const summary: Record<string, FieldValue> = {};
  for (const key of INTERNAL_KEYS) delete parsed[key];
  flattenObject(parsed, (key, value) => {
    summary[key] = value as FieldValue;
  });
  return summary;
}

/** Numbers as W&B's backend may spell them in JSON strings. */
const NUMERIC_STRINGS: Record<string, number> = {NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity};

/** A history value as a double, or undefined when it is not numeric (media, text, lists). */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value in NUMERIC_STRINGS) return NUMERIC_STRINGS[value];
  return undefined;
}
