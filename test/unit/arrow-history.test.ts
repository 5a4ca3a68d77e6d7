// Arrow history result → HistoryColumns (src/components/arrow-history.ts): the codes, steps and values
// must say exactly what the rows say, whatever the chunking, nulls, slicing or integer step type.
import {Float64, Int64, LargeUtf8, Table, Utf8, makeData, RecordBatch, Schema, Field, Struct, vectorFromArray, tableFromArrays} from "apache-arrow";
import {describe, expect, it} from "vitest";
import {indexHistory, indexHistoryColumns} from "@runlens/analyses";
import {historyColumnsFromArrow, type ArrowHistoryTableLike} from "../../src/components/arrow-history.js";
import {plain} from "../helpers/history-index.js";

interface Row {
  run_id: string | null;
  metric: string | null;
  step: number | null;
  value: number | null;
}

function batchOf(rows: Row[], bigSteps: boolean): RecordBatch {
  const fields = [
    new Field("run_id", new Utf8(), true),
    new Field("metric", new Utf8(), true),
    new Field("step", bigSteps ? new Int64() : new Float64(), true),
    new Field("value", new Float64(), true)
  ];
  const children = [
    vectorFromArray(rows.map((r) => r.run_id), new Utf8()).data[0],
    vectorFromArray(rows.map((r) => r.metric), new Utf8()).data[0],
    vectorFromArray(rows.map((r) => (r.step === null ? null : bigSteps ? BigInt(r.step) : r.step)), bigSteps ? new Int64() : new Float64()).data[0],
    vectorFromArray(rows.map((r) => r.value), new Float64()).data[0]
  ];
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({type: new Struct(fields), length: rows.length, nullCount: 0, children}));
}

/** The rows back from the columns, through the codes. */
function rowsOf(c: ReturnType<typeof historyColumnsFromArrow>): Row[] {
  return Array.from(c.step, (step, i) => ({run_id: c.runIds[c.run[i]], metric: c.metrics[c.metric[i]], step, value: c.value[i]}));
}

function sampleRows(): Row[] {
  const rows: Row[] = [];
  for (const run of ["a", "bb", "ç-run", "a2"]) {
    for (const metric of ["loss", "grad_norm/transformer.h.0.attn", "val_loss", "λ"]) {
      for (let step = 0; step < 7; step++) rows.push({run_id: run, metric, step: step * 10, value: step === 3 ? NaN : step === 5 ? Infinity : Math.sin(step + run.length)});
    }
  }
  return rows;
}

describe("history columns from Arrow", () => {
  it("codes, steps and values match the rows, across batches, with BIGINT or DOUBLE steps", () => {
    const rows = sampleRows();
    for (const big of [false, true]) {
      const table = new Table([batchOf(rows.slice(0, 37), big), batchOf(rows.slice(37, 38), big), batchOf(rows.slice(38), big)]);
      const columns = historyColumnsFromArrow(table as unknown as ArrowHistoryTableLike);
      expect(columns.skippedRows).toBe(0);
      expect(rowsOf(columns)).toEqual(rows);
      expect(columns.runIds).toEqual(["a", "bb", "ç-run", "a2"]);
      expect(columns.metrics).toEqual(["loss", "grad_norm/transformer.h.0.attn", "val_loss", "λ"]);
      // the index the research functions build is the rows' index
      expect(plain(indexHistoryColumns(columns).index)).toEqual(plain(indexHistory(rows as never).index));
    }
  });

  it("a name equal in bytes to the previous row's only up to a prefix gets its own code", () => {
    const rows: Row[] = [
      {run_id: "run", metric: "m", step: 0, value: 1},
      {run_id: "run1", metric: "m", step: 0, value: 2},
      {run_id: "run", metric: "mm", step: 1, value: 3},
      {run_id: "rum", metric: "m", step: 1, value: 4},
      {run_id: "", metric: "m", step: 2, value: 5}
    ];
    const columns = historyColumnsFromArrow(new Table([batchOf(rows, false)]) as unknown as ArrowHistoryTableLike);
    expect(rowsOf(columns)).toEqual(rows);
    expect(columns.runIds).toEqual(["run", "run1", "rum", ""]);
  });

  it("leaves out rows with a null and counts them", () => {
    const rows = sampleRows().slice(0, 12);
    rows[2] = {...rows[2], value: null};
    rows[5] = {...rows[5], step: null};
    rows[9] = {...rows[9], metric: null};
    const columns = historyColumnsFromArrow(new Table([batchOf(rows, true)]) as unknown as ArrowHistoryTableLike);
    expect(columns.skippedRows).toBe(3);
    expect(rowsOf(columns)).toEqual(rows.filter((_, i) => ![2, 5, 9].includes(i)));
  });

  it("reads sliced tables (chunks that start inside their buffers)", () => {
    const rows = sampleRows();
    rows[40] = {...rows[40], value: null};
    const table = new Table([batchOf(rows, true)]).slice(13, 90);
    const columns = historyColumnsFromArrow(table as unknown as ArrowHistoryTableLike);
    const expected = rows.slice(13, 90);
    expect(columns.skippedRows).toBe(1);
    expect(rowsOf(columns)).toEqual(expected.filter((r) => r.value !== null));
  });

  it("reads dictionary-encoded names (as apache-arrow's tableFromArrays makes them)", () => {
    const rows = sampleRows();
    const table = tableFromArrays({
      run_id: rows.map((r) => r.run_id!),
      metric: rows.map((r) => r.metric!),
      step: Float64Array.from(rows, (r) => r.step!),
      value: Float64Array.from(rows, (r) => r.value!)
    });
    expect(table.schema.fields[0].type.typeId).toBe(-1); // Dictionary<Utf8>
    const columns = historyColumnsFromArrow(table as unknown as ArrowHistoryTableLike);
    expect(rowsOf(columns)).toEqual(rows);
  });

  it("reads names in another string layout (LargeUtf8) through the vector, one string per row", () => {
    const rows = sampleRows();
    const table = new Table({
      run_id: vectorFromArray(rows.map((r) => r.run_id), new LargeUtf8()),
      metric: vectorFromArray(rows.map((r) => r.metric), new LargeUtf8()),
      step: vectorFromArray(rows.map((r) => BigInt(r.step!)), new Int64()),
      value: vectorFromArray(rows.map((r) => r.value), new Float64())
    });
    expect(table.schema.fields[0].type.typeId).toBe(20);
    expect(rowsOf(historyColumnsFromArrow(table as unknown as ArrowHistoryTableLike))).toEqual(rows);
    const twoChunks = table.slice(0, 50).concat(table.slice(50));
    expect(twoChunks.getChild("run_id")!.data).toHaveLength(2);
    expect(rowsOf(historyColumnsFromArrow(twoChunks as unknown as ArrowHistoryTableLike))).toEqual(rows);
    const sliced = table.slice(30, 70);
    expect(rowsOf(historyColumnsFromArrow(sliced as unknown as ArrowHistoryTableLike))).toEqual(rows.slice(30, 70));
  });

  it("names a missing or mistyped column", () => {
    expect(() => historyColumnsFromArrow(tableFromArrays({run_id: ["a"], step: [1], value: [1]}) as unknown as ArrowHistoryTableLike)).toThrow(/no "metric" column/);
    expect(() => historyColumnsFromArrow(tableFromArrays({run_id: [1], metric: ["m"], step: [1], value: [1]}) as unknown as ArrowHistoryTableLike)).toThrow(/"run_id" should be text/);
  });
});
