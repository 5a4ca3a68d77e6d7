/**
 * Analysis results ↔ `.npz` arrays, so that an artifact written by `runlens analyze` is opened by numpy
 * (`np.load(path)["fractions"]`) as readily as by the loaders here.
 *
 * One `.npy` member per result field:
 *   number               → 0-d float64 (int32 when it is an integer that fits), boolean → 0-d bool
 *   typed array          → same dtype (Float64Array <f8, Float32Array <f4, Int32Array <i4, …), with the
 *                          field's real shape where known (e.g. fractions [d_mlp, K], values [k, p, p])
 *   number[]             → int32 when all are int32 integers, float64 otherwise
 *   array of flat objects → one member per object field, `<field>.<key>` (e.g. clusters.size)
 *   string / other       → UTF-8 bytes of its JSON text as uint8, `<field>.json`
 *                          (numpy: `json.loads(bytes(z["componentNames.json"]))`)
 * Decoding reverses this; plain-number-array fields known to be `number[]` come back as arrays.
 */
import type {NpyArray} from "../npz.js";
import type {NpyInput} from "../npz-write.js";

type Shape = (result: Record<string, unknown>) => number[];

/** Real shapes of multi-dimensional fields of the built-in analyses (flat arrays otherwise). */
const SHAPES: Record<string, Record<string, Shape>> = {
  "neuron-frequencies": {fractions: (r) => [r.dMlp as number, r.nFreqs as number]},
  "neuron-activations": {values: (r) => [(r.neurons as Int32Array).length, r.p as number, r.p as number]}
};

/** Fields that are plain `number[]` in the result types (decoded back to arrays, not typed arrays). */
const PLAIN_ARRAYS = new Set(["keyFrequencies"]);

const isInt32 = (v: number) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

function isFlatObjectArray(value: unknown[]): value is Record<string, number>[] {
  return value.length > 0 && value.every((item) => item !== null && typeof item === "object" && !Array.isArray(item) && Object.values(item).every((v) => typeof v === "number"));
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** The npz members for one analysis result. */
export function encodeResult(analysis: string, result: unknown): [string, NpyInput][] {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return [["result.json", {data: jsonBytes(result)}]];
  const record = result as Record<string, unknown>;
  const out: [string, NpyInput][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (typeof value === "number") out.push([key, isInt32(value) ? {data: Int32Array.of(value), shape: []} : {data: Float64Array.of(value), shape: []}]);
    else if (typeof value === "boolean") out.push([key, {data: Uint8Array.of(value ? 1 : 0), shape: [], bool: true}]);
    else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const shape = SHAPES[analysis]?.[key]?.(record) ?? [(value as Float64Array).length];
      out.push([key, {data: value as NpyInput["data"], shape}]);
    } else if (Array.isArray(value) && value.every((v) => typeof v === "number")) {
      out.push([key, {data: value.every(isInt32) ? Int32Array.from(value) : Float64Array.from(value)}]);
    } else if (Array.isArray(value) && isFlatObjectArray(value)) {
      const keys = Object.keys(value[0]);
      for (const sub of keys) {
        const column = value.map((item) => item[sub]);
        out.push([`${key}.${sub}`, {data: column.every(isInt32) ? Int32Array.from(column) : Float64Array.from(column)}]);
      }
    } else out.push([`${key}.json`, {data: jsonBytes(value)}]);
  }
  return out;
}

function scalar(array: NpyArray): number | boolean {
  const v = array.data[0];
  if (array.dtype === "bool") return v === 1;
  return typeof v === "bigint" ? Number(v) : (v as number);
}

/** The result object back from an artifact's arrays (multi-dimensional arrays stay flat, C order). */
export function decodeResult(arrays: Map<string, NpyArray>): Record<string, unknown> {
  if (arrays.size === 1 && arrays.has("result.json")) return JSON.parse(new TextDecoder().decode(arrays.get("result.json")!.data as Uint8Array));
  const out: Record<string, unknown> = {};
  const columns = new Map<string, Map<string, ArrayLike<number>>>();
  for (const [name, array] of arrays) {
    if (name.endsWith(".json")) {
      out[name.slice(0, -5)] = JSON.parse(new TextDecoder().decode(array.data as Uint8Array));
    } else if (name.includes(".")) {
      const [field, sub] = [name.slice(0, name.indexOf(".")), name.slice(name.indexOf(".") + 1)];
      if (!columns.has(field)) columns.set(field, new Map());
      columns.get(field)!.set(sub, array.data as ArrayLike<number>);
    } else if (array.shape.length === 0) out[name] = scalar(array);
    else if (PLAIN_ARRAYS.has(name)) out[name] = Array.from(array.data as ArrayLike<number>, Number);
    else out[name] = array.data;
  }
  for (const [field, subs] of columns) {
    const length = [...subs.values()][0]?.length ?? 0;
    out[field] = Array.from({length}, (_, i) => Object.fromEntries([...subs].map(([sub, values]) => [sub, Number(values[i])])));
  }
  return out;
}
