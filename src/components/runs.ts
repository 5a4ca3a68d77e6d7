// Schema-aware helpers over the `runs` table: which config/summary keys exist in this workspace,
// and SQL expressions (quoted identifiers, never spliced text) that select them.
import {ArrowTypeId, structKeys, type ArrowFieldLike} from "./arrow-rows.js";
import {ident, SqlFragment} from "./sql-text.js";

/** A run attribute usable for colour / facet / grouping: a top-level column or a STRUCT field. */
export interface Dimension {
  id: string; // "state", "config.fp8_format"
  label: string;
  path: string[]; // ["state"], ["config", "fp8_format"]
}

/** Top-level run columns offered next to the config keys. */
const RUN_COLUMNS = ["state", "group", "job_type", "source", "project"];

/** Does the schema have this column / struct field path? */
export function hasPath(schema: readonly ArrowFieldLike[], path: readonly string[]): boolean {
  let fields: readonly ArrowFieldLike[] | undefined = schema;
  for (const part of path) {
    const field: ArrowFieldLike | undefined = fields?.find((f) => f.name === part);
    if (!field) return false;
    fields = field.type.children;
  }
  return true;
}

/** The first candidate path present in the schema, or null. */
export function firstPath(schema: readonly ArrowFieldLike[], candidates: readonly (readonly string[])[]): string[] | null {
  for (const c of candidates) if (hasPath(schema, c)) return [...c];
  return null;
}

/**
 * Scalar dimensions of the runs table: a few top-level columns, then every scalar config key
 * (lists/structs are left out: they cannot colour or facet a chart).
 */
export function runDimensions(schema: readonly ArrowFieldLike[]): Dimension[] {
  const dims: Dimension[] = [];
  for (const name of RUN_COLUMNS) {
    const field = schema.find((f) => f.name === name);
    if (field && field.type.typeId !== ArrowTypeId.Struct && field.type.typeId !== ArrowTypeId.List) {
      dims.push({id: name, label: name, path: [name]});
    }
  }
  const config = schema.find((f) => f.name === "config");
  for (const {name} of structKeys(config)) dims.push({id: `config.${name}`, label: `config.${name}`, path: ["config", name]});
  return dims;
}

/** SQL expression for a dimension on table alias `alias` (`"r"."config"."lr"`), or NULL. */
export function dimensionExpr(dim: Pick<Dimension, "path"> | null | undefined, alias?: string): SqlFragment {
  if (!dim) return new SqlFragment("NULL");
  return alias ? ident(alias, ...dim.path) : ident(...dim.path);
}

/** Where the Overview finds each run attribute in this workspace (first present wins). */
export const OVERVIEW_FIELDS = {
  format: [["config", "fp8_format"], ["config", "format"], ["group"]],
  optimizer: [["config", "optimizer"], ["config", "optim"]],
  lr: [["config", "lr"], ["config", "learning_rate"]],
  seed: [["config", "seed"]],
  failure_reason: [["summary", "failure_reason"]]
} as const;

export type OverviewField = keyof typeof OVERVIEW_FIELDS;

/** Resolved paths of the Overview fields (null where the workspace has none). */
export function overviewPaths(schema: readonly ArrowFieldLike[]): Record<OverviewField, string[] | null> {
  const out = {} as Record<OverviewField, string[] | null>;
  for (const key of Object.keys(OVERVIEW_FIELDS) as OverviewField[]) out[key] = firstPath(schema, OVERVIEW_FIELDS[key]);
  return out;
}

/** `path` as readable text: ["config", "lr"] → "config.lr". */
export function pathLabel(path: readonly string[] | null): string {
  return path ? path.join(".") : "—";
}
