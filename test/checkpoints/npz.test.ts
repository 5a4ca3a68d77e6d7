import {readFileSync} from "node:fs";
import {join} from "node:path";
import {beforeAll, describe, expect, it} from "vitest";
import {NpzError} from "../../data-loaders/checkpoints/errors.js";
import {fortranToC, listNpz, parseNpz, readNpy, readNpz, toNumberArray} from "../../data-loaders/checkpoints/npz.js";
import {FIXTURES, GROKKING, expectTensorFileError, npyBytes, pad5, readRun, tempDir, writeTemp, zipBytes} from "./helpers.js";

const ARTIFACTS = join(GROKKING, "model_p59_seed0", "artifacts");
const f4 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

describe("npz reader on the real artifacts", () => {
  const {metadata} = readRun("model_p59_seed0");
  const keys = metadata.checkpoint_epochs.map((e) => `epoch_${pad5(e)}`);

  it("fourier_coefficients.npz (stored): one [59] float32 array per checkpoint", () => {
    const path = join(ARTIFACTS, "fourier_coefficients.npz");
    const members = listNpz(readFileSync(path), path);
    expect(members.map((m) => m.name)).toEqual(keys);
    expect(members.every((m) => m.method === "stored")).toBe(true);
    const arrays = readNpz(path);
    expect([...arrays.keys()]).toEqual(keys);
    for (const a of arrays.values()) {
      expect(a.dtype).toBe("float32");
      expect(a.descr).toBe("<f4");
      expect(a.shape).toEqual([59]);
      expect(a.fortranOrder).toBe(false);
    }
    // Values printed by numpy: np.load(path)["epoch_28300"][:4]
    expect(Array.from((arrays.get("epoch_28300")!.data as Float32Array).subarray(0, 4))).toEqual([0.0671326294541359, 0.2696312367916107, 0.29659977555274963, 0.10110285133123398]);
  });

  it("neuron_freq_norm.npz (stored): [512, 29] float32 per checkpoint; `only` decodes a subset", () => {
    const path = join(ARTIFACTS, "neuron_freq_norm.npz");
    const one = readNpz(path, {only: ["epoch_28300"]});
    expect([...one.keys()]).toEqual(["epoch_28300"]);
    const a = one.get("epoch_28300")!;
    expect(a.shape).toEqual([512, 29]);
    expect(Array.from((a.data as Float32Array).subarray(0, 4))).toEqual([0.00014532131899613887, 0.000030068582418607548, 0.0022015313152223825, 0.0000033778817396523664]);
    expect([...readNpz(path).keys()]).toEqual(keys);
  });

  it("neuron_activations.npz (deflate, np.savez_compressed): [3481, 512] float16", () => {
    const path = join(ARTIFACTS, "neuron_activations.npz");
    const [member] = listNpz(readFileSync(path), path);
    expect(member.method).toBe("deflated");
    expect(member.uncompressedSize).toBeGreaterThan(member.compressedSize);
    const a = readNpz(path).get("epoch_28300")!;
    expect(a.dtype).toBe("float16");
    expect(a.shape).toEqual([3481, 512]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from((a.data as Float32Array).subarray(0, 4))).toEqual([0, 5.078125, 4.85546875, 0]);
  });
});

describe("npy decoding: dtypes, byte order, Fortran order (numpy-written fixture)", () => {
  let arrays: ReturnType<typeof readNpz>;
  beforeAll(() => {
    arrays = readNpz(`${FIXTURES}/dtypes.npz`);
  });
  const values = (name: string) => Array.from(arrays.get(name)!.data as ArrayLike<number>);

  it("floats", () => {
    expect(values("f2")).toEqual([0, -0, 1, -2.5, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity]);
    expect(Object.is(values("f2")[1], -0)).toBe(true);
    expect(values("f2_nan")[0]).toBeNaN();
    expect(arrays.get("f4")!.shape).toEqual([2, 3]);
    expect(values("f4")).toEqual([0, 1, 2, 3, 4, 5].map((x) => Math.fround(Math.fround(x) / 7)));
    expect(values("f8")).toEqual([1, 2, 3, 1e300]);
    expect(arrays.get("f8_be")!.descr).toBe(">f8");
    expect(values("f8_be")).toEqual([1.5, -2.25, 1e-300]);
    expect(values("f4_be")).toEqual([3.25, -1]);
  });
  it("integers and bool", () => {
    expect(values("i1")).toEqual([-128, 0, 127]);
    expect(values("u1")).toEqual([0, 255]);
    expect(values("i2")).toEqual([-32768, 32767]);
    expect(values("u2")).toEqual([65535]);
    expect(values("i4")).toEqual([-2147483648, 2147483647]);
    expect(values("i4_be")).toEqual([1, -2]);
    expect(values("u4")).toEqual([4294967295]);
    expect(Array.from(arrays.get("i8")!.data as BigInt64Array)).toEqual([-(2n ** 63n), 2n ** 53n, -1n]);
    expect(Array.from(arrays.get("u8")!.data as BigUint64Array)).toEqual([2n ** 64n - 1n]);
    expect(() => toNumberArray(arrays.get("i8")!.data)).toThrow(/not a safe integer/);
    expect(Array.from(toNumberArray(arrays.get("i4")!.data))).toEqual([-2147483648, 2147483647]);
    expect(arrays.get("b1")!.dtype).toBe("bool");
    expect(values("b1")).toEqual([1, 0, 1]);
  });
  it("Fortran-ordered arrays come back in C order", () => {
    const f2 = arrays.get("fortran2d")!;
    expect(f2.fortranOrder).toBe(true);
    expect(f2.shape).toEqual([3, 4]);
    expect(values("fortran2d")).toEqual(Array.from({length: 12}, (_, i) => i));
    expect(arrays.get("fortran3d")!.shape).toEqual([2, 3, 4]);
    expect(values("fortran3d")).toEqual(Array.from({length: 24}, (_, i) => i));
    // and the helper directly: column-major [[0, 2, 4], [1, 3, 5]] stored as 0..5
    expect(Array.from(fortranToC(new Float64Array([0, 1, 2, 3, 4, 5]), [2, 3]))).toEqual([0, 2, 4, 1, 3, 5]);
  });
  it("scalars, empty arrays, single .npy files", () => {
    expect(arrays.get("scalar")!.shape).toEqual([]);
    expect(values("scalar")).toEqual([7.5]);
    expect(arrays.get("empty")!.shape).toEqual([0, 3]);
    expect(values("empty")).toEqual([]);
    const npy = readNpy(`${FIXTURES}/dtypes-f4.npy`);
    expect(npy.shape).toEqual([2, 3]);
    expect(Array.from(npy.data as Float32Array)).toEqual(values("f4"));
  });
  it("npy format versions 2.0 and 3.0, and zip64 archives", () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    for (const version of [2, 3]) {
      const zip = zipBytes([{name: "x.npy", data: npyBytes(dict, f4([1.5, 2.5]), version)}]);
      expect(Array.from(parseNpz(zip, "mem").get("x")!.data as Float32Array)).toEqual([1.5, 2.5]);
    }
    const zip64 = zipBytes(
      [
        {name: "a.npy", data: npyBytes(dict, f4([1, 2]))},
        {name: "b.npy", data: npyBytes(dict, f4([3, 4])), deflate: true}
      ],
      {zip64: true}
    );
    const out = parseNpz(zip64, "mem");
    expect(Array.from(out.get("a")!.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(out.get("b")!.data as Float32Array)).toEqual([3, 4]);
  });
});

describe("npz reader rejects malformed archives (file, array, reason)", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  const data4 = f4([1, 2, 3, 4]);
  const write = (name: string, bytes: Uint8Array) => writeTemp(dir, name, bytes);

  it("truncated archives", () => {
    const real = new Uint8Array(readFileSync(join(ARTIFACTS, "fourier_coefficients.npz")));
    const cut = write("cut.npz", real.subarray(0, real.length - 30));
    expectTensorFileError(() => readNpz(cut), NpzError, cut, null, /no zip end-of-central-directory record/);
    const tiny = write("tiny.npz", real.subarray(0, 10));
    expectTensorFileError(() => readNpz(tiny), NpzError, tiny, null, /too short for a zip archive/);
    // Data of the first member cut away but the directory kept: the local header is not where it should be.
    const holed = new Uint8Array(real);
    holed.fill(0, 0, 30);
    const h = write("holed.npz", holed);
    expectTensorFileError(() => readNpz(h), NpzError, h, "epoch_00000", /no local file header/);
    // A deflated member whose compressed stream is cut short (sizes say more than the file holds).
    const zip = zipBytes([{name: "m.npy", data: npyBytes(good, data4), deflate: true}]);
    const view = new DataView(zip.buffer);
    const cdAt = view.getUint32(zip.length - 6, true);
    view.setUint32(cdAt + 20, 100000, true); // compressed size far beyond the file
    const big = write("bigsize.npz", zip);
    expectTensorFileError(() => readNpz(big), NpzError, big, "m", /runs past the end of the file/);
  });
  it("corrupt member data: CRC mismatch, broken deflate stream", () => {
    const member = npyBytes(good, data4);
    const stored = zipBytes([{name: "w.npy", data: member}]);
    stored[30 + "w.npy".length + member.length - 2] ^= 0x01; // a bit of the last float (local header is 30 bytes + name)
    const s = write("crc.npz", stored);
    expectTensorFileError(() => readNpz(s), NpzError, s, "w", /CRC-32 mismatch/);
    const deflated = zipBytes([{name: "d.npy", data: npyBytes(good, data4), deflate: true}]);
    deflated[30 + 5 + 1] ^= 0xff; // inside the compressed stream (local header is 30 bytes + name)
    deflated[30 + 5 + 2] ^= 0xff;
    const d = write("deflate.npz", deflated);
    expectTensorFileError(() => readNpz(d), NpzError, d, "d", /deflate data is corrupt|CRC-32 mismatch|inflates to/);
    const wrongCrc = write("crc2.npz", zipBytes([{name: "c.npy", data: npyBytes(good, data4), crc: 1234}]));
    expectTensorFileError(() => readNpz(wrongCrc), NpzError, wrongCrc, "c", /CRC-32 mismatch/);
  });
  it("unsupported zip features: compression method, encryption, duplicate names", () => {
    const bz = write("bzip2.npz", zipBytes([{name: "b.npy", data: npyBytes(good, data4), method: 12}]));
    expectTensorFileError(() => readNpz(bz), NpzError, bz, "b", /unsupported zip compression method 12/);
    const enc = write("encrypted.npz", zipBytes([{name: "e.npy", data: npyBytes(good, data4), flags: 1}]));
    expectTensorFileError(() => readNpz(enc), NpzError, enc, "e", /encrypted/);
    const dup = write("dup.npz", zipBytes([{name: "x.npy", data: npyBytes(good, data4)}, {name: "x.npy", data: npyBytes(good, data4)}]));
    expectTensorFileError(() => readNpz(dup), NpzError, dup, "x", /duplicate member name/);
    const missing = write("ok.npz", zipBytes([{name: "x.npy", data: npyBytes(good, data4)}]));
    expectTensorFileError(() => readNpz(missing, {only: ["y"]}), NpzError, missing, "y", /no such array/);
  });
  it("bad .npy members: magic, version, header dict, descr, shape, byte length", () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ["magic", new TextEncoder().encode("not numpy at all"), /missing \\x93NUMPY magic/],
      ["version", (() => {
        const b = npyBytes(good, data4);
        b[6] = 9;
        return b;
      })(), /unsupported .npy format version 9.0/],
      ["dict", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), ", data4), /header dict|expected/],
      ["garbage", npyBytes("{'descr': <f4}", data4), /cannot parse the header dict/],
      ["complex", npyBytes("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(32)), /unsupported descr "<c16"/],
      ["object", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(16)), /unsupported descr "\|O".*pickle/],
      ["structured", npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", new Uint8Array(8)), /structured dtypes/],
      ["fortran", npyBytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2), }", data4), /fortran_order 0 is not True\/False/],
      ["shape", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", data4), /shape \[2,-2\] is not a tuple/],
      ["short", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data4), /data is 16 bytes but <f4 \(2, 3\) needs 24 \(truncated\)/],
      ["long", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data4), /data is 16 bytes but <f4 \(3,\) needs 12/],
      ["extra-key", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", data4), /unexpected header key "x"/]
    ];
    for (const [name, member, reason] of cases) {
      const path = write(`npy-${name}.npz`, zipBytes([{name: `${name}.npy`, data: member}]));
      expectTensorFileError(() => readNpz(path), NpzError, path, name, reason);
    }
    // header length running past the member
    const b = npyBytes(good, data4);
    new DataView(b.buffer).setUint16(8, 5000, true);
    const path = write("npy-hlen.npz", zipBytes([{name: "hlen.npy", data: b}]));
    expectTensorFileError(() => readNpz(path), NpzError, path, "hlen", /header length 5000 runs past the end/);
  });
});
