/**
 * `.npy` / `.npz` writer: what `np.save` / `np.savez` write, so numpy (`np.load`), this project's reader
 * (`npz.ts`) and any zip tool open the files directly.
 *
 * npy: format 1.0 (2.0 when the header needs more than 65535 bytes), little-endian data, C order,
 * header `{'descr': '<f8', 'fortran_order': False, 'shape': (…), }` space-padded with a final newline so
 * the data starts at a multiple of 64 bytes (numpy's alignment).
 * npz: a zip archive of `<name>.npy` members, stored (method 0, like `np.savez`), CRC-32 per member.
 * Archives beyond 4 GiB would need zip64 and are refused (analysis artifacts are far smaller).
 */
import {crc32} from "node:zlib";
import {HOST_LITTLE_ENDIAN} from "./float-bits.js";
import {writeFileAtomic} from "./atomic-file.js";

/** Arrays the writer encodes, with the numpy dtype each becomes. */
export type NpyWritable = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface NpyInput {
  data: NpyWritable;
  /** Defaults to [data.length]; [] writes a 0-d (scalar) array. */
  shape?: readonly number[];
  /** Uint8Array only: write numpy bool ('|b1') instead of uint8. */
  bool?: boolean;
}

function descrOf(data: NpyWritable, bool: boolean): string {
  if (data instanceof Float64Array) return "<f8";
  if (data instanceof Float32Array) return "<f4";
  if (data instanceof Int32Array) return "<i4";
  if (data instanceof Int16Array) return "<i2";
  if (data instanceof Int8Array) return "|i1";
  if (data instanceof Uint8Array) return bool ? "|b1" : "|u1";
  if (data instanceof Uint16Array) return "<u2";
  if (data instanceof Uint32Array) return "<u4";
  if (data instanceof BigInt64Array) return "<i8";
  if (data instanceof BigUint64Array) return "<u8";
  throw new TypeError(`encodeNpy: unsupported array type ${(data as object)?.constructor?.name}`);
}

/** One `.npy` file. */
export function encodeNpy(input: NpyInput | NpyWritable): Uint8Array {
  if (!HOST_LITTLE_ENDIAN) throw new Error("encodeNpy needs a little-endian host");
  const {data, shape = [data.length], bool = false} = ArrayBuffer.isView(input) ? {data: input as NpyWritable} : (input as NpyInput);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new RangeError(`encodeNpy: bad shape [${shape.join(", ")}]`);
  if (count !== data.length) throw new RangeError(`encodeNpy: shape [${shape.join(", ")}] holds ${count} values, the array has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descrOf(data, bool)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Preamble: magic (6) + version (2) + header length (2 for v1.0, 4 for v2.0).
  let version = 1;
  let preamble = 10;
  let padded = dict.length + 1;
  padded += (64 - ((preamble + padded) % 64)) % 64;
  if (padded > 0xffff) {
    version = 2;
    preamble = 12;
    padded = dict.length + 1;
    padded += (64 - ((preamble + padded) % 64)) % 64;
  }
  const header = dict + " ".repeat(padded - dict.length - 1) + "\n";
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(preamble + header.length + body.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; ++i) out[preamble + i] = header.charCodeAt(i); // ASCII
  out.set(body, preamble + header.length);
  return out;
}

/** DOS date/time of 1980-01-01 00:00 (a fixed stamp keeps archives byte-for-byte reproducible). */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * A stored (uncompressed) zip of `<name>.npy` members, in the given order. Names must be valid member
 * names (no "/" at the end, unique).
 */
export function encodeNpz(arrays: Iterable<[string, NpyInput | NpyWritable]> | Record<string, NpyInput | NpyWritable>): Uint8Array {
  const entries = Symbol.iterator in Object(arrays) ? [...(arrays as Iterable<[string, NpyInput | NpyWritable]>)] : Object.entries(arrays as Record<string, NpyInput | NpyWritable>);
  const seen = new Set<string>();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, input] of entries) {
    if (name === "" || name.endsWith("/") || seen.has(name)) throw new Error(`encodeNpz: bad or duplicate array name "${name}"`);
    seen.add(name);
    const fileName = new TextEncoder().encode(`${name}.npy`);
    const npy = encodeNpy(input);
    const crc = crc32(npy) >>> 0;
    if (offset + 30 + fileName.length + npy.byteLength > 0xfffffffe) throw new RangeError("encodeNpz: archives over 4 GiB need zip64, which this writer does not produce");
    const local = new Uint8Array(30 + fileName.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, DOS_TIME, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, npy.byteLength, true);
    lv.setUint32(22, npy.byteLength, true);
    lv.setUint16(26, fileName.length, true);
    lv.setUint16(28, 0, true);
    local.set(fileName, 30);
    const central = new Uint8Array(46 + fileName.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by
    cv.setUint16(6, 20, true); // version needed
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, DOS_TIME, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, npy.byteLength, true);
    cv.setUint32(24, npy.byteLength, true);
    cv.setUint16(28, fileName.length, true);
    cv.setUint32(42, offset, true);
    central.set(fileName, 46);
    locals.push(local, npy);
    centrals.push(central);
    offset += local.byteLength + npy.byteLength;
  }
  if (entries.length > 0xffff) throw new RangeError("encodeNpz: more than 65535 arrays need zip64");
  const cdSize = centrals.reduce((s, c) => s + c.byteLength, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, p);
    p += part.byteLength;
  }
  return out;
}

/** Encode and write an `.npz` atomically (temporary file + rename). */
export function writeNpz(path: string, arrays: Iterable<[string, NpyInput | NpyWritable]> | Record<string, NpyInput | NpyWritable>): void {
  writeFileAtomic(path, encodeNpz(arrays));
}
