import {readFileSync} from "node:fs";
import {beforeAll, describe, expect, it} from "vitest";
import {SafetensorsError} from "../../data-loaders/checkpoints/errors.js";
import {bf16BitsToNumber, e4m3BitsToNumber, e5m2BitsToNumber, f16BitsToNumber} from "../../data-loaders/checkpoints/float-bits.js";
import {encodeSafetensors, parseSafetensors, readSafetensors} from "../../data-loaders/checkpoints/safetensors.js";
import {tensorShapes} from "../../analyses/src/checkpoints/index.js";
import {FIXTURES, checkpointPath, expectTensorFileError, joinSafetensors, readRun, splitSafetensors, tempDir, writeTemp} from "./helpers.js";

describe("fp16 / bf16 / fp8 → float32 (known bit patterns)", () => {
  // [bits, value]: IEEE 754 binary16.
  const F16: [number, number][] = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x3bff, 0.99951171875],
    [0x3c01, 1.0009765625],
    [0x7bff, 65504], // largest finite
    [0x0400, 6.103515625e-5], // smallest normal 2^-14
    [0x03ff, 6.097555160522461e-5], // largest subnormal
    [0x0001, 5.960464477539063e-8], // smallest subnormal 2^-24
    [0x8001, -5.960464477539063e-8],
    [0x7c00, Infinity],
    [0xfc00, -Infinity]
  ];
  it("binary16", () => {
    for (const [bits, value] of F16) expect(f16BitsToNumber(bits), `0x${bits.toString(16)}`).toBe(value);
    expect(Object.is(f16BitsToNumber(0x8000), -0)).toBe(true);
    for (const nan of [0x7e00, 0x7c01, 0xfe00, 0x7fff]) expect(f16BitsToNumber(nan)).toBeNaN();
  });
  it("bfloat16", () => {
    const BF16: [number, number][] = [
      [0x3f80, 1],
      [0xc000, -2],
      [0x3eab, 0.333984375],
      [0x4049, 3.140625],
      [0x7f7f, 3.3895313892515355e38], // largest finite
      [0x0080, 1.1754943508222875e-38], // smallest normal 2^-126
      [0x0001, 9.183549615799121e-41], // smallest subnormal 2^-133
      [0x7f80, Infinity],
      [0xff80, -Infinity],
      [0x0000, 0]
    ];
    for (const [bits, value] of BF16) expect(bf16BitsToNumber(bits), `0x${bits.toString(16)}`).toBe(value);
    expect(Object.is(bf16BitsToNumber(0x8000), -0)).toBe(true);
    expect(bf16BitsToNumber(0x7fc0)).toBeNaN();
    expect(bf16BitsToNumber(0xffc1)).toBeNaN();
  });
  it("float8 e4m3fn and e5m2", () => {
    const E4M3: [number, number][] = [
      [0x38, 1],
      [0xb8, -1],
      [0x7e, 448], // largest finite
      [0x08, 0.015625], // smallest normal 2^-6
      [0x01, 0.001953125], // smallest subnormal 2^-9
      [0x07, 0.013671875],
      [0x40, 2],
      [0x00, 0]
    ];
    for (const [bits, value] of E4M3) expect(e4m3BitsToNumber(bits), `0x${bits.toString(16)}`).toBe(value);
    expect(e4m3BitsToNumber(0x7f)).toBeNaN();
    expect(e4m3BitsToNumber(0xff)).toBeNaN();
    const E5M2: [number, number][] = [
      [0x3c, 1],
      [0xbc, -1],
      [0x7b, 57344], // largest finite
      [0x04, 6.103515625e-5], // smallest normal 2^-14
      [0x01, 1.52587890625e-5], // smallest subnormal 2^-16
      [0x7c, Infinity],
      [0xfc, -Infinity]
    ];
    for (const [bits, value] of E5M2) expect(e5m2BitsToNumber(bits), `0x${bits.toString(16)}`).toBe(value);
    expect(e5m2BitsToNumber(0x7d)).toBeNaN();
  });
  it("decodes F16 / BF16 / F8 tensors through the reader", () => {
    const header = {
      h: {dtype: "F16", shape: [3], data_offsets: [0, 6]},
      b: {dtype: "BF16", shape: [3], data_offsets: [6, 12]},
      e: {dtype: "F8_E4M3", shape: [2], data_offsets: [12, 14]},
      f: {dtype: "F8_E5M2", shape: [2], data_offsets: [14, 16]}
    };
    const data = new Uint8Array([0x00, 0x3c, 0xff, 0x7b, 0x01, 0x00, 0x80, 0x3f, 0x49, 0x40, 0x80, 0xff, 0x7e, 0xb8, 0x7b, 0x01]);
    const file = parseSafetensors(joinSafetensors(JSON.stringify(header), data), "mem");
    expect(Array.from(file.tensors.get("h")!.data)).toEqual([1, 65504, 5.960464477539063e-8]);
    expect(Array.from(file.tensors.get("b")!.data)).toEqual([1, 3.140625, -Infinity]);
    expect(Array.from(file.tensors.get("e")!.data)).toEqual([448, -1]);
    expect(Array.from(file.tensors.get("f")!.data)).toEqual([57344, 1.52587890625e-5]);
  });
});

describe("safetensors reader on real and reference files", () => {
  for (const run of ["model_p59_seed0", "model_p59_seed1"]) {
    it(`reads every checkpoint of ${run}: metadata, names, shapes, dtype`, () => {
      const {config, metadata} = readRun(run);
      const shapes = tensorShapes({p: 59, dModel: 128, nHeads: 4, dHead: 32, dMlp: 512, nCtx: 3, dVocab: 60, dVocabOut: 59});
      for (const epoch of metadata.checkpoint_epochs) {
        const path = checkpointPath(run, epoch);
        const file = readSafetensors(path);
        expect(file.file).toBe(path);
        expect(file.metadata.epoch).toBe(String(epoch));
        expect(file.metadata.p).toBe("59");
        expect(file.metadata.seed).toBe(String(config.seed));
        expect(file.metadata.format).toBe("pt");
        expect([...file.tensors.keys()]).toEqual(Object.keys(shapes)); // README order
        for (const [name, tensor] of file.tensors) {
          expect(tensor.dtype).toBe("F32");
          expect(tensor.shape).toEqual(shapes[name]);
          expect(tensor.data).toBeInstanceOf(Float32Array);
          expect(tensor.data.length).toBe(shapes[name].reduce((a, b) => a * b, 1));
          if (name.includes(".b_")) expect(tensor.data.every((v) => v === 0)).toBe(true); // frozen zero biases (README)
        }
      }
    });
  }

  it("decodes the raw little-endian float32 bytes exactly", () => {
    const path = checkpointPath("model_p59_seed0", 28300);
    const bytes = readFileSync(path);
    const {header, data} = splitSafetensors(bytes);
    const file = readSafetensors(path);
    for (const [name, info] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const [begin, end] = (info as {data_offsets: [number, number]}).data_offsets;
      const view = new DataView(data.buffer, data.byteOffset + begin, end - begin);
      const t = file.tensors.get(name)!.data;
      for (let i = 0; i < t.length; i += 97) expect(t[i]).toBe(view.getFloat32(4 * i, true));
    }
  });

  it("reads F16/BF16/F64 tensors written by a Python writer (fixture)", () => {
    const file = readSafetensors(`${FIXTURES}/dtypes.safetensors`);
    expect(Array.from(file.tensors.get("f32")!.data)).toEqual([1, -2, 0.5, 3.140625]);
    expect(file.tensors.get("f32")!.shape).toEqual([2, 2]);
    expect(Array.from(file.tensors.get("f16")!.data)).toEqual([1, -2, 0.5, 3.140625]);
    expect(Array.from(file.tensors.get("bf16")!.data)).toEqual([1, -2, 0.5, 3.140625]);
    expect(Array.from(file.tensors.get("f64")!.data)).toEqual([Math.fround(1 / 3), Math.fround(-1e-310)]);
    const f64 = readSafetensors(`${FIXTURES}/dtypes.safetensors`, {f64: "float64", only: ["f64"]});
    expect([...f64.tensors.keys()]).toEqual(["f64"]);
    expect(Array.from(f64.tensors.get("f64")!.data)).toEqual([1 / 3, -1e-310]);
    expect(file.tensors.get("scalar")!.shape).toEqual([]);
    expect(Array.from(file.tensors.get("scalar")!.data)).toEqual([42]);
    expect(file.tensors.get("empty")!.shape).toEqual([0, 5]);
    expect(file.tensors.get("empty")!.data.length).toBe(0);
    expect(file.metadata).toEqual({format: "pt"});
  });

  it("round-trips its own encoder", () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float64Array([Math.PI]);
    const bytes = encodeSafetensors([{name: "a", shape: [2, 3], data: a}, {name: "b", shape: [1], data: b}], {k: "v"});
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
    const file = parseSafetensors(bytes, "mem", {f64: "float64"});
    expect(file.metadata).toEqual({k: "v"});
    expect(Array.from(file.tensors.get("a")!.data)).toEqual(Array.from(a));
    expect(file.tensors.get("b")!.data[0]).toBe(Math.PI);
  });
});

describe("safetensors reader rejects malformed files (file, tensor, reason)", () => {
  let dir: string;
  let real: Uint8Array;
  let header: Record<string, {dtype: string; shape: number[]; data_offsets: [number, number]}>;
  let data: Uint8Array;
  beforeAll(() => {
    dir = tempDir();
    real = new Uint8Array(readFileSync(checkpointPath("model_p59_seed0", 0)));
    ({header, data} = splitSafetensors(real) as never);
  });
  /** Write a copy of the real checkpoint with a modified header and read it. */
  const withHeader = (name: string, mutate: (h: typeof header) => void, body?: Uint8Array) => {
    const h = structuredClone(header);
    mutate(h);
    const path = writeTemp(dir, name, joinSafetensors(JSON.stringify(h), body ?? data));
    return {path, read: () => readSafetensors(path)};
  };

  it("truncated data section: names the first tensor that no longer fits", () => {
    const path = writeTemp(dir, "truncated.safetensors", real.subarray(0, real.length - 100));
    expectTensorFileError(() => readSafetensors(path), SafetensorsError, path, "unembed.b_U", /past the end of the data section.*truncated/);
    const path2 = writeTemp(dir, "truncated-half.safetensors", real.subarray(0, real.length >> 1));
    expectTensorFileError(() => readSafetensors(path2), SafetensorsError, path2, "blocks.0.mlp.W_in", /past the end of the data section/);
  });
  it("truncated inside the header or the length field", () => {
    const path = writeTemp(dir, "truncated-header.safetensors", real.subarray(0, 200));
    expectTensorFileError(() => readSafetensors(path), SafetensorsError, path, null, /header length \d+ exceeds the 192 bytes/);
    const path2 = writeTemp(dir, "tiny.safetensors", real.subarray(0, 5));
    expectTensorFileError(() => readSafetensors(path2), SafetensorsError, path2, null, /shorter than the 8-byte header length/);
    const path3 = writeTemp(dir, "empty.safetensors", new Uint8Array(0));
    expectTensorFileError(() => readSafetensors(path3), SafetensorsError, path3, null, /0 bytes/);
  });
  it("bad header length: beyond the file, absurdly large, too small", () => {
    const text = new TextDecoder().decode(real.subarray(8, 8 + Number(new DataView(real.buffer).getBigUint64(0, true))));
    const beyond = writeTemp(dir, "len-beyond.safetensors", joinSafetensors(text, data, BigInt(real.length)));
    expectTensorFileError(() => readSafetensors(beyond), SafetensorsError, beyond, null, /exceeds the \d+ bytes after the length field/);
    const huge = writeTemp(dir, "len-huge.safetensors", joinSafetensors(text, data, 2n ** 62n));
    expectTensorFileError(() => readSafetensors(huge), SafetensorsError, huge, null, /exceeds the maximum of 100000000 bytes/);
    const small = writeTemp(dir, "len-small.safetensors", joinSafetensors(text, data, 1n));
    expectTensorFileError(() => readSafetensors(small), SafetensorsError, small, null, /too small/);
    // A length that cuts the JSON short: the rest of the header is read as data, and the JSON is invalid.
    const short = writeTemp(dir, "len-short.safetensors", joinSafetensors(text, data, BigInt(text.length - 40)));
    expectTensorFileError(() => readSafetensors(short), SafetensorsError, short, null, /not valid JSON/);
  });
  it("bad JSON, non-object header, bad UTF-8, no leading brace", () => {
    const text = JSON.stringify(header);
    const bad = writeTemp(dir, "bad-json.safetensors", joinSafetensors(text.replace('"dtype"', '"dtype" "'), data));
    expectTensorFileError(() => readSafetensors(bad), SafetensorsError, bad, null, /not valid JSON/);
    const arr = writeTemp(dir, "array.safetensors", joinSafetensors("[1, 2]  ", data));
    expectTensorFileError(() => readSafetensors(arr), SafetensorsError, arr, null, /does not start with "\{"/);
    const nul = writeTemp(dir, "null.safetensors", joinSafetensors("{} null", data));
    expectTensorFileError(() => readSafetensors(nul), SafetensorsError, nul, null, /not valid JSON/);
    const bytes = joinSafetensors(text, data);
    bytes[20] = 0xff;
    const utf = writeTemp(dir, "utf8.safetensors", bytes);
    expectTensorFileError(() => readSafetensors(utf), SafetensorsError, utf, null, /not valid UTF-8/);
  });
  it("data_offsets outside the data section, reversed, or not integers", () => {
    const outside = withHeader("offsets-outside.safetensors", (h) => (h["blocks.0.attn.W_V"].data_offsets[1] = data.length + 4));
    expectTensorFileError(outside.read, SafetensorsError, outside.path, "blocks.0.attn.W_V", /past the end of the data section/);
    const reversed = withHeader("offsets-reversed.safetensors", (h) => (h["pos_embed.W_pos"].data_offsets = [32256, 30720]));
    expectTensorFileError(reversed.read, SafetensorsError, reversed.path, "pos_embed.W_pos", /end before they begin/);
    const negative = withHeader("offsets-negative.safetensors", (h) => (h["embed.W_E"].data_offsets = [-8, 30712]));
    expectTensorFileError(negative.read, SafetensorsError, negative.path, "embed.W_E", /not a pair of non-negative integers/);
    const fraction = withHeader("offsets-fraction.safetensors", (h) => ((h["embed.W_E"] as unknown as {data_offsets: unknown}).data_offsets = [0, 30720.5]));
    expectTensorFileError(fraction.read, SafetensorsError, fraction.path, "embed.W_E", /not a pair of non-negative integers/);
  });
  it("overlapping tensors, gaps and trailing bytes", () => {
    const overlap = withHeader("overlap.safetensors", (h) => {
      h["pos_embed.W_pos"].data_offsets = [30720 - 1536, 30720];
    });
    expectTensorFileError(overlap.read, SafetensorsError, overlap.path, "pos_embed.W_pos", /overlap tensor "embed.W_E"/);
    const gap = withHeader("gap.safetensors", (h) => {
      delete (h as Record<string, unknown>)["pos_embed.W_pos"];
    });
    expectTensorFileError(gap.read, SafetensorsError, gap.path, "blocks.0.attn.W_Q", /gap of 1536 unreferenced bytes/);
    const trailing = withHeader("trailing.safetensors", () => {}, new Uint8Array([...data, 1, 2, 3, 4]));
    expectTensorFileError(trailing.read, SafetensorsError, trailing.path, null, /4 trailing bytes/);
  });
  it("unknown and unsupported dtypes", () => {
    const unknown = withHeader("dtype-unknown.safetensors", (h) => (h["blocks.0.mlp.W_in"].dtype = "F33"));
    expectTensorFileError(unknown.read, SafetensorsError, unknown.path, "blocks.0.mlp.W_in", /unknown dtype "F33"/);
    const ints = withHeader("dtype-i64.safetensors", (h) => (h["unembed.b_U"].dtype = "I32"));
    expectTensorFileError(ints.read, SafetensorsError, ints.path, "unembed.b_U", /dtype I32 is not supported/);
    const missing = withHeader("dtype-missing.safetensors", (h) => delete (h["unembed.W_U"] as Partial<(typeof h)[string]>).dtype);
    expectTensorFileError(missing.read, SafetensorsError, missing.path, "unembed.W_U", /dtype is undefined, not a string/);
  });
  it("byte length ≠ product(shape) × dtype size", () => {
    const shape = withHeader("wrong-shape.safetensors", (h) => (h["embed.W_E"].shape = [60, 127]));
    expectTensorFileError(shape.read, SafetensorsError, shape.path, "embed.W_E", /hold 30720 bytes but F32 \[60,127\] needs 30480/);
    const dtype = withHeader("wrong-dtype-size.safetensors", (h) => (h["blocks.0.mlp.b_in"].dtype = "F16"));
    expectTensorFileError(dtype.read, SafetensorsError, dtype.path, "blocks.0.mlp.b_in", /hold 2048 bytes but F16 \[512\] needs 1024/);
    const badShape = withHeader("bad-shape.safetensors", (h) => ((h["embed.W_E"] as unknown as {shape: unknown}).shape = [60, -128]));
    expectTensorFileError(badShape.read, SafetensorsError, badShape.path, "embed.W_E", /not an array of non-negative integers/);
  });
  it("__metadata__ must map strings to strings; entries must be objects", () => {
    const meta = withHeader("metadata.safetensors", (h) => ((h as Record<string, unknown>).__metadata__ = {epoch: 5}));
    expectTensorFileError(meta.read, SafetensorsError, meta.path, "__metadata__", /"epoch"\] is 5, not a string/);
    const entry = withHeader("entry.safetensors", (h) => ((h as Record<string, unknown>)["embed.W_E"] = [1, 2]));
    expectTensorFileError(entry.read, SafetensorsError, entry.path, "embed.W_E", /not an object/);
  });
  it("asking for a tensor the file lacks", () => {
    const path = checkpointPath("model_p59_seed0", 0);
    expectTensorFileError(() => readSafetensors(path, {only: ["blocks.1.attn.W_Q"]}), SafetensorsError, path, "blocks.1.attn.W_Q", /no such tensor/);
  });
});
