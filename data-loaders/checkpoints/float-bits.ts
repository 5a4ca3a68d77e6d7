/**
 * Bit-exact conversions of narrow float formats to float32. All of them are exact: every fp16, bf16
 * and fp8 value is representable in float32 (fp16 subnormals included), so a lookup table or a bit
 * shift loses nothing. NaN payloads are not preserved (a NaN stays a NaN).
 */

function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let f16Table: Float32Array | undefined;

/** float32 value of every IEEE 754 binary16 bit pattern (64 K entries, built on first use). */
export function f16Table32(): Float32Array {
  if (f16Table === undefined) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; ++h) f16Table[h] = f16Value(h);
  }
  return f16Table;
}

/** The value of one binary16 bit pattern. */
export function f16BitsToNumber(bits: number): number {
  return f16Table32()[bits & 0xffff];
}

/** The value of one bfloat16 bit pattern (the upper half of a float32). */
export function bf16BitsToNumber(bits: number): number {
  const u = new Uint32Array(1);
  u[0] = (bits & 0xffff) << 16;
  return new Float32Array(u.buffer)[0];
}

/** float8 e4m3fn (OCP FP8 / torch.float8_e4m3fn): bias 7, no infinities, S.1111.111 = NaN, max 448. */
export function e4m3BitsToNumber(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exponent = (b >> 3) & 0xf;
  const mantissa = b & 7;
  if (exponent === 0xf && mantissa === 7) return NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -9;
  return sign * (1 + mantissa / 8) * 2 ** (exponent - 7);
}

/** float8 e5m2 (OCP FP8 / torch.float8_e5m2): IEEE-like, bias 15, with infinities and NaN, max 57344. */
export function e5m2BitsToNumber(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exponent = (b >> 2) & 0x1f;
  const mantissa = b & 3;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -16;
  return sign * (1 + mantissa / 4) * 2 ** (exponent - 15);
}

const byteTables = new Map<string, Float32Array>();
function byteTable(kind: "e4m3" | "e5m2"): Float32Array {
  let table = byteTables.get(kind);
  if (table === undefined) {
    table = new Float32Array(256);
    const f = kind === "e4m3" ? e4m3BitsToNumber : e5m2BitsToNumber;
    for (let b = 0; b < 256; ++b) table[b] = f(b);
    byteTables.set(kind, table);
  }
  return table;
}

/** Decode `count` little-endian binary16 values starting at `bytes[offset]`. */
export function decodeF16(bytes: Uint8Array, offset: number, count: number, littleEndian = true): Float32Array {
  const table = f16Table32();
  const out = new Float32Array(count);
  const lo = littleEndian ? 0 : 1;
  const hi = 1 - lo;
  for (let i = 0, j = offset; i < count; ++i, j += 2) out[i] = table[bytes[j + lo] | (bytes[j + hi] << 8)];
  return out;
}

/** Decode `count` little-endian bfloat16 values starting at `bytes[offset]`. */
export function decodeBF16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, j = offset; i < count; ++i, j += 2) bits[i] = ((bytes[j] | (bytes[j + 1] << 8)) << 16) >>> 0;
  return out;
}

/** Decode `count` fp8 values (one byte each) starting at `bytes[offset]`. */
export function decodeF8(bytes: Uint8Array, offset: number, count: number, kind: "e4m3" | "e5m2"): Float32Array {
  const table = byteTable(kind);
  const out = new Float32Array(count);
  for (let i = 0; i < count; ++i) out[i] = table[bytes[offset + i]];
  return out;
}

/** The host's byte order: typed arrays use it, file formats here are little-endian. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A fresh copy of bytes[start, end) in its own (hence aligned) ArrayBuffer. Not `bytes.slice`: on a
 * Node Buffer that returns a view into the same memory.
 */
export function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes.subarray(start, end));
}

/** Copy `count` float32 values (byte order as given) into a fresh, aligned Float32Array. */
export function decodeF32(bytes: Uint8Array, offset: number, count: number, littleEndian = true): Float32Array {
  if (littleEndian === HOST_LITTLE_ENDIAN) {
    const copy = copyBytes(bytes, offset, offset + count * 4);
    return new Float32Array(copy.buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; ++i) out[i] = view.getFloat32(offset + 4 * i, littleEndian);
  return out;
}

/** Copy `count` float64 values (byte order as given) into a fresh, aligned Float64Array. */
export function decodeF64(bytes: Uint8Array, offset: number, count: number, littleEndian = true): Float64Array {
  if (littleEndian === HOST_LITTLE_ENDIAN) {
    const copy = copyBytes(bytes, offset, offset + count * 8);
    return new Float64Array(copy.buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; ++i) out[i] = view.getFloat64(offset + 8 * i, littleEndian);
  return out;
}
