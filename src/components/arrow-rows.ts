// Convert an Apache Arrow table (as returned by duckdb-wasm) into plain JS rows that Plot, Inputs
// and arquero understand: BigInt → number, timestamps/dates → Date, lists → arrays, structs → objects.
// Duck-typed on purpose: duckdb-wasm bundles its own apache-arrow version, so `instanceof` and the
// Type enum of another arrow copy must not be relied on. Only the numeric type ids (stable in the
// Arrow spec / arrow-js `Type` enum) are used.

/** arrow-js `Type` ids (stable across arrow-js versions). */
const T = {
  Null: 1,
  Int: 2,
  Float: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  Interval: 11,
  List: 12,
  Struct: 13,
  Union: 14,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Map: 17,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20
} as const;

export interface ArrowFieldLike {
  name: string;
  type: ArrowTypeLike;
  nullable?: boolean;
}
export interface ArrowTypeLike {
  typeId: number;
  unit?: number; // Timestamp/Time/Date unit
  scale?: number; // Decimal
  children?: ArrowFieldLike[];
  toString(): string;
}
export interface ArrowVectorLike {
  length: number;
  get(index: number): unknown;
}
export interface ArrowTableLike {
  numRows: number;
  schema: {fields: ArrowFieldLike[]};
  getChildAt(index: number): ArrowVectorLike | null;
}

export type Row = Record<string, unknown>;
/** Rows plus the column names in order (like d3-dsv's `columns`), and the arrow schema. */
export type Rows = Row[] & {columns: string[]; schema: ArrowFieldLike[]};

// Arrow TimeUnit: SECOND=0, MILLISECOND=1, MICROSECOND=2, NANOSECOND=3; DateUnit: DAY=0, MILLISECOND=1.
function timestampToDate(v: unknown, unit: number | undefined): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === "bigint") {
    const div = unit === 0 ? 1n : unit === 1 ? 1n : unit === 2 ? 1000n : unit === 3 ? 1000000n : 1n;
    const ms = unit === 0 ? v * 1000n : v / div;
    return new Date(Number(ms));
  }
  // arrow-js returns timestamps already converted to epoch milliseconds as numbers.
  if (typeof v === "number") return new Date(v);
  return null;
}

function bigToNumber(v: bigint): number {
  return Number(v); // beyond 2^53 this rounds; SQL should CAST to VARCHAR where exactness matters
}

/** Build a converter for one arrow type. */
export function converterFor(type: ArrowTypeLike): (v: unknown) => unknown {
  switch (type.typeId) {
    case T.Int:
    case T.Float:
      return (v) => (typeof v === "bigint" ? bigToNumber(v) : v === null || v === undefined ? null : typeof v === "number" ? v : Number(v as never));
    case T.Decimal: {
      // arrow-js yields the unscaled integer (a BN/Uint32Array that converts with Number()).
      const factor = 10 ** (type.scale ?? 0);
      return (v) => {
        if (v === null || v === undefined) return null;
        const unscaled = typeof v === "bigint" ? bigToNumber(v) : Number(v as never);
        return factor === 1 ? unscaled : unscaled / factor;
      };
    }
    case T.Timestamp:
      return (v) => timestampToDate(v, type.unit);
    case T.Date:
      return (v) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(Number(v)));
    case T.Utf8:
    case T.LargeUtf8:
    case T.Bool:
      return (v) => (v === undefined ? null : v);
    case T.List:
    case T.FixedSizeList: {
      const child = type.children?.[0];
      const convert = child ? converterFor(child.type) : (x: unknown) => x;
      return (v) => {
        if (v === null || v === undefined) return null;
        const out: unknown[] = [];
        for (const x of v as Iterable<unknown>) out.push(convert(x));
        return out;
      };
    }
    case T.Struct: {
      const fields = (type.children ?? []).map((f) => ({name: f.name, convert: converterFor(f.type)}));
      return (v) => {
        if (v === null || v === undefined) return null;
        const src = v as Record<string, unknown> & {toJSON?: () => Record<string, unknown>};
        const obj: Record<string, unknown> = {};
        for (const {name, convert} of fields) obj[name] = convert(src[name]);
        return obj;
      };
    }
    default:
      return (v) => (typeof v === "bigint" ? bigToNumber(v) : v === undefined ? null : v);
  }
}

/** Convert an arrow table to an array of plain row objects (column-wise, one converter per column). */
export function arrowToRows(table: ArrowTableLike): Rows {
  const fields = table.schema.fields;
  const n = table.numRows;
  const rows = new Array<Row>(n);
  for (let i = 0; i < n; ++i) rows[i] = {};
  fields.forEach((field, c) => {
    const vector = table.getChildAt(c);
    const convert = converterFor(field.type);
    for (let i = 0; i < n; ++i) rows[i]![field.name] = vector ? convert(vector.get(i)) : null;
  });
  const result = rows as Rows;
  result.columns = fields.map((f) => f.name);
  result.schema = fields;
  return result;
}

/** Names of the scalar (non-nested) children of a STRUCT field, e.g. the keys of `runs.config`. */
export function structKeys(field: ArrowFieldLike | undefined, {scalarOnly = true} = {}): {name: string; typeId: number}[] {
  if (!field || field.type.typeId !== T.Struct) return [];
  return (field.type.children ?? [])
    .filter((c) => !scalarOnly || ![T.List, T.FixedSizeList, T.Struct, T.Map, T.Union].includes(c.type.typeId as never))
    .map((c) => ({name: c.name, typeId: c.type.typeId}));
}

export const ArrowTypeId = T;
