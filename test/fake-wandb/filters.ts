/**
 * The MongoDB-style run filter and order of W&B's `Runs` query, evaluated the way a fake server can:
 * operators $and $or $nor $not $eq $ne $gt $gte $lt $lte $in $nin $exists $regex; bare value = equality;
 * array fields (tags) match when any element matches; `config.<key>` with or without `.value`;
 * `summary_metrics.<key>` / `summaryMetrics.<key>`; camelCase and snake_case top-level names.
 */

export class FilterError extends Error {}

export interface FilterableRun {
  node: Record<string, unknown>;
  /** Parsed config as stored (wrapped: {key: {value, desc}}). */
  config(): Record<string, unknown>;
  summary(): Record<string, unknown>;
}

const DATE_FIELDS = new Set(["createdAt", "heartbeatAt", "updatedAt"]);

const TOP_LEVEL: Record<string, string> = {
  name: "name",
  id: "name",
  displayName: "displayName",
  display_name: "displayName",
  state: "state",
  group: "group",
  tags: "tags",
  jobType: "jobType",
  job_type: "jobType",
  host: "host",
  sweep: "sweepName",
  sweepName: "sweepName",
  notes: "notes",
  commit: "commit",
  description: "description",
  createdAt: "createdAt",
  created_at: "createdAt",
  heartbeatAt: "heartbeatAt",
  heartbeat_at: "heartbeatAt",
  updatedAt: "heartbeatAt",
  updated_at: "heartbeatAt"
};

type Lookup = {found: boolean; value: unknown; date?: boolean};
const MISSING: Lookup = {found: false, value: undefined};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Walk `parts` into `object`; at each level the longest dotted prefix that is a key wins (keys may contain dots). */
export function lookupPath(object: unknown, parts: string[]): Lookup {
  if (parts.length === 0) return {found: true, value: object};
  if (!isObject(object)) return MISSING;
  for (let take = parts.length; take >= 1; take--) {
    const key = parts.slice(0, take).join(".");
    if (Object.prototype.hasOwnProperty.call(object, key)) {
      const inner = lookupPath(object[key], parts.slice(take));
      if (inner.found) return inner;
    }
  }
  return MISSING;
}

function timeOf(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : time;
}

export function resolveField(run: FilterableRun, path: string): Lookup {
  const parts = path.split(".");
  const head = parts[0];
  if (head === "config") {
    const rest = parts.slice(1);
    if (rest.length === 0) return MISSING;
    const wrapped = run.config();
    if (rest[1] === "value") return lookupPath(wrapped, rest);
    // Without `.value`: the unwrapped value of the top-level key, then the rest of the path inside it.
    for (let take = rest.length; take >= 1; take--) {
      const key = rest.slice(0, take).join(".");
      const entry = wrapped[key];
      if (entry === undefined) continue;
      const value = isObject(entry) && "value" in entry ? entry.value : entry;
      const inner = lookupPath(value, rest.slice(take));
      if (inner.found) return inner;
    }
    return MISSING;
  }
  if (head === "summary_metrics" || head === "summaryMetrics" || head === "summary") {
    return lookupPath(run.summary(), parts.slice(1));
  }
  if (head === "username" || path === "user.username") {
    const user = run.node.user;
    return {found: true, value: isObject(user) ? (user.username ?? null) : null};
  }
  if (head === "duration") {
    const summary = run.summary();
    const runtime = lookupPath(summary, ["_wandb", "runtime"]).value ?? summary._runtime;
    if (typeof runtime === "number") return {found: true, value: runtime};
    const created = timeOf(run.node.createdAt);
    const heartbeat = timeOf(run.node.heartbeatAt);
    return created !== null && heartbeat !== null ? {found: true, value: (heartbeat - created) / 1000} : MISSING;
  }
  const field = TOP_LEVEL[path];
  if (!field) return MISSING;
  const value = run.node[field];
  return {found: value !== undefined, value: value ?? null, date: DATE_FIELDS.has(field)};
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(a: unknown, b: unknown, date: boolean | undefined): number | null {
  if (date) {
    const x = timeOf(a);
    const y = timeOf(b);
    return x === null || y === null ? null : x - y;
  }
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return null;
}

function equalsValue(field: Lookup, target: unknown): boolean {
  const value = field.found ? field.value : null;
  if (target === null) return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  if (field.date && typeof target === "string") return compare(value, target, true) === 0;
  if (deepEqual(value, target)) return true;
  return Array.isArray(value) && value.some((element) => deepEqual(element, target));
}

/** Any element (for arrays) or the value itself satisfies `test`. */
function anyOf(field: Lookup, test: (value: unknown) => boolean): boolean {
  if (!field.found) return false;
  if (Array.isArray(field.value)) return field.value.some(test) || test(field.value);
  return test(field.value);
}

function evalOperators(field: Lookup, operators: Record<string, unknown>): boolean {
  for (const [op, arg] of Object.entries(operators)) {
    let ok: boolean;
    switch (op) {
      case "$eq":
        ok = equalsValue(field, arg);
        break;
      case "$ne":
        ok = !equalsValue(field, arg);
        break;
      case "$gt":
      case "$gte":
      case "$lt":
      case "$lte":
        ok = anyOf(field, (value) => {
          const c = compare(value, arg, field.date);
          if (c === null || Number.isNaN(c)) return false;
          return op === "$gt" ? c > 0 : op === "$gte" ? c >= 0 : op === "$lt" ? c < 0 : c <= 0;
        });
        break;
      case "$in":
      case "$nin": {
        if (!Array.isArray(arg)) throw new FilterError(`${op} needs a list`);
        const hit = arg.some((target) => equalsValue(field, target));
        ok = op === "$in" ? hit : !hit;
        break;
      }
      case "$exists":
        ok = Boolean(arg) === (field.found && field.value !== undefined);
        break;
      case "$regex": {
        if (typeof arg !== "string") throw new FilterError("$regex needs a string");
        let pattern: RegExp;
        try {
          pattern = new RegExp(arg, typeof operators.$options === "string" ? operators.$options : "");
        } catch (error) {
          throw new FilterError(`invalid $regex ${JSON.stringify(arg)}: ${(error as Error).message}`);
        }
        ok = anyOf(field, (value) => typeof value === "string" && pattern.test(value));
        break;
      }
      case "$options":
        ok = true;
        break;
      case "$not":
        if (!isObject(arg)) throw new FilterError("$not needs an operator object");
        ok = !evalOperators(field, arg);
        break;
      default:
        throw new FilterError(`unknown operator ${op}`);
    }
    if (!ok) return false;
  }
  return true;
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith("$"));
}

export function matchFilter(run: FilterableRun, filter: unknown): boolean {
  if (filter === null || filter === undefined) return true;
  if (!isObject(filter)) throw new FilterError("a filter must be a JSON object");
  for (const [key, condition] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(condition)) throw new FilterError(`${key} needs a list`);
      const results = condition.map((sub) => matchFilter(run, sub));
      const ok = key === "$and" ? results.every(Boolean) : key === "$or" ? results.some(Boolean) : !results.some(Boolean);
      if (!ok) return false;
      continue;
    }
    if (key.startsWith("$")) throw new FilterError(`unknown top-level operator ${key}`);
    const field = resolveField(run, key);
    const ok = isOperatorObject(condition) ? evalOperators(field, condition) : equalsValue(field, condition);
    if (!ok) return false;
  }
  return true;
}

/** Sort key of `order` ("+created_at", "-config.lr.value", "summary_metrics.loss", ...). */
export function orderRuns<T extends FilterableRun>(runs: T[], order: string | null | undefined): T[] {
  const text = (order ?? "+created_at").trim() || "+created_at";
  const descending = text.startsWith("-");
  const key = text.replace(/^[+-]/, "");
  const decorated = runs.map((run, index) => ({run, index, field: resolveField(run, key)}));
  const rank = (value: unknown) => (value === null || value === undefined ? 0 : 1);
  decorated.sort((a, b) => {
    const av = a.field.found ? a.field.value : null;
    const bv = b.field.found ? b.field.value : null;
    let c = rank(av) - rank(bv);
    if (c === 0 && rank(av) === 1) c = compare(av, bv, a.field.date) ?? String(av).localeCompare(String(bv));
    if (descending) c = -c;
    return c !== 0 ? c : a.index - b.index;
  });
  return decorated.map((entry) => entry.run);
}
