/**
 * Small helpers on protobufjs's wire `Reader` shared by the record decoders: one reusable reader,
 * bounded sub-message walks, int64 without Long allocations.
 */
import protobuf from "protobufjs/minimal.js";

export type Reader = protobuf.Reader;
const {Reader: ReaderImpl} = protobuf;

/** One reader, re-pointed at each payload: records are decoded one at a time, synchronously. */
let shared: Reader | null = null;

export function readerFor(payload: Uint8Array): Reader {
  const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (!shared) shared = ReaderImpl.create(buf);
  shared.buf = buf;
  shared.pos = 0;
  shared.len = buf.length;
  shared.view = null; // protobufjs caches a DataView of `buf` for packed reads
  return shared;
}

/**
 * Walk the fields of a sub-message ending at `end`. `visit` reads the field and returns true, or
 * returns false to have it skipped (unknown field or unexpected wire type).
 */
export function forEachField(r: Reader, end: number, visit: (field: number, wt: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (!visit(field, wt)) r.skipType(wt, 0, field);
  }
  if (r.pos !== end) throw new RangeError("sub-message overruns its length");
}

export function subEnd(r: Reader): number {
  const end = r.uint32() + r.pos;
  if (end > r.len) throw new RangeError("sub-message length overruns the payload");
  return end;
}

/** int64 as a JS number: varints of up to 7 bytes (< 2^49) directly, longer ones through protobufjs's Long. */
export function int64(r: Reader): number {
  const buf = r.buf;
  const start = r.pos;
  let value = 0;
  let scale = 1;
  for (let i = start; i < start + 7 && i < r.len; i++) {
    const b = buf[i];
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      r.pos = i + 1;
      return value;
    }
    scale *= 128;
  }
  const v = r.int64() as unknown as number | {toNumber(): number};
  return typeof v === "number" ? v : v.toNumber();
}
