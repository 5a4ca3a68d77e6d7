/**
 * Two float64 SIMD (wasm simd128, f64x2) kernels for the forward pass, assembled at load time from
 * the opcode listings below (no toolchain, no binary blob: the listing IS the source). Plain JS
 * scalar loops are ~1 multiply-add per ns; these do 2 per instruction pair and keep 8 columns in
 * registers. Results are bit-identical to the JS loops they replace for `spmm` (same order of
 * multiplications and additions, no fused multiply-add) and equal to rounding for `mix` (the sum
 * over heads is associated differently).
 *
 *   spmm(out, outStride, x, xStride, k, w, wStride, nCols, rows, idx, val)
 *     for r < rows: out[r, 0:nCols] += Σ_{n<k, x[r,n] ≠ 0} x[r, n] · w[n, 0:nCols]
 *     (zeros of x skipped: the ReLU sparsity of the MLP activations). nCols is a multiple of 8;
 *     strides are in bytes; idx (i32) and val (f64) are scratch of k entries.
 *   mix(out, outStride, base, t0, t1, w0, w1, p, heads, width, tStride, relu)
 *     for a, b < p, i = a·p + b: out[i, 0:width] = base + Σ_h w0[i,h]·t0[a,h,:] + w1[i,h]·t1[b,h,:],
 *     then max(·, 0) if relu. width is a multiple of 2 (in elements); t rows are tStride bytes apart.
 *   sums(x, xStride, p, width, rows, cols, plus, minus)
 *     for a, b < p, v = x[a·p + b, :]: rows[a] += v, cols[b] += v, plus[(a+b) mod p] += v,
 *     minus[(a−b) mod p] += v (the diagonal sums of neuron-fourier.ts; [p, width] each, width even).
 *   squares(x, xStride, n, width, mean, out): out += Σ_{i<n} (x[i, :] − mean)².
 * All pointers are byte offsets into the imported memory `env.memory`.
 */

// --- a minimal WebAssembly binary emitter ---------------------------------------------------------

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

// Instructions (a flat list of bytes per instruction).
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  f64Load: (offset = 0) => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0) => [0x39, 3, ...uleb(offset)],
  f64Const0: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  i32Eqz: [0x45],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  f64Ne: [0x62],
  v128Load: (offset = 0) => [0xfd, 0x00, 4, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 4, ...uleb(offset)],
  f64x2Splat: [0xfd, 0x14],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Sub: [0xfd, ...uleb(0xf1)],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
  f64x2Max: [0xfd, ...uleb(0xf5)]
};

/** `while (local < limit) { body; local += step }`, local and limit are i32 locals (limit may be a param). */
function forLoop(counter: number, start: number[], limit: number, step: number[], body: number[][]): number[][] {
  return [
    ...[start, op.set(counter)],
    op.block,
    op.loop,
    op.get(counter),
    op.get(limit),
    op.i32GeU,
    op.brIf(1),
    ...body,
    op.get(counter),
    step,
    op.i32Add,
    op.set(counter),
    op.br(0),
    op.end,
    op.end
  ];
}

// --- spmm -----------------------------------------------------------------------------------------
// params 0 out, 1 outStride, 2 x, 3 xStride, 4 k, 5 w, 6 wStride, 7 nCols, 8 rows, 9 idx, 10 val
// i32 locals 11 r, 12 n, 13 cnt, 14 c(bytes), 15 j, 16 pw, 17 po, 18 px, 19 colBytes
// f64 local 20 v; v128 locals 21..24 acc0..3, 25 vv
function spmmBody(): number[] {
  const [out, outStride, x, xStride, k, w, wStride, nCols, rows, idx, val] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [r, n, cnt, c, j, pw, po, px, colBytes, v, a0, a1, a2, a3, vv] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const accumulate = (acc: number, offset: number) => [op.get(acc), op.get(vv), op.get(pw), op.v128Load(offset), op.f64x2Mul, op.f64x2Add, op.set(acc)];
  const code: number[][] = [
    op.get(nCols),
    op.i32(8),
    op.i32Mul,
    op.set(colBytes),
    ...forLoop(r, op.i32(0), rows, op.i32(1), [
      // px = x + r·xStride; gather the non-zero entries of row r
      op.get(x),
      op.get(r),
      op.get(xStride),
      op.i32Mul,
      op.i32Add,
      op.set(px),
      op.i32(0),
      op.set(cnt),
      ...forLoop(n, op.i32(0), k, op.i32(1), [
        op.get(px),
        op.get(n),
        op.i32(8),
        op.i32Mul,
        op.i32Add,
        op.f64Load(),
        op.tee(v),
        op.f64Const0,
        op.f64Ne,
        op.if,
        // idx[cnt] = w + n·wStride; val[cnt] = v; cnt++
        op.get(idx),
        op.get(cnt),
        op.i32(4),
        op.i32Mul,
        op.i32Add,
        op.get(w),
        op.get(n),
        op.get(wStride),
        op.i32Mul,
        op.i32Add,
        op.i32Store(),
        op.get(val),
        op.get(cnt),
        op.i32(8),
        op.i32Mul,
        op.i32Add,
        op.get(v),
        op.f64Store(),
        op.get(cnt),
        op.i32(1),
        op.i32Add,
        op.set(cnt),
        op.end
      ]),
      // po = out + r·outStride; columns in blocks of 8 (64 bytes)
      op.get(out),
      op.get(r),
      op.get(outStride),
      op.i32Mul,
      op.i32Add,
      op.set(po),
      ...forLoop(c, op.i32(0), colBytes, op.i32(64), [
        ...[0, 1, 2, 3].flatMap((q) => [op.get(po), op.get(c), op.i32Add, op.v128Load(16 * q), op.set([a0, a1, a2, a3][q])]),
        ...forLoop(j, op.i32(0), cnt, op.i32(1), [
          op.get(val),
          op.get(j),
          op.i32(8),
          op.i32Mul,
          op.i32Add,
          op.f64Load(),
          op.f64x2Splat,
          op.set(vv),
          op.get(idx),
          op.get(j),
          op.i32(4),
          op.i32Mul,
          op.i32Add,
          op.i32Load(),
          op.get(c),
          op.i32Add,
          op.set(pw),
          ...accumulate(a0, 0),
          ...accumulate(a1, 16),
          ...accumulate(a2, 32),
          ...accumulate(a3, 48)
        ]),
        ...[0, 1, 2, 3].flatMap((q) => [op.get(po), op.get(c), op.i32Add, op.get([a0, a1, a2, a3][q]), op.v128Store(16 * q)])
      ])
    ])
  ];
  const locals = [
    [9, I32],
    [1, F64],
    [5, V128]
  ];
  return [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code.flat(), ...op.end];
}

// --- mix ------------------------------------------------------------------------------------------
// params 0 out, 1 outStride, 2 base, 3 t0, 4 t1, 5 w0, 6 w1, 7 p, 8 heads, 9 width, 10 tStride, 11 relu
// i32 locals 12 a, 13 b, 14 i, 15 col(bytes), 16 h, 17 ta, 18 tb, 19 pw0, 20 pw1, 21 po, 22 widthBytes
// v128 locals 23 acc, 24 zero
function mixBody(): number[] {
  const [out, outStride, base, t0, t1, w0, w1, p, heads, width, tStride, relu] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [a, b, i, col, h, ta, tb, pw0, pw1, po, widthBytes, acc, zero] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
  // acc += splat(w[h]) · t[row h] (ta/tb point at the token's head-0 row)
  const term = (pw: number, t: number) => [op.get(acc), op.get(pw), op.get(h), op.i32(8), op.i32Mul, op.i32Add, op.f64Load(), op.f64x2Splat, op.get(t), op.get(h), op.get(tStride), op.i32Mul, op.i32Add, op.get(col), op.i32Add, op.v128Load(), op.f64x2Mul, op.f64x2Add, op.set(acc)];
  const code: number[][] = [
    op.get(width),
    op.i32(8),
    op.i32Mul,
    op.set(widthBytes),
    op.f64Const0,
    op.f64x2Splat,
    op.set(zero),
    ...forLoop(a, op.i32(0), p, op.i32(1), [
      ...forLoop(b, op.i32(0), p, op.i32(1), [
        // i = a·p + b; po = out + i·outStride; pw0 = w0 + i·heads·8; ta = t0 + a·heads·tStride; tb likewise
        op.get(a),
        op.get(p),
        op.i32Mul,
        op.get(b),
        op.i32Add,
        op.set(i),
        op.get(out),
        op.get(i),
        op.get(outStride),
        op.i32Mul,
        op.i32Add,
        op.set(po),
        op.get(w0),
        op.get(i),
        op.get(heads),
        op.i32Mul,
        op.i32(8),
        op.i32Mul,
        op.i32Add,
        op.set(pw0),
        op.get(w1),
        op.get(i),
        op.get(heads),
        op.i32Mul,
        op.i32(8),
        op.i32Mul,
        op.i32Add,
        op.set(pw1),
        op.get(t0),
        op.get(a),
        op.get(heads),
        op.i32Mul,
        op.get(tStride),
        op.i32Mul,
        op.i32Add,
        op.set(ta),
        op.get(t1),
        op.get(b),
        op.get(heads),
        op.i32Mul,
        op.get(tStride),
        op.i32Mul,
        op.i32Add,
        op.set(tb),
        ...forLoop(col, op.i32(0), widthBytes, op.i32(16), [
          op.get(base),
          op.get(col),
          op.i32Add,
          op.v128Load(),
          op.set(acc),
          ...forLoop(h, op.i32(0), heads, op.i32(1), [...term(pw0, ta), ...term(pw1, tb)]),
          op.get(relu),
          op.if,
          op.get(acc),
          op.get(zero),
          op.f64x2Max,
          op.set(acc),
          op.end,
          op.get(po),
          op.get(col),
          op.i32Add,
          op.get(acc),
          op.v128Store()
        ])
      ])
    ])
  ];
  const locals = [
    [11, I32],
    [2, V128]
  ];
  return [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code.flat(), ...op.end];
}

// --- sums ---------------------------------------------------------------------------------------
// Diagonal sums for the neuron Fourier analysis: for a, b < p, v = x[a·p + b, :]:
//   rows[a] += v, cols[b] += v, plus[(a+b) mod p] += v, minus[(a−b) mod p] += v  (all [p, width]).
// params 0 x, 1 xStride, 2 p, 3 width(elements, multiple of 2), 4 rows, 5 cols, 6 plus, 7 minus
// i32 locals 8 a, 9 b, 10 col, 11 px, 12 s, 13 d, 14 widthBytes, 15 rowBytes(= xStride of the sums, width·8)
// v128 local 16 v
function sumsBody(): number[] {
  const [x, xStride, p, width, rows, cols, plus, minus] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [a, b, col, px, s, d, widthBytes, v] = [8, 9, 10, 11, 12, 13, 14, 16];
  // target[idx] row: target + idx·widthBytes + col
  const addInto = (target: number, index: number[][]): number[][] => [op.get(target), ...index, op.get(widthBytes), op.i32Mul, op.i32Add, op.get(col), op.i32Add, op.tee(15), op.get(15), op.v128Load(), op.get(v), op.f64x2Add, op.v128Store()];
  const code: number[][] = [
    op.get(width),
    op.i32(8),
    op.i32Mul,
    op.set(widthBytes),
    ...forLoop(a, op.i32(0), p, op.i32(1), [
      ...forLoop(b, op.i32(0), p, op.i32(1), [
        // px = x + (a·p + b)·xStride; s = (a + b) mod p; d = (a − b + p) mod p
        op.get(x), op.get(a), op.get(p), op.i32Mul, op.get(b), op.i32Add, op.get(xStride), op.i32Mul, op.i32Add, op.set(px),
        op.get(a), op.get(b), op.i32Add, op.set(s),
        op.get(s), op.get(p), op.i32GeU, op.if, op.get(s), op.get(p), op.i32Sub, op.set(s), op.end,
        op.get(a), op.get(p), op.i32Add, op.get(b), op.i32Sub, op.set(d),
        op.get(d), op.get(p), op.i32GeU, op.if, op.get(d), op.get(p), op.i32Sub, op.set(d), op.end,
        ...forLoop(col, op.i32(0), widthBytes, op.i32(16), [
          op.get(px), op.get(col), op.i32Add, op.v128Load(), op.set(v),
          ...addInto(rows, [op.get(a)]),
          ...addInto(cols, [op.get(b)]),
          ...addInto(plus, [op.get(s)]),
          ...addInto(minus, [op.get(d)])
        ])
      ])
    ])
  ]; // prettier-ignore
  const locals = [
    [8, I32],
    [1, V128]
  ];
  return [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code.flat(), ...op.end];
}

// --- centred squares --------------------------------------------------------------------------
// for i < n: out[:] += (x[i, :] − mean[:])²   (width elements, multiple of 2)
// params 0 x, 1 xStride, 2 n, 3 width, 4 mean, 5 out; i32 locals 6 i, 7 col, 8 px, 9 widthBytes; v128 10 e
function squaresBody(): number[] {
  const [x, xStride, n, width, mean, out] = [0, 1, 2, 3, 4, 5];
  const [i, col, px, widthBytes, e] = [6, 7, 8, 9, 10];
  const code: number[][] = [
    op.get(width), op.i32(8), op.i32Mul, op.set(widthBytes),
    ...forLoop(i, op.i32(0), n, op.i32(1), [
      op.get(x), op.get(i), op.get(xStride), op.i32Mul, op.i32Add, op.set(px),
      ...forLoop(col, op.i32(0), widthBytes, op.i32(16), [
        op.get(px), op.get(col), op.i32Add, op.v128Load(),
        op.get(mean), op.get(col), op.i32Add, op.v128Load(),
        op.f64x2Sub, op.set(e),
        op.get(out), op.get(col), op.i32Add,
        op.get(out), op.get(col), op.i32Add, op.v128Load(),
        op.get(e), op.get(e), op.f64x2Mul, op.f64x2Add,
        op.v128Store()
      ])
    ])
  ]; // prettier-ignore
  const locals = [
    [4, I32],
    [1, V128]
  ];
  return [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code.flat(), ...op.end];
}

export function moduleBytes(): Uint8Array<ArrayBuffer> {
  const funcType = (params: number) => [0x60, ...vec(Array.from({length: params}, () => [I32])), 0];
  const types = section(1, vec([funcType(11), funcType(12), funcType(8), funcType(6)]));
  const imports = section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]]));
  const functions = section(3, vec([uleb(0), uleb(1), uleb(2), uleb(3)]));
  const exports = section(7, vec([[...name("spmm"), 0x00, 0], [...name("mix"), 0x00, 1], [...name("sums"), 0x00, 2], [...name("squares"), 0x00, 3]]));
  const bodies = [spmmBody(), mixBody(), sumsBody(), squaresBody()].map((body) => [...uleb(body.length), ...body]);
  const code = section(10, vec(bodies));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code]);
}

export interface Kernels {
  memory: WebAssembly.Memory;
  spmm(out: number, outStride: number, x: number, xStride: number, k: number, w: number, wStride: number, nCols: number, rows: number, idx: number, val: number): void;
  mix(out: number, outStride: number, base: number, t0: number, t1: number, w0: number, w1: number, p: number, heads: number, width: number, tStride: number, relu: number): void;
  sums(x: number, xStride: number, p: number, width: number, rows: number, cols: number, plus: number, minus: number): void;
  squares(x: number, xStride: number, n: number, width: number, mean: number, out: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (then callers use JS loops). */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = moduleBytes();
    compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Instantiate the kernels over a fresh memory of at least `bytes` bytes (null without wasm SIMD). */
export function instantiateKernels(bytes: number): Kernels | null {
  const module = kernelModule();
  if (module === null) return null;
  const memory = new WebAssembly.Memory({initial: Math.max(1, Math.ceil(bytes / 65536))});
  const instance = new WebAssembly.Instance(module, {env: {memory}});
  const e = instance.exports as unknown as Omit<Kernels, "memory">;
  return {memory, spmm: e.spmm, mix: e.mix, sums: e.sums, squares: e.squares};
}
