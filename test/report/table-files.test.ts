import {csvParse} from "d3-dsv";
import {describe, expect, it} from "vitest";
import type {ResearchTable} from "@runlens/analyses/research/index";
import {csvField, tableToCsv, tableToJson} from "../../data-loaders/report/table-files.js";

const table: ResearchTable = {
  id: "t",
  title: "T",
  description: "",
  columns: [
    {key: "name", label: "run", type: "text"},
    {key: "value", label: "value", type: "number"},
    {key: "ok", label: "ok", type: "boolean"}
  ],
  rows: [
    {name: "plain", value: 0.1, ok: true},
    {name: 'a,b "quoted"\nsecond line', value: -1.5e-7, ok: false},
    {name: "\r\nonly breaks\r", value: null, ok: null},
    {name: " padded ", value: 123456789.125, ok: true}
  ]
};

describe("CSV (RFC 4180)", () => {
  it("quotes fields with a comma, quote, CR or LF and doubles inner quotes (hand-written expectation)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line1\nline2")).toBe('"line1\nline2"');
    expect(csvField("x\ry")).toBe('"x\ry"');
    expect(csvField(null)).toBe("");
    expect(csvField(false)).toBe("false");
    expect(csvField(0.1)).toBe("0.1");
    expect(tableToCsv(table).split("\r\n").slice(0, 3)).toEqual(["name,value,ok", "plain,0.1,true", '"a,b ""quoted""\nsecond line",-1.5e-7,false']);
    expect(tableToCsv(table).endsWith("\r\n")).toBe(true);
  });

  it("parses back (d3-dsv, an independent RFC 4180 parser) to the same rows", () => {
    const parsed = csvParse(tableToCsv(table));
    expect(parsed.columns).toEqual(["name", "value", "ok"]);
    expect(parsed.map((r) => ({name: r.name, value: r.value === "" ? null : Number(r.value), ok: r.ok === "" ? null : r.ok === "true"}))).toEqual(table.rows);
  });

  it("writes JSON with the columns and the rows at full precision", () => {
    const json = JSON.parse(tableToJson(table));
    expect(json.rows).toEqual(table.rows);
    expect(json.columns).toEqual(table.columns);
  });
});
