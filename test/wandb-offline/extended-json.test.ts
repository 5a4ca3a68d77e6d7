import {describe, expect, it} from "vitest";
import {parseAnyJsonNumberBytes, parseJsonNumberBytes, parseValueJson} from "../../data-loaders/sources/wandb-offline/extended-json.js";

describe("value_json (JSON + bare NaN / Infinity / -Infinity)", () => {
  it("parses bare non-finite tokens as numbers", () => {
    expect(parseValueJson("NaN")).toBeNaN();
    expect(parseValueJson("Infinity")).toBe(Infinity);
    expect(parseValueJson("-Infinity")).toBe(-Infinity);
    expect(parseValueJson("[1, NaN, -Infinity, Infinity]")).toEqual([1, NaN, -Infinity, Infinity]);
    expect(parseValueJson('{"min": -Infinity, "max": Infinity, "nested": {"v": [NaN]}}')).toEqual({
      min: -Infinity,
      max: Infinity,
      nested: {v: [NaN]}
    });
  });

  it("leaves the tokens alone inside strings", () => {
    expect(parseValueJson('"NaN"')).toBe("NaN");
    expect(parseValueJson('"-Infinity"')).toBe("-Infinity");
    expect(parseValueJson('{"note": "NaN, Infinity and \\"-Infinity\\"", "x": NaN}')).toEqual({
      note: 'NaN, Infinity and "-Infinity"',
      x: NaN
    });
    expect(parseValueJson('["a\\\\", NaN]')).toEqual(["a\\", NaN]);
    expect(parseValueJson('{"NaN": Infinity}')).toEqual({NaN: Infinity});
  });

  it("parses ordinary JSON in both writers' number styles", () => {
    for (const [text, value] of [
      ["0", 0],
      ["-3", -3],
      ["1.0", 1],
      ["1e-07", 1e-7],
      ["1.5e+21", 1.5e21],
      ["1.689325560911407e+09", 1689325560.911407],
      ["true", true],
      ["null", null],
      ['"adam"', "adam"],
      ['{"a": {"b": 1}}', {a: {b: 1}}],
      ['"caf\\u00e9"', "café"]
    ] as const) {
      expect(parseValueJson(text)).toEqual(value);
    }
  });

  it("keeps __proto__ as a plain key in the fallback parser", () => {
    const value = parseValueJson('{"__proto__": {"polluted": NaN}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("rejects text that is not JSON, with or without the tokens", () => {
    for (const bad of ["", "-", "nan", "NaNx", "[NaN", "{NaN: 1}", "1.", "1e", "1 2", "-x", '"open', "Infinity Infinity"]) {
      expect(() => parseValueJson(bad), bad).toThrow(SyntaxError);
    }
  });

  it("is lenient (for speed) about number spellings no JSON encoder writes", () => {
    expect(parseValueJson("01")).toBe(1);
    expect(parseValueJson("0x10")).toBe(16);
  });
});

describe("numbers straight from bytes (the history fast path)", () => {
  const bytes = (s: string) => Buffer.from(s);
  const viaBytes = (s: string) => parseJsonNumberBytes(bytes(s), 0, Buffer.byteLength(s));

  it("gives exactly Number(text) whenever it answers, and defers otherwise", () => {
    // Random numbers in both writers' spellings: Python repr / Go %g, fixed, exponent, integers.
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let answered = 0;
    for (let i = 0; i < 50_000; i++) {
      const magnitude = 10 ** Math.floor(rand() * 40 - 20);
      const x = (rand() - 0.5) * magnitude;
      const texts = [String(x), x.toExponential(), x.toPrecision(1 + Math.floor(rand() * 17)), String(Math.round(x)), x.toFixed(Math.floor(rand() * 10))];
      for (const text of texts) {
        const got = viaBytes(text);
        if (got !== undefined) {
          answered++;
          expect(Object.is(got, Number(text)), text).toBe(true);
        }
      }
    }
    expect(answered).toBeGreaterThan(100_000);
  });

  it("handles edge spellings and rejects non-numbers", () => {
    for (const text of ["0", "-0", "1.0", "0.001", "1e-07", "1.5e+21", "1E5", "-3", "9007199254740991", "1795457756.3751"]) {
      const got = viaBytes(text);
      if (got !== undefined) expect(Object.is(got, JSON.parse(text)), text).toBe(true);
    }
    expect(Object.is(viaBytes("-0"), -0)).toBe(true);
    expect(viaBytes("0.1")).toBe(0.1);
    for (const text of ["", "-", "NaN", "-Infinity", "1.", ".5", "1e", "1e+", "01x", "1 ", '"1"', "+1", "0x10", "1e400", "12345678901234567890"]) {
      expect(viaBytes(text), text).toBeUndefined();
    }
    // Within a larger buffer: only [start, end) is read.
    expect(parseJsonNumberBytes(bytes("xx42.5yy"), 2, 6)).toBe(42.5);
  });
});

describe("any JSON number from bytes (fast path, else the validated spelling through Number())", () => {
  const viaBytes = (s: string) => parseAnyJsonNumberBytes(Buffer.from(`xx${s}yy`), 2, 2 + Buffer.byteLength(s));

  it("answers every JSON number exactly as JSON.parse does (17-digit reprs, big exponents included)", () => {
    let seed = 777;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 30_000; i++) {
      const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 80 - 40);
      for (const text of [String(x), x.toExponential(), x.toPrecision(1 + Math.floor(rand() * 21)), String(Math.round(x))]) {
        if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) continue;
        expect(Object.is(viaBytes(text), JSON.parse(text)), text).toBe(true);
      }
    }
    for (const text of ["12345678901234567890", "0.30000000000000004", "1e400", "-1e400", "1e-400", "4.9e-324", "1.7976931348623157e308", "-0.0", "123456789012345678901234567890.5e-3"]) {
      expect(Object.is(viaBytes(text), JSON.parse(text)), text).toBe(true);
    }
  });

  it("rejects what is not exactly a JSON number (then value_json is parsed as text)", () => {
    for (const text of ["", "-", "NaN", "Infinity", "-Infinity", "1.", ".5", "1e", "1e+", "01", "0123456789012345678", "1 ", " 1", '"1"', "+1", "0x10", "1.2.3", "12345678901234567890x", "1e5.5", "--1"]) {
      expect(viaBytes(text), text).toBeUndefined();
    }
  });
});
