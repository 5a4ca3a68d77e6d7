// Unit tests for the pure browser-side helpers under src/components/ (no DOM, no duckdb-wasm).
import {Field, Float64, Int64, List, Struct, TimeUnit, Timestamp, Utf8, vectorFromArray, Table, tableFromArrays} from "apache-arrow";
import {describe, expect, it} from "vitest";
import {arrowToRows, structKeys} from "../../src/components/arrow-rows.js";
import {safeUrl} from "../../src/components/dom.js";
import {dimensionExpr, overviewPaths, runDimensions} from "../../src/components/runs.js";
import {describeDropped, facetGrid, prepareCurves, sortedDistinct} from "../../src/components/series.js";
import {compileSql, ident, joinSql, quoteIdent, quoteLiteral, referencedTables, sqlFragment} from "../../src/components/sql-text.js";

function tag(strings: TemplateStringsArray, ...values: unknown[]) {
  return compileSql(strings, values);
}

describe("sql-text", () => {
  it("turns every interpolation into a bound parameter, never into SQL text", () => {
    const evil = "x'; DROP TABLE runs; --";
    const q = tag`SELECT * FROM runs WHERE name = ${evil} AND last_step > ${100}`;
    expect(q.text).toBe("SELECT * FROM runs WHERE name = ? AND last_step > ?");
    expect(q.params).toEqual([evil, 100]);
  });

  it("expands arrays to placeholder lists and empty arrays to NULL", () => {
    expect(tag`x IN (${["a", "b", "c"]})`).toMatchObject({text: "x IN (?, ?, ?)", params: ["a", "b", "c"]});
    expect(tag`x IN (${[]})`).toMatchObject({text: "x IN (NULL)", params: []});
  });

  it("splices quoted identifiers and nested fragments with their parameters in order", () => {
    const cond = joinSql([sqlFragment`a = ${1}`, sqlFragment`b = ${"two"}`], " AND ");
    const q = tag`SELECT ${ident("r", "config", 'we"ird')} FROM runs r WHERE ${cond} LIMIT ${5}`;
    expect(q.text).toBe(`SELECT "r"."config"."we""ird" FROM runs r WHERE a = ? AND b = ? LIMIT ?`);
    expect(q.params).toEqual([1, "two", 5]);
  });

  it("normalizes parameter types (bigint, Date, null/undefined) and rejects objects", () => {
    const d = new Date("2026-01-02T03:04:05Z");
    expect(tag`${10n} ${d} ${null} ${undefined} ${true}`.params).toEqual([10, "2026-01-02T03:04:05.000Z", null, null, true]);
    expect(tag`${2n ** 70n}`.params).toEqual([(2n ** 70n).toString()]);
    expect(() => tag`${{a: 1}}`).toThrow(/cannot bind/);
  });

  it("quotes identifiers and literals safely", () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(() => quoteIdent("")).toThrow();
    expect(() => quoteIdent("a\u0000b")).toThrow();
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral(NaN)).toBe("'NaN'::DOUBLE");
    expect(quoteLiteral(-Infinity)).toBe("'-Infinity'::DOUBLE");
    expect(quoteLiteral(null)).toBe("NULL");
    expect(quoteLiteral(1.5)).toBe("1.5");
  });

  it("finds the workspace tables a query mentions (outside string literals)", () => {
    const known = ["runs", "history", "metrics"];
    expect(referencedTables("SELECT * FROM history h JOIN runs r USING (run_id)", known)).toEqual(["runs", "history"]);
    expect(referencedTables("SELECT metric FROM metrics", known)).toEqual(["metrics"]);
    expect(referencedTables("SELECT 'runs' AS x, metric FROM t", known)).toEqual([]);
    expect(referencedTables('SELECT * FROM "runs"', known)).toEqual(["runs"]);
    expect(referencedTables("SELECT * FROM reruns", known)).toEqual([]);
  });
});

describe("series", () => {
  const rows = [
    {run_id: "a", name: "A", step: 0, value: 1, color: "e4m3", facet: 0.1},
    {run_id: "a", name: "A", step: 5, value: NaN, color: "e4m3", facet: 0.1},
    {run_id: "a", name: "A", step: 10, value: 0.5, color: "e4m3", facet: 0.1},
    {run_id: "b", name: "B", step: 0, value: Infinity, color: "e5m2", facet: 0.03},
    {run_id: "b", name: "B", step: 5, value: -Infinity, color: "e5m2", facet: 0.03},
    {run_id: "c", name: "C", step: 0, value: 0, color: "fp32", facet: 0.003},
    {run_id: "c", name: "C", step: 5, value: 2, color: "fp32", facet: 0.003},
    {run_id: "d", name: "D", step: 0, value: null, color: null, facet: null}
  ];

  it("drops and counts non-finite values; one series per run with a drawable point", () => {
    const p = prepareCurves(rows);
    expect(p.points).toHaveLength(4);
    expect(p.droppedBy).toMatchObject({"NaN": 1, "+Inf": 1, "-Inf": 1, "null": 1});
    expect(p.runs).toBe(4);
    expect(p.series).toBe(2);
    expect(p.emptyRuns.sort()).toEqual(["b", "d"]);
    expect(p.dropped.map((d) => `${d.run_id}@${d.step}`)).toEqual(["a@5", "b@0", "b@5", "d@0"]);
    expect(describeDropped(p)).toBe("4 points dropped (1 NaN, 1 +Inf, 1 -Inf, 1 null)");
    expect(p.points.every((d) => Number.isFinite(d.value))).toBe(true);
    // the line keeps dropped rows as NaN gaps; non-finite steps are marked once per position
    expect(p.line).toHaveLength(8);
    expect(p.line.filter((d) => Number.isNaN(d.value))).toHaveLength(4);
    expect(p.nonFiniteMarks.map((d) => d.step)).toEqual([5, 0]);
    // a run without the colour key is coloured "(none)", never null
    expect(p.line.find((d) => d.run_id === "d")?.color).toBe("(none)");
  });

  it("on a log scale also drops values <= 0", () => {
    const p = prepareCurves(rows, {logY: true});
    expect(p.droppedBy["non-positive (log scale)"]).toBe(1);
    expect(p.nonFiniteMarks.some((d) => d.run_id === "c")).toBe(false);
    expect(p.points.map((d) => d.value)).toEqual([1, 0.5, 2]);
  });

  it("lays facets out on a wrapped grid sorted numerically, null last", () => {
    const p = prepareCurves(rows, {faceted: true, maxColumns: 2});
    expect(p.facets.map((f) => [f.label, f.fx, f.fy])).toEqual([
      ["0.003", 0, 0],
      ["0.03", 1, 0],
      ["0.1", 0, 1],
      ["(none)", 1, 1]
    ]);
    expect(p.facetColumns).toBe(2);
    expect(p.facetRows).toBe(2);
    expect(p.points.find((d) => d.run_id === "c")).toMatchObject({fx: 0, fy: 0, facet: "0.003"});
  });

  it("orders colour domains and picks ordinal vs linear", () => {
    expect(sortedDistinct([3, "b", null, 1, "a10", "a9"])).toEqual([1, 3, "a9", "a10", "b", null]);
    expect(prepareCurves(rows).colorType).toBe("ordinal");
    const many = Array.from({length: 20}, (_, i) => ({run_id: `r${i}`, step: 0, value: 1, color: i * 0.5}));
    expect(prepareCurves(many).colorType).toBe("linear");
    expect(prepareCurves(many.map((r) => ({...r, color: null})))).toMatchObject({colorType: "ordinal", colorDomain: ["(none)"]});
    expect(prepareCurves([]).colorType).toBe(null);
    expect(facetGrid([]).columns).toBe(1);
  });
});

describe("arrow-rows", () => {
  it("converts BigInt, timestamps, lists and structs (also nested) to plain JS", () => {
    const ts = new Timestamp(TimeUnit.MICROSECOND);
    const structType = new Struct([new Field("seed", new Int64()), new Field("lr", new Float64()), new Field("at", ts)]);
    const table = new Table({
      step: vectorFromArray([1n, 2n], new Int64()),
      name: vectorFromArray(["a", null], new Utf8()),
      tags: vectorFromArray([["x", "y"], []], new List(new Field("item", new Utf8()))),
      created: vectorFromArray([Date.UTC(2026, 0, 2), null], ts),
      config: vectorFromArray(
        [
          {seed: 7n, lr: 0.003, at: Date.UTC(2026, 0, 3)},
          {seed: 8n, lr: 0.1, at: null}
        ],
        structType
      )
    });
    const rows = arrowToRows(table);
    expect(rows.columns).toEqual(["step", "name", "tags", "created", "config"]);
    expect(rows[0]).toEqual({
      step: 1,
      name: "a",
      tags: ["x", "y"],
      created: new Date(Date.UTC(2026, 0, 2)),
      config: {seed: 7, lr: 0.003, at: new Date(Date.UTC(2026, 0, 3))}
    });
    expect(rows[1]).toEqual({step: 2, name: null, tags: [], created: null, config: {seed: 8, lr: 0.1, at: null}});
    expect(structKeys(table.schema.fields[4]).map((k) => k.name)).toEqual(["seed", "lr", "at"]);
  });

  it("handles empty tables", () => {
    const rows = arrowToRows(tableFromArrays({x: new Float64Array(0)}));
    expect(rows).toHaveLength(0);
    expect(rows.columns).toEqual(["x"]);
  });
});

describe("runs schema helpers", () => {
  const schema = new Table({
    state: vectorFromArray(["finished"], new Utf8()),
    group: vectorFromArray(["e4m3"], new Utf8()),
    config: vectorFromArray(
      [{fp8_format: "e4m3", lr: 0.003, betas: [0.9, 0.95]}],
      new Struct([new Field("fp8_format", new Utf8()), new Field("lr", new Float64()), new Field("betas", new List(new Field("item", new Float64())))])
    )
  }).schema.fields;

  it("lists scalar dimensions (lists left out) and quotes their SQL", () => {
    const dims = runDimensions(schema);
    expect(dims.map((d) => d.id)).toEqual(["state", "group", "config.fp8_format", "config.lr"]);
    expect(dimensionExpr(dims[2], "r").text).toBe('"r"."config"."fp8_format"');
    expect(dimensionExpr(null).text).toBe("NULL");
  });

  it("resolves overview fields with fallbacks", () => {
    const paths = overviewPaths(schema);
    expect(paths.format).toEqual(["config", "fp8_format"]);
    expect(paths.lr).toEqual(["config", "lr"]);
    expect(paths.optimizer).toBeNull();
    expect(paths.failure_reason).toBeNull();
  });
});

describe("dom helpers", () => {
  it("only lets http(s) URLs through", () => {
    expect(safeUrl("https://wandb.ai/e/p/runs/x")).toBe("https://wandb.ai/e/p/runs/x");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl(" data:text/html,<b>x</b>")).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });
});
