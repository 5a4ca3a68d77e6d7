// The history table as columns (HistoryColumns of @runlens/analyses) straight from an Arrow result of
// `SELECT run_id, metric, step, value FROM history`: no JS object per row. Run ids and metric names become
// integer codes without making a string per row — a row whose UTF-8 bytes equal the previous row's takes
// the previous code (the workspace stores each series in consecutive rows), and only a change is decoded
// and looked up. Steps and values are copied out of the Arrow buffers.
// Duck-typed like arrow-rows.ts (duckdb-wasm bundles its own apache-arrow): a column is a vector whose
// `data` chunks hold `values` (typed array, already sliced to the chunk), `valueOffsets` (Utf8),
// `dictionary` (dictionary-encoded text), `offset` (where the chunk starts in `nullBitmap`), `nullBitmap`
// and `nullCount`. Text in another layout is read through the vector's `get`, one string per row.
import type {HistoryColumns} from "@runlens/analyses";

interface ChunkLike {
  length: number;
  offset: number;
  nullCount: number;
  nullBitmap?: Uint8Array | null;
  values: ArrayLike<number | bigint>;
  valueOffsets?: Int32Array;
  /** Dictionary-encoded columns: the dictionary (`values` are the keys). */
  dictionary?: {length: number; get(index: number): unknown};
}

interface VectorLike {
  data: ChunkLike[];
  get(index: number): unknown;
}

export interface ArrowHistoryTableLike {
  numRows: number;
  schema: {fields: {name: string; type: {typeId: number}}[]};
  getChild(name: string): VectorLike | null;
}

/** arrow-js Type ids (stable across versions): Utf8, and Dictionary (negative). */
const UTF8 = 5;
const LARGE_UTF8 = 20;
const DICTIONARY = -1;

function isValid(chunk: ChunkLike, i: number): boolean {
  if (chunk.nullCount === 0 || !chunk.nullBitmap || chunk.nullBitmap.length === 0) return true;
  const bit = chunk.offset + i;
  return ((chunk.nullBitmap[bit >> 3] >> (bit & 7)) & 1) === 1;
}

/** Integer codes for the names of one text column, in first-seen order. */
class Coder {
  readonly names: string[] = [];
  private readonly codes = new Map<string, number>();
  private readonly decoder = new TextDecoder();
  private last: Uint8Array = new Uint8Array(0);
  private lastCode = -1;

  ofName(name: string): number {
    let code = this.codes.get(name);
    if (code === undefined) {
      code = this.names.length;
      this.codes.set(name, code);
      this.names.push(name);
    }
    return code;
  }

  /** Utf8 bytes [start, end): the previous call's code when the bytes are the same, else decoded. */
  ofBytes(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const last = this.last;
    if (this.lastCode >= 0 && length === last.length) {
      let same = true;
      for (let k = 0; k < length; ++k) {
        if (bytes[start + k] !== last[k]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastCode;
    }
    const slice = bytes.subarray(start, end);
    const code = this.ofName(this.decoder.decode(slice));
    this.last = slice.slice();
    this.lastCode = code;
    return code;
  }
}

/**
 * Row i of one chunk of a text column → its code: from the Utf8 bytes, through the dictionary (codes of
 * its entries computed once per chunk), or, for any other string layout, through the vector's `get`.
 */
function chunkCoder(typeId: number, chunk: ChunkLike, vector: VectorLike, firstRow: number, coder: Coder): (i: number) => number {
  if (typeId === UTF8 && chunk.valueOffsets) {
    const offsets = chunk.valueOffsets;
    const bytes = chunk.values as Uint8Array;
    return (i) => coder.ofBytes(bytes, offsets[i], offsets[i + 1]);
  }
  if (typeId === DICTIONARY && chunk.dictionary) {
    const dictionary = chunk.dictionary;
    const keys = chunk.values;
    const codes = new Int32Array(dictionary.length).fill(-1);
    return (i) => {
      const key = Number(keys[i]);
      let code = codes[key];
      if (code < 0) code = codes[key] = coder.ofName(String(dictionary.get(key)));
      return code;
    };
  }
  return (i) => coder.ofName(String(vector.get(firstRow + i)));
}

function column(table: ArrowHistoryTableLike, name: string, text: boolean): {typeId: number; vector: VectorLike} {
  const field = table.schema.fields.find((f) => f.name === name);
  const vector = table.getChild(name);
  if (!field || !vector) throw new Error(`history result has no "${name}" column`);
  const typeId = field.type.typeId;
  const isText = typeId === UTF8 || typeId === LARGE_UTF8 || typeId === DICTIONARY;
  if (text !== isText) throw new Error(`history column "${name}" should be ${text ? "text" : "numeric"}`);
  return {typeId, vector};
}

/**
 * HistoryColumns of an Arrow history result (columns run_id, metric: text; step, value: numbers, BIGINT
 * or DOUBLE). Rows with a null in any column are left out and counted in `skippedRows`.
 */
export function historyColumnsFromArrow(table: ArrowHistoryTableLike): HistoryColumns {
  const runColumn = column(table, "run_id", true);
  const metricColumn = column(table, "metric", true);
  const stepChunks = column(table, "step", false).vector.data;
  const valueChunks = column(table, "value", false).vector.data;
  const runChunks = runColumn.vector.data;
  const metricChunks = metricColumn.vector.data;
  const n = table.numRows;
  const run = new Int32Array(n);
  const metric = new Int32Array(n);
  const step = new Float64Array(n);
  const value = new Float64Array(n);
  const runs = new Coder();
  const metrics = new Coder();
  let kept = 0;
  let skipped = 0;
  let firstRow = 0;
  for (let c = 0; c < runChunks.length; ++c) {
    const r = runChunks[c];
    const m = metricChunks[c];
    const s = stepChunks[c];
    const v = valueChunks[c];
    if (!m || !s || !v || m.length !== r.length || s.length !== r.length || v.length !== r.length) {
      throw new Error("history result columns are not chunked alike");
    }
    const runOf = chunkCoder(runColumn.typeId, r, runColumn.vector, firstRow, runs);
    const metricOf = chunkCoder(metricColumn.typeId, m, metricColumn.vector, firstRow, metrics);
    const checkNulls = r.nullCount + m.nullCount + s.nullCount + v.nullCount > 0;
    const steps = s.values;
    const values = v.values;
    const bigSteps = typeof steps[0] === "bigint";
    const bigValues = typeof values[0] === "bigint";
    for (let i = 0; i < r.length; ++i) {
      if (checkNulls && !(isValid(r, i) && isValid(m, i) && isValid(s, i) && isValid(v, i))) {
        skipped++;
        continue;
      }
      run[kept] = runOf(i);
      metric[kept] = metricOf(i);
      step[kept] = bigSteps ? Number(steps[i]) : (steps[i] as number);
      value[kept] = bigValues ? Number(values[i]) : (values[i] as number);
      kept++;
    }
    firstRow += r.length;
  }
  if (kept + skipped !== n) throw new Error(`history result: ${kept + skipped} rows read of ${n}`);
  return {
    runIds: runs.names,
    metrics: metrics.names,
    run: kept === n ? run : run.slice(0, kept),
    metric: kept === n ? metric : metric.slice(0, kept),
    step: kept === n ? step : step.slice(0, kept),
    value: kept === n ? value : value.slice(0, kept),
    skippedRows: skipped
  };
}
