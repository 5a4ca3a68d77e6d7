// The .npy/.npz writer: what it writes is read back exactly by this project's reader (npz.ts) and by
// numpy itself (np.load), for every dtype it writes, scalars, empty and multi-dimensional arrays.
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {writeFileAtomic} from "../../data-loaders/checkpoints/atomic-file.js";
import {listNpz, parseNpy, readNpz} from "../../data-loaders/checkpoints/npz.js";
import {encodeNpy, encodeNpz, writeNpz, type NpyInput} from "../../data-loaders/checkpoints/npz-write.js";
import {numpyAvailable, python} from "./helpers.js";

const numpy = numpyAvailable();
const dir = mkdtempSync(join(tmpdir(), "runlens-npz-write-"));

const ARRAYS: Record<string, NpyInput> = {
  f8: {data: Float64Array.from([0, -1.5, Math.PI, 1e-300, Infinity, -Infinity, NaN]), shape: [7]},
  f4: {data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3]},
  i4: {data: Int32Array.from([-2147483648, -1, 0, 1, 2147483647]), shape: [5]},
  i2: {data: Int16Array.from([-32768, 7, 32767]), shape: [3]},
  i1: {data: Int8Array.from([-128, 0, 127]), shape: [3]},
  u1: {data: Uint8Array.from([0, 200, 255]), shape: [3]},
  u2: {data: Uint16Array.from([0, 65535]), shape: [2]},
  u4: {data: Uint32Array.from([0, 4294967295]), shape: [2]},
  i8: {data: BigInt64Array.from([-(2n ** 63n), 5n, 2n ** 63n - 1n]), shape: [3]},
  u8: {data: BigUint64Array.from([0n, 2n ** 64n - 1n]), shape: [2]},
  b1: {data: Uint8Array.from([1, 0, 1]), shape: [3], bool: true},
  scalar: {data: Float64Array.of(2.5), shape: []},
  int_scalar: {data: Int32Array.of(59), shape: []},
  empty: {data: new Float32Array(0), shape: [0, 4]},
  cube: {data: Float32Array.from({length: 24}, (_, i) => i / 8), shape: [2, 3, 4]}
};

describe("npz writer", () => {
  const path = join(dir, "all.npz");
  writeNpz(path, ARRAYS);

  it("writes a stored zip of <name>.npy members in order, with numpy's 64-byte aligned headers", () => {
    const members = listNpz(readFileSync(path), path);
    expect(members.map((m) => m.name)).toEqual(Object.keys(ARRAYS));
    expect(members.every((m) => m.method === "stored")).toBe(true);
    const npy = encodeNpy(ARRAYS.f4);
    const headerLength = new DataView(npy.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    expect(new TextDecoder().decode(npy.subarray(10, 10 + headerLength))).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  });

  it("reads back exactly with the project's reader (dtype, shape, values)", () => {
    const back = readNpz(path);
    const dtypes: Record<string, string> = {f8: "float64", f4: "float32", i4: "int32", i2: "int16", i1: "int8", u1: "uint8", u2: "uint16", u4: "uint32", i8: "int64", u8: "uint64", b1: "bool", scalar: "float64", int_scalar: "int32", empty: "float32", cube: "float32"};
    for (const [name, input] of Object.entries(ARRAYS)) {
      const array = back.get(name)!;
      expect(array.dtype, name).toBe(dtypes[name]);
      expect(array.shape, name).toEqual(input.shape);
      expect(Array.from(array.data as ArrayLike<number | bigint>), name).toEqual(Array.from(input.data as ArrayLike<number | bigint>));
    }
  });

  it("rejects a shape that does not match the data and duplicate names", () => {
    expect(() => encodeNpy({data: new Float64Array(5), shape: [2, 3]})).toThrow(/holds 6 values, the array has 5/);
    expect(() => encodeNpz([["a", new Float64Array(1)], ["a", new Float64Array(1)]])).toThrow(/duplicate/);
  });

  it("a 1-d typed array alone is written with its length as shape", () => {
    expect(parseNpy(encodeNpy(Float64Array.of(1, 2, 3))).shape).toEqual([3]);
  });

  it("writes atomically: the target is replaced in one step and no temporary file is left", () => {
    const target = join(dir, "atomic.bin");
    writeFileSync(target, "old");
    writeFileAtomic(target, "new contents");
    expect(readFileSync(target, "utf8")).toBe("new contents");
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    // a failing write (the folder is a file) leaves the target untouched
    expect(() => writeFileAtomic(join(target, "x.npz"), "y")).toThrow();
    expect(readFileSync(target, "utf8")).toBe("new contents");
  });

  it.skipIf(!numpy.ok)(`numpy.load reads every array exactly${numpy.ok ? "" : ` — SKIPPED: ${numpy.reason}`}`, () => {
    const out = JSON.parse(
      python(
        `import json, sys, numpy as np
z = np.load(sys.argv[1])
def enc(a):
    if a.dtype.kind == "f": return [None if not np.isfinite(v) else float(v) for v in a.ravel()] , [str(v) for v in a.ravel()]
    if a.dtype.itemsize == 8: return [str(int(v)) for v in a.ravel()], None
    return [int(v) for v in a.ravel()], None
print(json.dumps({k: {"dtype": z[k].dtype.str, "shape": list(z[k].shape), "values": enc(z[k])[0], "text": enc(z[k])[1]} for k in z.files}))`,
        path
      )
    );
    expect(Object.keys(out)).toEqual(Object.keys(ARRAYS));
    const descr: Record<string, string> = {f8: "<f8", f4: "<f4", i4: "<i4", i2: "<i2", i1: "|i1", u1: "|u1", u2: "<u2", u4: "<u4", i8: "<i8", u8: "<u8", b1: "|b1", scalar: "<f8", int_scalar: "<i4", empty: "<f4", cube: "<f4"};
    for (const [name, input] of Object.entries(ARRAYS)) {
      expect(out[name].dtype, name).toBe(descr[name]);
      expect(out[name].shape, name).toEqual(input.shape);
      const expected = Array.from(input.data as ArrayLike<number | bigint>, (v) => (typeof v === "bigint" ? Number(v) : Number.isFinite(v) ? v : null));
      if (name === "i8" || name === "u8") expect(out[name].values, name).toEqual(Array.from(input.data as ArrayLike<bigint>, String));
      else expect(out[name].values, name).toEqual(expected);
    }
    expect(out.f8.text.slice(4)).toEqual(["inf", "-inf", "nan"]);
  });
});
