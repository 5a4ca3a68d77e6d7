// The download component's pure part (src/components/table-export.ts): CSV text and the Arrow IPC
// stream that parquet-wasm turns into Parquet. The Parquet bytes are read back with DuckDB, an
// independent reader; the browser path (parquet-wasm/esm in the page) is covered by test/e2e/research.test.ts.
import {mkdtemp, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {DuckDBInstance} from "@duckdb/node-api";
import {Table as WasmTable, writeParquet} from "parquet-wasm/node";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {exportColumns, exportName, toArrowIPC, toCsv} from "../../src/components/table-export.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "runlens-export-"));
});
afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

const TABLE = {
  columns: [
    {key: "name", type: "text"},
    {key: "n", type: "integer"},
    {key: "estimate", type: "number"},
    {key: "p", type: "p"},
    {key: "reference", type: "boolean"}
  ],
  rows: [
    {name: 'e4m3, "quoted"\nline', n: 6, estimate: 2.5, p: 0.01, reference: false},
    {name: "=HYPERLINK(\"http://x\")", n: null, estimate: -1.25, p: null, reference: true},
    {name: "-2+3", n: 3, estimate: null, p: 1e-12, reference: null},
    {name: null, n: 0, estimate: 0, p: 1, reference: false}
  ]
};

describe("toCsv", () => {
  it("writes RFC 4180 CSV: header of keys, quotes doubled, empty for null, CRLF", () => {
    const csv = toCsv(TABLE);
    expect(csv.split("\r\n")).toEqual([
      "name,n,estimate,p,reference",
      '"e4m3, ""quoted""\nline",6,2.5,0.01,false',
      `"'=HYPERLINK(""http://x"")",,-1.25,,true`,
      "'-2+3,3,,1e-12,",
      ",0,0,1,false",
      ""
    ]);
  });

  it("never prefixes numbers (a negative number stays a number), only text cells that start a formula", () => {
    const csv = toCsv({rows: [{x: -3, y: "+1", z: "@SUM(A1)", w: "plain"}]});
    expect(csv).toBe("x,y,z,w\r\n-3,'+1,'@SUM(A1),plain\r\n");
  });

  it("infers columns and types when the table declares none", () => {
    expect(exportColumns({rows: [{a: 1, b: "x"}, {a: 2.5, c: true}]})).toEqual([
      {key: "a", type: "number"},
      {key: "b", type: "text"},
      {key: "c", type: "boolean"}
    ]);
  });

  it("makes safe file names", () => {
    expect(exportName("formats", "ranking")).toBe("formats-ranking");
    expect(exportName("../../etc/passwd", "x y")).toBe("etc-passwd-x-y");
  });
});

describe("toArrowIPC → parquet-wasm → Parquet", () => {
  it("round-trips typed columns and nulls (read back with DuckDB)", async () => {
    const bytes = writeParquet(WasmTable.fromIPCStream(toArrowIPC(TABLE)));
    expect(Buffer.from(bytes.subarray(0, 4)).toString("latin1")).toBe("PAR1");
    const file = join(dir, "t.parquet");
    await writeFile(file, bytes);
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const types = (await connection.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`)).getRowObjectsJS();
      expect(types).toEqual([
        {column_name: "name", column_type: "VARCHAR"},
        {column_name: "n", column_type: "INTEGER"},
        {column_name: "estimate", column_type: "DOUBLE"},
        {column_name: "p", column_type: "DOUBLE"},
        {column_name: "reference", column_type: "BOOLEAN"}
      ]);
      const rows = (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS();
      expect(rows).toEqual(TABLE.rows);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
