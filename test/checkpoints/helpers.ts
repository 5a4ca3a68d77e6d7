import {mkdtempSync, readFileSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {crc32, deflateRawSync} from "node:zlib";
import {expect} from "vitest";
import type {TensorFileError} from "../../data-loaders/checkpoints/errors.js";

/** The real grokking runs (../shared relative to the repository root). */
export const GROKKING = resolve(import.meta.dirname, "../../../shared/datasets/grokking/results");
export const FIXTURES = resolve(import.meta.dirname, "fixtures");

export const pad5 = (epoch: number): string => String(epoch).padStart(5, "0");
export const checkpointPath = (run: string, epoch: number): string => join(GROKKING, run, "checkpoints", `checkpoint_epoch_${pad5(epoch)}.safetensors`);

export interface RunFiles {
  run: string;
  config: {p: number; data_split: {train_indices: number[]}; [key: string]: unknown};
  metadata: {checkpoint_epochs: number[]; final_epoch: number; [key: string]: unknown};
  metrics: Map<number, {epoch: number; train_loss: number; test_loss: number; train_acc: number; test_acc: number}>;
}

export function readRun(run: string): RunFiles {
  const dir = join(GROKKING, run);
  const metrics = new Map<number, RunFiles["metrics"] extends Map<number, infer V> ? V : never>();
  for (const line of readFileSync(join(dir, "metrics.jsonl"), "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const m = JSON.parse(line);
    metrics.set(m.epoch, m);
  }
  return {run, config: JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), metadata: JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8")), metrics};
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "runlens-checkpoints-"));
}

export function writeTemp(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Expect `fn` to throw a TensorFileError of class `cls` for `file`, naming `tensor`, with a reason matching `reason`. */
export function expectTensorFileError(fn: () => unknown, cls: new (...args: never[]) => TensorFileError, file: string, tensor: string | null, reason: RegExp): TensorFileError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected an error").toBeInstanceOf(cls);
  const error = caught as TensorFileError;
  expect(error.file).toBe(file);
  expect(error.tensor).toBe(tensor);
  expect(error.reason).toMatch(reason);
  expect(error.message).toContain(file);
  if (tensor !== null) expect(error.message).toContain(`"${tensor}"`);
  return error;
}

// --- safetensors surgery --------------------------------------------------------------------------

/** Split a safetensors file into its header object and data section. */
export function splitSafetensors(bytes: Uint8Array): {header: Record<string, unknown>; data: Uint8Array} {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return {header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n)};
}

/** Reassemble with a (modified) header text and data section; the length field is the header's byte length unless given. */
export function joinSafetensors(headerText: string, data: Uint8Array, lengthField?: bigint): Uint8Array {
  const head = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

// --- zip / npy writers for malformed and zip64 inputs ---------------------------------------------

/** .npy v1 bytes for a raw header dict text and data. */
export function npyBytes(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  let header = dict;
  const total = pre + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(pre + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  out.set(data, pre + header.length);
  return out;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Override the stored compression method / flags / CRC. */
  method?: number;
  flags?: number;
  crc?: number;
}

/**
 * A zip archive. With `zip64`, sizes and offsets in the central directory are saturated (0xFFFFFFFF)
 * and carried in zip64 extra fields, and a zip64 end record + locator precede the classic one (whose
 * fields are saturated too), as zip64 writers do for large archives.
 */
export function zipBytes(entries: ZipEntry[], options: {zip64?: boolean} = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const u16 = (v: number) => new Uint8Array(new Uint16Array([v]).buffer);
  const u32 = (v: number) => new Uint8Array(new Uint32Array([v >>> 0]).buffer);
  const u64 = (v: number) => new Uint8Array(new BigUint64Array([BigInt(v)]).buffer);
  const cat = (...xs: Uint8Array[]) => {
    const out = new Uint8Array(xs.reduce((s, x) => s + x.length, 0));
    let o = 0;
    for (const x of xs) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const body = e.deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const method = e.method ?? (e.deflate ? 8 : 0);
    const crc = e.crc ?? crc32(e.data) >>> 0;
    const flags = e.flags ?? 0;
    const local = cat(u32(0x04034b50), u16(20), u16(flags), u16(method), u16(0), u16(0), u32(crc), u32(body.length), u32(e.data.length), u16(name.length), u16(0), name);
    const z64 = options.zip64 === true;
    const extra = z64 ? cat(u16(1), u16(24), u64(e.data.length), u64(body.length), u64(offset)) : new Uint8Array(0);
    central.push(
      cat(u32(0x02014b50), u16(45), u16(z64 ? 45 : 20), u16(flags), u16(method), u16(0), u16(0), u32(crc), u32(z64 ? 0xffffffff : body.length), u32(z64 ? 0xffffffff : e.data.length), u16(name.length), u16(extra.length), u16(0), u16(0), u16(0), u32(0), u32(z64 ? 0xffffffff : offset), name, extra)
    );
    parts.push(local, body);
    offset += local.length + body.length;
  }
  const cd = cat(...central);
  const cdOffset = offset;
  const tail: Uint8Array[] = [];
  if (options.zip64) {
    const record = cat(u32(0x06064b50), u64(44), u16(45), u16(45), u32(0), u32(0), u64(entries.length), u64(entries.length), u64(cd.length), u64(cdOffset));
    const locator = cat(u32(0x07064b50), u32(0), u64(cdOffset + cd.length), u32(1));
    tail.push(record, locator, cat(u32(0x06054b50), u16(0), u16(0), u16(0xffff), u16(0xffff), u32(0xffffffff), u32(0xffffffff), u16(0)));
  } else {
    tail.push(cat(u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(cd.length), u32(cdOffset), u16(0)));
  }
  return cat(...parts, cd, ...tail);
}

/** Largest |a − b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Spacing of float32 values around |x| (one unit in the last place). */
export function ulp32(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** Spacing of float16 values around |x|. */
export function ulp16(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -14) return 2 ** -24;
  return 2 ** (Math.floor(Math.log2(a)) - 10);
}
