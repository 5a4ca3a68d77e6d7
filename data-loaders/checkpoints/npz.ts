/**
 * `.npz` / `.npy` reader (numpy's `np.savez`, `np.savez_compressed`, `np.save`).
 *
 * npz = a zip archive of `<name>.npy` members, stored (method 0) or deflated (method 8), zip64 when
 * numpy forced it (numpy writes every member with `force_zip64`, which puts zip64 extra fields in the
 * local headers; the central directory is authoritative here). The reader parses the end-of-central-
 * directory record (zip64 locator and record when present), the central directory, checks each local
 * header, inflates with `node:zlib` and verifies the CRC-32.
 *
 * npy (format versions 1.0, 2.0, 3.0): magic `\x93NUMPY`, version, header length (u16 for v1, u32
 * after), a Python dict literal {'descr', 'fortran_order', 'shape'}, then the raw data. Supported
 * descr: [<>|=]f2/f4/f8, i1/i2/i4/i8, u1/u2/u4/u8, b1 (either byte order). Fortran-ordered arrays are
 * returned in C order. Everything malformed is an `NpzError` naming the file, the array and the reason.
 */
import {readFileSync} from "node:fs";
import {crc32, inflateRawSync} from "node:zlib";
import {NpzError} from "./errors.js";
import {HOST_LITTLE_ENDIAN, copyBytes, decodeF16, decodeF32, decodeF64} from "./float-bits.js";

export type NpyDtype = "float16" | "float32" | "float64" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64" | "bool";

/**
 * Decoded values. float16 is widened (exactly) to Float32Array; bool is a Uint8Array of 0/1; 64-bit
 * integers are BigInt64Array / BigUint64Array (exact; see `toNumberArray`).
 */
export type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

export interface NpyArray {
  /** numpy dtype name. */
  dtype: NpyDtype;
  /** The descr string as written in the file, e.g. "<f4". */
  descr: string;
  shape: number[];
  /** C order (row-major), whatever the file's `fortran_order`. */
  data: NpyData;
  /** Whether the file stored it in Fortran order (already converted). */
  fortranOrder: boolean;
}

export interface NpzMember {
  /** Array name (member name without ".npy"). */
  name: string;
  /** Member file name in the zip. */
  fileName: string;
  method: "stored" | "deflated";
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
}

const DTYPES: Record<string, {dtype: NpyDtype; size: number}> = {
  f2: {dtype: "float16", size: 2},
  f4: {dtype: "float32", size: 4},
  f8: {dtype: "float64", size: 8},
  i1: {dtype: "int8", size: 1},
  i2: {dtype: "int16", size: 2},
  i4: {dtype: "int32", size: 4},
  i8: {dtype: "int64", size: 8},
  u1: {dtype: "uint8", size: 1},
  u2: {dtype: "uint16", size: 2},
  u4: {dtype: "uint32", size: 4},
  u8: {dtype: "uint64", size: 8},
  b1: {dtype: "bool", size: 1}
};

// ---------------------------------------------------------------------------------------------
// npy

/** A tiny parser for the Python literal numpy writes as the npy header. */
class PyLiteral {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly fail: (reason: string) => never
  ) {}
  parse(): unknown {
    const value = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s.slice(this.i, this.i + 12))} after the header dict`);
    return value;
  }
  private ws(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i])) this.i++;
  }
  private value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.dict();
    if (c === "(" || c === "[") return this.sequence(c === "(" ? ")" : "]");
    if (c === "'" || c === '"') return this.string();
    const word = /^(True|False|None|-?\d+L?)/.exec(this.s.slice(this.i));
    if (word === null) return this.fail(`cannot parse the header dict at ${JSON.stringify(this.s.slice(this.i, this.i + 12))}`);
    this.i += word[0].length;
    if (word[0] === "True") return true;
    if (word[0] === "False") return false;
    if (word[0] === "None") return null;
    return Number(word[0].replace("L", ""));
  }
  private string(): string {
    const quote = this.s[this.i++];
    let out = "";
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      if (this.s[this.i] === "\\") this.i++;
      out += this.s[this.i++];
    }
    if (this.i >= this.s.length) this.fail("unterminated string in the header dict");
    this.i++;
    return out;
  }
  private sequence(close: string): unknown[] {
    this.i++;
    const items: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return items;
      }
      items.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== close) this.fail(`expected "," or "${close}" in the header dict`);
    }
  }
  private dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        return out;
      }
      const key = this.value();
      if (typeof key !== "string") this.fail("header dict key is not a string");
      this.ws();
      if (this.s[this.i++] !== ":") this.fail(`expected ":" after "${key}" in the header dict`);
      out[key as string] = this.value();
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      else if (this.s[this.i] !== "}") this.fail('expected "," or "}" in the header dict');
    }
  }
}

/** Parse one `.npy` file held in memory. `name` names the array in errors (the npz member). */
export function parseNpy(bytes: Uint8Array, file = "<memory>", name: string | null = null): NpyArray {
  const fail = (reason: string): never => {
    throw new NpzError(file, name, reason);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.byteLength < 10 || magic.some((b, i) => bytes[i] !== b)) fail("not an .npy array (missing \\x93NUMPY magic)");
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${minor}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.byteLength < 8 + lengthBytes) fail("truncated .npy preamble");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.byteLength) fail(`header length ${headerLength} runs past the end of the array (${bytes.byteLength} bytes)`);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? "utf-8" : "latin1", {fatal: true}).decode(bytes.subarray(8 + lengthBytes, dataStart));
  } catch {
    return fail("header is not valid UTF-8");
  }
  const header = new PyLiteral(text.trim(), fail).parse();
  if (header === null || typeof header !== "object" || Array.isArray(header)) return fail("header is not a dict");
  const {descr, fortran_order: fortran, shape} = header as Record<string, unknown>;
  for (const key of Object.keys(header)) if (key !== "descr" && key !== "fortran_order" && key !== "shape") fail(`unexpected header key "${key}"`);
  if (typeof descr !== "string") return fail(`descr ${JSON.stringify(descr)} is not supported (structured dtypes are not)`);
  if (typeof fortran !== "boolean") return fail(`fortran_order ${JSON.stringify(fortran)} is not True/False`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) return fail(`shape ${JSON.stringify(shape)} is not a tuple of non-negative integers`);
  const match = /^([<>|=]?)([a-zA-Z?])(\d*)$/.exec(descr);
  const code = match === null ? "" : match[2] === "?" ? "b1" : `${match[2]}${match[3]}`;
  const info = DTYPES[code];
  if (match === null || info === undefined) return fail(`unsupported descr ${JSON.stringify(descr)}${descr.includes("O") ? " (object arrays need pickle)" : ""}`);
  const order = match[1];
  if (order === "|" && info.size > 1) fail(`descr ${JSON.stringify(descr)}: byte order "|" on a multi-byte type`);
  const littleEndian = order === ">" ? false : order === "=" ? HOST_LITTLE_ENDIAN : true;
  const dims = shape as number[];
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * info.size;
  const actual = bytes.byteLength - dataStart;
  if (actual !== expected) fail(`data is ${actual} bytes but ${descr} ${formatShape(dims)} needs ${expected}${actual < expected ? " (truncated)" : ""}`);
  let data = decodeNpy(bytes, dataStart, count, info.dtype, littleEndian);
  if (fortran && dims.length > 1) data = fortranToC(data, dims);
  return {dtype: info.dtype, descr, shape: dims.slice(), data, fortranOrder: fortran};
}

function formatShape(shape: number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

function decodeNpy(bytes: Uint8Array, offset: number, count: number, dtype: NpyDtype, le: boolean): NpyData {
  switch (dtype) {
    case "float16":
      return decodeF16(bytes, offset, count, le);
    case "float32":
      return decodeF32(bytes, offset, count, le);
    case "float64":
      return decodeF64(bytes, offset, count, le);
    case "int8":
      return new Int8Array(copyBytes(bytes, offset, offset + count).buffer);
    case "uint8":
      return copyBytes(bytes, offset, offset + count);
    case "bool": {
      const out = copyBytes(bytes, offset, offset + count);
      for (let i = 0; i < count; ++i) if (out[i] > 1) out[i] = 1;
      return out;
    }
    default: {
      const size = DTYPES[{int16: "i2", int32: "i4", int64: "i8", uint16: "u2", uint32: "u4", uint64: "u8"}[dtype]].size;
      const Ctor = {int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array}[dtype];
      const copy = copyBytes(bytes, offset, offset + count * size);
      if (le !== HOST_LITTLE_ENDIAN) {
        for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
      }
      return new Ctor(copy.buffer, 0, count);
    }
  }
}

/** Reorder a Fortran-ordered (column-major) array to C order (row-major). */
export function fortranToC<T extends NpyData>(data: T, shape: number[]): T {
  const n = shape.length;
  const out = new (data.constructor as new (length: number) => T)(data.length);
  if (data.length === 0) return out;
  // Fortran strides (in elements): stride[0] = 1, stride[k] = stride[k-1] * shape[k-1].
  const stride = new Array<number>(n);
  stride[0] = 1;
  for (let k = 1; k < n; ++k) stride[k] = stride[k - 1] * shape[k - 1];
  const index = new Array<number>(n).fill(0);
  let source = 0;
  const last = n - 1;
  const lastStride = stride[last];
  const lastDim = shape[last];
  for (let c = 0; c < data.length; ) {
    // Inner loop over the last (fastest in C) axis.
    for (let j = 0; j < lastDim; ++j, ++c) (out as unknown as number[])[c] = (data as unknown as number[])[source + j * lastStride];
    // Odometer on the leading axes.
    let k = last - 1;
    for (; k >= 0; --k) {
      index[k]++;
      source += stride[k];
      if (index[k] < shape[k]) break;
      source -= stride[k] * shape[k];
      index[k] = 0;
    }
    if (k < 0) break;
  }
  return out;
}

/** Widen any decoded array to a Float64Array (64-bit integers must be safe integers). */
export function toNumberArray(data: NpyData): Float64Array {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Float64Array(data.length);
    for (let i = 0; i < data.length; ++i) {
      const v = Number(data[i]);
      if (!Number.isSafeInteger(v)) throw new RangeError(`value ${data[i]} at index ${i} is not a safe integer`);
      out[i] = v;
    }
    return out;
  }
  return Float64Array.from(data as ArrayLike<number>);
}

// ---------------------------------------------------------------------------------------------
// zip

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

/** List the members of an npz (zip) archive, validating the directory structure. */
export function listNpz(bytes: Uint8Array, file = "<memory>"): NpzMember[] {
  const fail = (reason: string, member: string | null = null): never => {
    throw new NpzError(file, member, reason);
  };
  const size = bytes.byteLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  if (size < 22) fail(`file is ${size} bytes, too short for a zip archive`);
  let eocd = -1;
  for (let i = size - 22; i >= Math.max(0, size - 22 - 65535); --i) {
    if (view.getUint32(i, true) === SIG_EOCD && i + 22 + view.getUint16(i + 20, true) <= size) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail("no zip end-of-central-directory record (not a zip/npz file, or truncated)");
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) fail("multi-disk zip archives are not supported");
  let count: number = view.getUint16(eocd + 10, true);
  let cdSize: number = view.getUint32(eocd + 12, true);
  let cdOffset: number = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== SIG_ZIP64_LOCATOR) fail("zip64 sizes without a zip64 end-of-central-directory locator");
    const record = Number(view.getBigUint64(locator + 8, true));
    if (record + 56 > locator || view.getUint32(record, true) !== SIG_ZIP64_EOCD) fail("zip64 locator points at no zip64 end-of-central-directory record");
    count = Number(view.getBigUint64(record + 32, true));
    cdSize = Number(view.getBigUint64(record + 40, true));
    cdOffset = Number(view.getBigUint64(record + 48, true));
  }
  if (cdOffset + cdSize > eocd) fail(`central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${eocd} (truncated or corrupt)`);
  const members: NpzMember[] = [];
  const seen = new Set<string>();
  let p = cdOffset;
  for (let k = 0; k < count; ++k) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== SIG_CENTRAL) fail(`central directory entry ${k} of ${count} is missing or corrupt`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize: number = view.getUint32(p + 20, true);
    let uncompressedSize: number = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localHeaderOffset: number = view.getUint32(p + 42, true);
    if (p + 46 + nameLength + extraLength + commentLength > cdOffset + cdSize) fail(`central directory entry ${k} runs past the directory`);
    const fileName = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    const name = fileName.endsWith(".npy") ? fileName.slice(0, -4) : fileName;
    // zip64 extended information: only the fields whose 32-bit values are saturated, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + length) fail("zip64 extra field is too short", name);
          const v = Number(view.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + length;
    }
    p = extraEnd + commentLength;
    if (fileName.endsWith("/")) continue; // directory entry
    if (flags & 1) fail("encrypted zip members are not supported", name);
    if (method !== 0 && method !== 8) fail(`unsupported zip compression method ${method} (only stored and deflate)`, name);
    if (method === 0 && compressedSize !== uncompressedSize) fail(`stored member with compressed size ${compressedSize} ≠ size ${uncompressedSize}`, name);
    if (seen.has(name)) fail("duplicate member name", name);
    seen.add(name);
    members.push({name, fileName, method: method === 0 ? "stored" : "deflated", compressedSize, uncompressedSize, crc32: crc, localHeaderOffset});
  }
  return members;
}

/** The raw (uncompressed, CRC-checked) bytes of one member. */
export function readNpzMember(bytes: Uint8Array, member: NpzMember, file = "<memory>"): Uint8Array {
  const fail = (reason: string): never => {
    throw new NpzError(file, member.name, reason);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = member.localHeaderOffset;
  if (local + 30 > bytes.byteLength || view.getUint32(local, true) !== SIG_LOCAL) fail(`no local file header at offset ${local} (corrupt or truncated archive)`);
  const nameLength = view.getUint16(local + 26, true);
  const extraLength = view.getUint16(local + 28, true);
  const localName = new TextDecoder().decode(bytes.subarray(local + 30, local + 30 + nameLength));
  if (localName !== member.fileName) fail(`local header names "${localName}", the central directory "${member.fileName}"`);
  const start = local + 30 + nameLength + extraLength;
  const end = start + member.compressedSize;
  if (end > bytes.byteLength) fail(`member data [${start}, ${end}) runs past the end of the file (${bytes.byteLength} bytes; truncated?)`);
  const raw = bytes.subarray(start, end);
  let data: Uint8Array;
  if (member.method === "stored") data = raw;
  else {
    try {
      data = inflateRawSync(raw, {maxOutputLength: Math.max(1, member.uncompressedSize)});
    } catch (error) {
      return fail(`deflate data is corrupt: ${(error as Error).message}`);
    }
  }
  if (data.byteLength !== member.uncompressedSize) fail(`member inflates to ${data.byteLength} bytes, the directory says ${member.uncompressedSize}`);
  const crc = crc32(data) >>> 0;
  if (crc !== member.crc32) fail(`CRC-32 mismatch (data ${crc.toString(16)}, directory ${member.crc32.toString(16)}): corrupt member`);
  return data;
}

export interface NpzReadOptions {
  /** Decode only these arrays (names without ".npy"). Unknown names are an error. */
  only?: Iterable<string>;
}

/** Parse an npz archive held in memory: array name → array (in archive order). */
export function parseNpz(bytes: Uint8Array, file = "<memory>", options: NpzReadOptions = {}): Map<string, NpyArray> {
  const members = listNpz(bytes, file).filter((m) => m.fileName.endsWith(".npy"));
  const only = options.only === undefined ? undefined : new Set(options.only);
  if (only !== undefined) for (const name of only) if (!members.some((m) => m.name === name)) throw new NpzError(file, name, "no such array in the archive");
  const out = new Map<string, NpyArray>();
  for (const member of members) {
    if (only !== undefined && !only.has(member.name)) continue;
    out.set(member.name, parseNpy(readNpzMember(bytes, member, file), file, member.name));
  }
  return out;
}

/** Read an `.npz` file. */
export function readNpz(path: string, options: NpzReadOptions = {}): Map<string, NpyArray> {
  return parseNpz(readFileSync(path), path, options);
}

/** Read a single `.npy` file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}
