import {describe, expect, it} from "vitest";
import {parsePythonJson, stringifyPythonJson} from "../../data-loaders/json/python-json.js";

describe("parsePythonJson", () => {
  it("reads Python's bare NaN / Infinity / -Infinity tokens as numbers", () => {
    // Python: json.dumps({"a": float("nan"), "b": float("inf"), "c": -float("inf"), "d": [1, float("nan")]})
    const value = parsePythonJson('{"a": NaN, "b": Infinity, "c": -Infinity, "d": [1, NaN]}') as Record<string, unknown>;
    expect(value.a).toBeNaN();
    expect(value.b).toBe(Infinity);
    expect(value.c).toBe(-Infinity);
    expect((value.d as number[])[0]).toBe(1);
    expect((value.d as number[])[1]).toBeNaN();
  });

  it("leaves the same words inside strings alone", () => {
    const value = parsePythonJson('{"note": "NaN loss at Infinity", "q": "say \\"NaN\\"", "x": NaN}') as Record<string, unknown>;
    expect(value.note).toBe("NaN loss at Infinity");
    expect(value.q).toBe('say "NaN"');
    expect(value.x).toBeNaN();
  });

  it("parses plain JSON exactly like JSON.parse and rejects malformed text", () => {
    expect(parsePythonJson('{"a": 1.5, "b": [true, null]}')).toEqual({a: 1.5, b: [true, null]});
    expect(() => parsePythonJson('{"a": NaN')).toThrow();
    expect(() => parsePythonJson("{'a': 1}")).toThrow();
  });
});

describe("stringifyPythonJson", () => {
  it("writes non-finite numbers as Python's bare tokens and round-trips", () => {
    const value = {a: NaN, b: [Infinity, -Infinity, 1.5], s: "NaN", nested: {x: NaN}};
    const text = stringifyPythonJson(value);
    // Python: json.dumps({"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5], "s": "NaN", "nested": {"x": float("nan")}}, separators=(",", ":"))
    expect(text).toBe('{"a":NaN,"b":[Infinity,-Infinity,1.5],"s":"NaN","nested":{"x":NaN}}');
    const back = parsePythonJson(text) as typeof value;
    expect(back.a).toBeNaN();
    expect(back.b).toEqual([Infinity, -Infinity, 1.5]);
    expect(back.s).toBe("NaN");
  });
});
