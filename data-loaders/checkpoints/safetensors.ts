/**
 * safetensors reader (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON (may be space-padded), then the data section. The header maps
 * tensor names to {dtype, shape, data_offsets: [begin, end)} (offsets relative to the data section)
 * plus an optional "__metadata__" object of string → string.
 *
 * Validated as strictly as the reference implementation: sane header length, JSON object header,
 * string-only metadata, known dtype, non-negative integer shape, offsets inside the data section,
 * byte length = product(shape) × dtype size, and the tensors tile the data section exactly (no
 * overlap, no gap, no trailing bytes). Every failure is a `SafetensorsError` naming the file, the
 * tensor (null for file-level problems) and the reason.
 *
 * Decoding: F32, F16, BF16, F8_E4M3, F8_E5M2 → Float32Array (exact); F64 → Float32Array (rounded)
 * unless `{f64: "float64"}` asks for a Float64Array. Integer and bool dtypes are recognised and
 * rejected as unsupported (checkpoints here hold float weights only).
 */
import {readFileSync} from "node:fs";
import {SafetensorsError} from "./errors.js";
import {HOST_LITTLE_ENDIAN, decodeBF16, decodeF16, decodeF32, decodeF64, decodeF8} from "./float-bits.js";

/** Reference implementation's limit (safetensors `MAX_HEADER_SIZE`). */
export const MAX_HEADER_BYTES = 100_000_000;

export const FLOAT_DTYPE_SIZES = {F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1} as const;
export type SafetensorsDtype = keyof typeof FLOAT_DTYPE_SIZES;

/** dtypes the format defines that this reader does not decode to floats. */
const KNOWN_UNSUPPORTED = new Set(["BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"]);

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range in the data section, [begin, end). */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  file: string;
  /** `__metadata__` (empty object when absent). */
  metadata: Record<string, string>;
  /** Tensors in header order. */
  entries: TensorEntry[];
  /** Absolute byte offset of the data section (8 + N). */
  dataStart: number;
}

export interface Tensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafetensorsFile {
  file: string;
  metadata: Record<string, string>;
  /** In header order. */
  tensors: Map<string, Tensor>;
}

export interface ReadOptions {
  /** F64 tensors: round to Float32Array (default) or keep a Float64Array. */
  f64?: "float32" | "float64";
  /** Decode only these tensors (all others are still validated). */
  only?: Iterable<string>;
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Parse and validate the header (no tensor data is decoded). */
export function parseSafetensorsHeader(bytes: Uint8Array, file = "<memory>"): SafetensorsHeader {
  const fail = (reason: string, tensor: string | null = null): never => {
    throw new SafetensorsError(file, tensor, reason);
  };
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} exceeds the maximum of ${MAX_HEADER_BYTES} bytes`);
  const n = Number(n64);
  if (n > bytes.byteLength - 8) fail(`header length ${n} exceeds the ${bytes.byteLength - 8} bytes after the length field (truncated file or bad length)`);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", {fatal: true}).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail("header is not valid UTF-8");
  }
  if (text[0] !== "{") fail(`header does not start with "{" (starts with ${JSON.stringify(text.slice(0, 16))})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    return fail(`header is not valid JSON: ${(error as Error).message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) return fail("header is not a JSON object");

  const dataStart = 8 + n;
  const dataSize = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (info === null || typeof info !== "object" || Array.isArray(info)) fail("__metadata__ is not an object", name);
      for (const [key, value] of Object.entries(info as Record<string, unknown>)) {
        if (typeof value !== "string") fail(`__metadata__["${key}"] is ${JSON.stringify(value)}, not a string`, name);
        metadata[key] = value as string;
      }
      continue;
    }
    if (info === null || typeof info !== "object" || Array.isArray(info)) fail("entry is not an object", name);
    const {dtype, shape, data_offsets: offsets} = info as {dtype?: unknown; shape?: unknown; data_offsets?: unknown};
    if (typeof dtype !== "string") fail(`dtype is ${JSON.stringify(dtype)}, not a string`, name);
    if (!Object.hasOwn(FLOAT_DTYPE_SIZES, dtype as string)) {
      fail(KNOWN_UNSUPPORTED.has(dtype as string) ? `dtype ${dtype} is not supported (float dtypes only: ${Object.keys(FLOAT_DTYPE_SIZES).join(", ")})` : `unknown dtype ${JSON.stringify(dtype)}`, name);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`shape ${JSON.stringify(shape)} is not an array of non-negative integers`, name);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) fail(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`, name);
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`, name);
    if (end > dataSize) fail(`data_offsets [${begin}, ${end}] reach past the end of the data section (${dataSize} bytes; truncated file?)`, name);
    let numel = 1;
    for (const d of shape as number[]) numel *= d;
    const expected = numel * FLOAT_DTYPE_SIZES[dtype as SafetensorsDtype];
    if (!Number.isSafeInteger(expected)) fail(`shape ${JSON.stringify(shape)} is too large`, name);
    if (end - begin !== expected) fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${expected}`, name);
    entries.push({name, dtype: dtype as SafetensorsDtype, shape: (shape as number[]).slice(), dataOffsets: [begin, end]});
  }

  // The tensors must tile the data section: sorted by offset, each begins where the previous ended.
  const sorted = entries.slice().sort((x, y) => x.dataOffsets[0] - y.dataOffsets[0] || x.dataOffsets[1] - y.dataOffsets[1]);
  let position = 0;
  let previous: TensorEntry | undefined;
  for (const entry of sorted) {
    const [begin, end] = entry.dataOffsets;
    if (begin < position) fail(`data_offsets [${begin}, ${end}] overlap tensor "${previous!.name}" [${previous!.dataOffsets[0]}, ${previous!.dataOffsets[1]}]`, entry.name);
    if (begin > position) fail(`data_offsets [${begin}, ${end}] leave a gap of ${begin - position} unreferenced bytes before this tensor (the data section must be contiguous)`, entry.name);
    position = end;
    previous = entry;
  }
  if (position !== dataSize) fail(`data section is ${dataSize} bytes but the tensors cover ${position} (${dataSize - position} trailing bytes)`);
  return {file, metadata, entries, dataStart};
}

/** Parse a whole safetensors file held in memory and decode its tensors. */
export function parseSafetensors(bytes: Uint8Array, file = "<memory>", options: ReadOptions = {}): SafetensorsFile {
  const header = parseSafetensorsHeader(bytes, file);
  const only = options.only === undefined ? undefined : new Set(options.only);
  if (only !== undefined) {
    for (const name of only) if (!header.entries.some((e) => e.name === name)) throw new SafetensorsError(file, name, "no such tensor in the file");
  }
  const tensors = new Map<string, Tensor>();
  for (const entry of header.entries) {
    if (only !== undefined && !only.has(entry.name)) continue;
    const offset = header.dataStart + entry.dataOffsets[0];
    const count = entry.shape.reduce((a, b) => a * b, 1);
    tensors.set(entry.name, {name: entry.name, dtype: entry.dtype, shape: entry.shape, data: decode(bytes, offset, count, entry.dtype, options.f64 ?? "float32")});
  }
  return {file, metadata: header.metadata, tensors};
}

function decode(bytes: Uint8Array, offset: number, count: number, dtype: SafetensorsDtype, f64: "float32" | "float64"): Float32Array | Float64Array {
  switch (dtype) {
    case "F32":
      return decodeF32(bytes, offset, count, true);
    case "F16":
      return decodeF16(bytes, offset, count, true);
    case "BF16":
      return decodeBF16(bytes, offset, count);
    case "F8_E4M3":
      return decodeF8(bytes, offset, count, "e4m3");
    case "F8_E5M2":
      return decodeF8(bytes, offset, count, "e5m2");
    case "F64": {
      const values = decodeF64(bytes, offset, count, true);
      return f64 === "float64" ? values : Float32Array.from(values);
    }
  }
}

/** Read and decode a `.safetensors` file. */
export function readSafetensors(path: string, options: ReadOptions = {}): SafetensorsFile {
  return parseSafetensors(readFileSync(path), path, options);
}

/**
 * Encode tensors as safetensors bytes (header space-padded to an 8-byte boundary, tensors in the
 * given order). F32 and F64 only: for tests, benchmarks and small exports.
 */
export function encodeSafetensors(tensors: {name: string; shape: number[]; data: Float32Array | Float64Array}[], metadata?: Record<string, string>): Uint8Array {
  if (!HOST_LITTLE_ENDIAN) throw new Error("encodeSafetensors needs a little-endian host");
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) throw new Error(`${t.name}: shape ${JSON.stringify(t.shape)} does not match ${t.data.length} values`);
    header[t.name] = {dtype: t.data instanceof Float64Array ? "F64" : "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength]};
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let position = 8 + head.byteLength;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), position);
    position += t.data.byteLength;
  }
  return out;
}
